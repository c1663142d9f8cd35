// Buckets and their configurations.
import { eq } from "../assert.ts";
import { bucket, object, upload, withBuckets, type ContractCase } from "./tools.ts";

export const BUCKET_CASES: ContractCase[] = [
  {
    name: "createBucket: a name taken says exists and keeps the first record",
    async run(s) {
      eq(await s.createBucket(bucket("alpha", { owner: "o1" })), { ok: true });
      eq(await s.createBucket(bucket("alpha", { owner: "o2", created: 5, region: "eu-west-1" })), { ok: false, reason: "BucketAlreadyExists" });
      eq(await s.getBucket("alpha"), bucket("alpha", { owner: "o1" }));
      eq(await s.getBucket("beta"), null, "a bucket never created");
    },
  },
  {
    name: "listBuckets: every bucket once, in name order",
    async run(s) {
      const names = ["charlie", "alpha", "bravo", "alpha-2", "a.b", "0zero"];
      for (const [i, n] of names.entries()) eq(await s.createBucket(bucket(n, { created: i })), { ok: true });
      eq(await s.createBucket(bucket("bravo")), { ok: false, reason: "BucketAlreadyExists" });
      eq(await s.listBuckets(), ["0zero", "a.b", "alpha", "alpha-2", "bravo", "charlie"].map((n) => bucket(n, { created: names.indexOf(n) })));
    },
  },
  {
    name: "deleteBucket: missing, not empty, deleted; created again it starts empty",
    async run(s) {
      eq(await s.deleteBucket("b1"), { ok: false, reason: "NoSuchBucket" });
      await withBuckets(s, "b1", "b2");
      eq(await s.putBucketConfig("b1", "policy", "{}"), { ok: true });
      eq((await s.putObject(object("b1", "k"), {})).ok, true);
      eq(await s.deleteBucket("b1"), { ok: false, reason: "BucketNotEmpty" });
      eq(await s.getBucket("b1"), bucket("b1"), "a bucket refused deletion is still there");
      eq((await s.listBuckets()).map((b) => b.name), ["b1", "b2"]);
      eq((await s.deleteObject("b1", "k")).ok, true);
      eq(await s.deleteBucket("b1"), { ok: true });
      eq(await s.getBucket("b1"), null);
      eq(await s.getBucketState("b1"), null);
      eq((await s.listBuckets()).map((b) => b.name), ["b2"]);
      eq(await s.deleteBucket("b1"), { ok: false, reason: "NoSuchBucket" }, "deleted twice");
      eq(await s.createBucket(bucket("b1", { owner: "o9" })), { ok: true });
      eq(await s.getBucketState("b1"), { bucket: bucket("b1", { owner: "o9" }), configs: {} }, "configs went with the bucket");
      eq(await s.listObjects("b1", { prefix: "", start: "", inclusive: false, limit: 10 }), []);
    },
  },
  {
    name: "deleteBucket: open multipart uploads do not keep a bucket; they go with it",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.createUpload(upload("b1", "k", "u1")), { ok: true });
      eq(await s.deleteBucket("b1"), { ok: true });
      await withBuckets(s, "b1");
      eq(await s.getUpload("b1", "u1"), null);
      eq(await s.listUploads("b1", { prefix: "", keyMarker: "", uploadIdMarker: "", limit: 10 }), []);
    },
  },
  {
    name: "bucket configs: put, replace, remove; getBucketState reads the bucket with all of them",
    async run(s) {
      eq(await s.getBucketState("b1"), null, "missing bucket");
      eq(await s.putBucketConfig("b1", "policy", "{}"), { ok: false, reason: "NoSuchBucket" }, "config of a missing bucket");
      eq(await s.getBucketConfig("b1", "policy"), null);
      await withBuckets(s, "b1", "b2");
      eq(await s.getBucketState("b1"), { bucket: bucket("b1"), configs: {} });
      const big = `<NotificationConfiguration>${"<x>é€😀</x>".repeat(8000)}</NotificationConfiguration>`;
      eq(await s.putBucketConfig("b1", "policy", "p1"), { ok: true });
      eq(await s.putBucketConfig("b1", "notification", big), { ok: true });
      eq(await s.putBucketConfig("b1", "policy", "p2"), { ok: true }, "replace");
      eq(await s.getBucketConfig("b1", "policy"), "p2");
      eq(await s.getBucketState("b1"), { bucket: bucket("b1"), configs: { policy: "p2", notification: big } });
      eq(await s.putBucketConfig("b1", "notification", null), { ok: true }, "remove");
      eq(await s.putBucketConfig("b1", "cors", null), { ok: true }, "remove what is not there");
      eq(await s.getBucketConfig("b1", "notification"), null);
      eq(await s.getBucketState("b1"), { bucket: bucket("b1"), configs: { policy: "p2" } });
      eq(await s.getBucketState("b2"), { bucket: bucket("b2"), configs: {} }, "another bucket's configs");
    },
  },
];
