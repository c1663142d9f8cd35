// Object versions (S3 versioning): ids keep older versions, the null version is replaced where
// it is, delete markers hide a key, deletes by id promote the next newest, listings of versions
// page by (key, version), versions share chunks, and a bucket with any version is not empty.
import type { MetaStore, ObjectRecord, VersionSummary } from "../../../src/store/types.ts";
import { eq } from "../assert.ts";
import { chunk, chunked, event, object, session, sweep, T0, utf8, withBuckets, type ContractCase } from "./tools.ts";

const v = (key: string, versionId: string, n: number, over: Partial<ObjectRecord> = {}) =>
  object("b1", key, { versionId, etag: `"e-${versionId}"`, lastModified: T0 + n, inline: utf8(`${key}@${versionId}`), size: key.length + 1 + versionId.length, ...over });

const marker = (versionId: string, n: number) => ({ marker: { versionId, lastModified: T0 + n } });

/** key@versionId, with * for the latest and ~ for a delete marker: the listing's shape at a glance. */
const shape = (rows: VersionSummary[]) => rows.map((r) => `${r.key}@${r.versionId}${r.isLatest ? "*" : ""}${r.deleteMarker ? "~" : ""}`);

const versions = (s: MetaStore, opts: { prefix?: string; start?: string; inclusive?: boolean; versionIdMarker?: string; limit?: number } = {}) =>
  s.listObjectVersions("b1", { prefix: opts.prefix ?? "", start: opts.start ?? "", inclusive: opts.inclusive ?? false, versionIdMarker: opts.versionIdMarker, limit: opts.limit ?? 1000 })
    .then(shape);

const keys = (s: MetaStore) => s.listObjects("b1", { prefix: "", start: "", inclusive: false, limit: 1000 }).then((r) => r.map((o) => o.key));

export const VERSION_CASES: ContractCase[] = [
  {
    name: "versions: writes with ids keep the older versions, newest first; each reads back by id",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "null", 0), {}), { ok: true }, "an unversioned write");
      eq(await s.putObject(v("k", "idA", 1), {}), { ok: true });
      eq(await s.putObject(v("k", "idB", 2), {}), { ok: true });
      eq((await s.getObject("b1", "k"))?.versionId, "idB", "the current version");
      eq(await s.getObject("b1", "k", "idA"), v("k", "idA", 1));
      eq(await s.getObject("b1", "k", "null"), v("k", "null", 0), "the version written before versioning");
      eq(await s.getObject("b1", "k", "idZ"), null);
      eq(await versions(s), ["k@idB*", "k@idA", "k@null"]);
      const rows = await s.listObjectVersions("b1", { prefix: "", start: "", inclusive: false, limit: 10 });
      eq(rows[0].noncurrentSince, undefined, "the current version is not noncurrent");
      eq(rows[1].noncurrentSince, T0 + 2, "noncurrent since its successor was written");
      eq(rows[1].size, v("k", "idA", 1).size);
      eq(await keys(s), ["k"], "ListObjects shows a key once");
    },
  },
  {
    name: "versions: a null write replaces the null version wherever it is and keeps the others",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "null", 0), {}), { ok: true });
      eq(await s.putObject(v("k", "idA", 1), {}), { ok: true });
      eq(await s.putObject(v("k", "null", 2, { tags: { second: "1" } }), {}), { ok: true }, "Suspended: the old null goes");
      eq(await versions(s), ["k@null*", "k@idA"]);
      eq((await s.getObject("b1", "k", "null"))?.tags, { second: "1" });
      eq(await s.putObject(v("k", "null", 3, { tags: { third: "1" } }), {}), { ok: true }, "a current null is replaced in place");
      eq(await versions(s), ["k@null*", "k@idA"]);
      eq((await s.getObject("b1", "k"))?.tags, { third: "1" });
    },
  },
  {
    name: "delete markers: hide the key from ListObjects and GET, stack, and removing one by id brings the object back",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("a", "idA", 0), {}), { ok: true });
      eq(await s.putObject(v("k", "id1", 1), {}), { ok: true });
      eq(await s.deleteObject("b1", "k", undefined, undefined, marker("dm1", 2)), { ok: true, versionId: "dm1", deleteMarker: true });
      eq(await keys(s), ["a"], "a key whose current version is a marker is not listed");
      const cur = await s.getObject("b1", "k");
      eq([cur?.versionId, cur?.deleteMarker, cur?.size, cur?.etag], ["dm1", true, 0, ""]);
      eq((await s.getObject("b1", "k", "dm1"))?.deleteMarker, true);
      eq(await s.deleteObject("b1", "k", undefined, undefined, marker("dm2", 3)), { ok: true, versionId: "dm2", deleteMarker: true }, "markers stack");
      eq(await versions(s), ["a@idA*", "k@dm2*~", "k@dm1~", "k@id1"]);
      eq(await s.deleteObject("b1", "k", undefined, undefined, { versionId: "dm2" }), { ok: true, versionId: "dm2", deleteMarker: true });
      eq((await s.getObject("b1", "k"))?.versionId, "dm1", "the next newest (a marker) is current");
      eq(await s.deleteObject("b1", "k", undefined, undefined, { versionId: "dm1" }), { ok: true, versionId: "dm1", deleteMarker: true });
      eq((await s.getObject("b1", "k"))?.versionId, "id1", "the object is back");
      eq(await keys(s), ["a", "k"]);
      eq(await s.deleteObject("b1", "k", undefined, undefined, { versionId: "dm1" }), { ok: false, reason: "NoSuchVersion" });
      eq(await s.deleteObject("b1", "nokey", undefined, undefined, marker("dm3", 4)), { ok: true, versionId: "dm3", deleteMarker: true },
        "a marker is written for a key that has no version (S3)");
      eq(await versions(s, { prefix: "n" }), ["nokey@dm3*~"]);
    },
  },
  {
    name: "versioned deletes: a noncurrent version goes alone; the current one is succeeded by the newest left; the last leaves nothing",
    async run(s) {
      await withBuckets(s, "b1");
      for (const [i, id] of ["id1", "id2", "id3"].entries()) eq(await s.putObject(v("k", id, i), {}), { ok: true });
      eq(await s.deleteObject("b1", "k", undefined, undefined, { versionId: "id2" }), { ok: true, versionId: "id2", deleteMarker: false });
      eq(await versions(s), ["k@id3*", "k@id1"]);
      eq(await s.deleteObject("b1", "k", undefined, undefined, { versionId: "id3" }), { ok: true, versionId: "id3", deleteMarker: false });
      eq(await versions(s), ["k@id1*"]);
      eq(await s.getObject("b1", "k"), v("k", "id1", 0));
      eq((await s.deleteObject("b1", "k")).ok, true, "without a version: the current one");
      eq(await versions(s), []);
      eq(await s.getObject("b1", "k"), null);
      eq(await s.deleteObject("b1", "k"), { ok: false, reason: "NoSuchKey" });
    },
  },
  {
    name: "versioned conditions: writes and deletes are checked against the current version; a current marker counts as no object",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "id1", 0), {}), { ok: true });
      eq(await s.putObject(v("k", "id2", 1), { cond: { ifMatch: ['"e-id1"'] } }), { ok: true }, "If-Match: the current ETag");
      eq(await s.putObject(v("k", "id3", 2), { cond: { ifMatch: ['"e-id1"'] } }), { ok: false, reason: "PreconditionFailed" }, "a noncurrent ETag");
      eq(await s.putObject(v("k", "id3", 2), { cond: { ifNoneMatch: "*" } }), { ok: false, reason: "PreconditionFailed" });
      eq(await s.deleteObject("b1", "k", undefined, { ifMatch: ['"e-id1"'] }, marker("dm1", 3)), { ok: false, reason: "PreconditionFailed" });
      eq(await s.deleteObject("b1", "k", undefined, { ifMatch: ['"e-id2"'], size: v("k", "id2", 1).size }, marker("dm1", 3)),
        { ok: true, versionId: "dm1", deleteMarker: true });
      eq(await s.deleteObject("b1", "k", undefined, { ifMatch: "*" }, marker("dm2", 4)), { ok: false, reason: "NoSuchKey" }, "behind a marker");
      eq(await s.putObject(v("k", "id3", 5), { cond: { ifMatch: "*" } }), { ok: false, reason: "PreconditionFailed" });
      eq(await s.putObject(v("k", "id3", 5), { cond: { ifNoneMatch: "*" } }), { ok: true }, "If-None-Match: * writes over a marker");
      eq(await s.deleteObject("b1", "k", undefined, { size: 999 }, { versionId: "id1" }), { ok: false, reason: "PreconditionFailed" },
        "a named version's own size");
      eq(await versions(s), ["k@id3*", "k@dm1~", "k@id2", "k@id1"]);
    },
  },
  {
    name: "listObjectVersions: prefix, start (inclusive or not), and resuming inside a key after a version id",
    async run(s) {
      await withBuckets(s, "b1");
      let n = 0;
      for (const key of ["a", "b/1", "b/2", "c"]) for (const id of ["idX", "idY"]) eq(await s.putObject(v(key, `${id}${key.length}`, n++), {}), { ok: true });
      eq(await versions(s, { limit: 3 }), ["a@idY1*", "a@idX1", "b/1@idY3*"]);
      eq(await versions(s, { start: "a", versionIdMarker: "idY1", limit: 2 }), ["a@idX1", "b/1@idY3*"], "after a's current version");
      eq(await versions(s, { start: "a", versionIdMarker: "idX1", limit: 2 }), ["b/1@idY3*", "b/1@idX3"], "after a's last version");
      eq(await versions(s, { start: "b/1", versionIdMarker: "nope", limit: 2 }), ["b/2@idY3*", "b/2@idX3"], "an unknown id: after the key");
      eq(await versions(s, { start: "b/1" }), ["b/2@idY3*", "b/2@idX3", "c@idY1*", "c@idX1"], "no id: after the key");
      eq(await versions(s, { start: "b/2", inclusive: true, limit: 1 }), ["b/2@idY3*"]);
      eq(await versions(s, { prefix: "b/" }), ["b/1@idY3*", "b/1@idX3", "b/2@idY3*", "b/2@idX3"]);
      eq(await versions(s, { prefix: "b/", start: "b/1", versionIdMarker: "idY3" }), ["b/1@idX3", "b/2@idY3*", "b/2@idX3"]);
      eq(await versions(s, { prefix: "zz" }), []);
      eq(await versions(s, { prefix: "c", start: "a", versionIdMarker: "idY1" }), ["c@idY1*", "c@idX1"], "a marker outside the prefix");
      eq(await versions(s, { limit: 0 }), []);
    },
  },
  {
    name: "versions share chunks: a chunk is collected only once no version (current, noncurrent or a part) names it",
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const [a, b] = [await chunk(s, sess, 1), await chunk(s, sess, 2)];
      eq(await s.putObject(chunked("b1", "k", [a, b], { versionId: "id1" }), { session: sess }), { ok: true });
      const s2 = session("b1");
      eq(await s.acquireChunk(s2, a.hash), a.blob, "the same bytes again: found, not stored");
      eq(await s.putObject(chunked("b1", "k", [a], { versionId: "id2" }), { session: s2 }), { ok: true });
      eq(await s.deleteObject("b1", "k", undefined, undefined, marker("dm", 9)), { ok: true, versionId: "dm", deleteMarker: true });
      eq(await sweep(s, t), [], "every chunk is named by a noncurrent version");
      eq(await s.countChunks(), 2);
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "id1" })).ok, true);
      eq(await sweep(s, t), [b.blob], "b was named by id1 alone; a still by id2");
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "id2" })).ok, true);
      eq(await sweep(s, t), [a.blob]);
      eq(await versions(s), ["k@dm*~"]);
    },
  },
  {
    name: "deleteBucket: a delete marker or a noncurrent version keeps the bucket (BucketNotEmpty)",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "id1", 0), {}), { ok: true });
      eq((await s.deleteObject("b1", "k", undefined, undefined, marker("dm", 1))).ok, true);
      eq(await s.deleteBucket("b1"), { ok: false, reason: "BucketNotEmpty" }, "only a marker and a noncurrent version");
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "id1" })).ok, true);
      eq(await s.deleteBucket("b1"), { ok: false, reason: "BucketNotEmpty" }, "only a marker");
      eq((await s.deleteObject("b1", "k", undefined, undefined, { versionId: "dm" })).ok, true);
      eq(await s.deleteBucket("b1"), { ok: true });
    },
  },
  {
    name: "versions: tags and headers change one version; a marker has none to change",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "id1", 0), {}), { ok: true });
      eq(await s.putObject(v("k", "id2", 1), {}), { ok: true });
      eq(await s.updateObjectTags("b1", "k", { old: "1" }, undefined, "id1"), { ok: true });
      eq(await s.updateObjectTags("b1", "k", { cur: "1" }), { ok: true });
      eq((await s.getObject("b1", "k", "id1"))?.tags, { old: "1" });
      eq((await s.getObject("b1", "k", "id2"))?.tags, { cur: "1" });
      eq(await s.updateObjectTags("b1", "k", {}, undefined, "nope"), { ok: false, reason: "NoSuchVersion" });
      eq(await s.updateObjectHeader("b1", "k", "x-acl", "a1", "id1"), { ok: true });
      eq((await s.getObject("b1", "k", "id1"))?.headers["x-acl"], "a1");
      eq((await s.getObject("b1", "k"))?.headers["x-acl"], undefined, "the current version is untouched");
      eq((await s.deleteObject("b1", "k", undefined, undefined, marker("dm", 2))).ok, true);
      eq(await s.updateObjectTags("b1", "k", { x: "1" }), { ok: false, reason: "NoSuchKey" }, "behind a marker");
      eq(await s.updateObjectTags("b1", "k", { x: "1" }, undefined, "dm"), { ok: false, reason: "NoSuchVersion" });
      eq(await s.updateObjectHeader("b1", "k", "x-acl", "a2"), { ok: false, reason: "NoSuchKey" });
      eq(await s.updateObjectTags("b1", "k", { again: "1" }, undefined, "id2"), { ok: true }, "a noncurrent version is tagged still");
    },
  },
  {
    name: "versioned deletes commit their events; a refused one (NoSuchVersion, a full outbox) writes nothing",
    async run(s) {
      await withBuckets(s, "b1");
      eq(await s.putObject(v("k", "id1", 0), {}), { ok: true });
      eq((await s.deleteObject("b1", "k", [event("b1", "t1:webhook", "marker")], undefined, marker("dm", 1))).ok, true);
      eq(await s.deleteObject("b1", "k", [event("b1", "t1:webhook", "none")], undefined, { versionId: "nope" }), { ok: false, reason: "NoSuchVersion" });
      eq(await s.countEvents(), { "t1:webhook": 1 });
      eq(await s.deleteObject("b1", "k", [event("b1", "t1:webhook", "full", { limit: 1 })], undefined, { versionId: "dm" }), { ok: false, reason: "SlowDown" });
      eq((await s.getObject("b1", "k"))?.versionId, "dm", "the marker stays");
      eq((await s.deleteObject("b1", "k", [event("b1", "t1:webhook", "del")], undefined, { versionId: "dm" })).ok, true);
      eq(await s.countEvents(), { "t1:webhook": 2 });
    },
  },
  {
    name: "bucketUsage: current objects, every version, delete markers wherever they are, and the bytes of every version, per bucket",
    async run(s) {
      await withBuckets(s, "b1", "b2", "b3");
      const none = { size: 0, objectsCount: 0, versionsCount: 0, deleteMarkersCount: 0 };
      eq(await s.bucketUsage("b3"), none, "an empty bucket");
      eq(await s.bucketUsage("nope"), none, "a missing bucket counts nothing");
      eq(await s.putObject(v("a", "id1", 0, { size: 10 }), {}), { ok: true });
      eq(await s.putObject(v("a", "id2", 1, { size: 20 }), {}), { ok: true });
      eq(await s.putObject(v("b", "id3", 2, { size: 5 }), {}), { ok: true });
      eq((await s.deleteObject("b1", "b", [], undefined, marker("dm1", 3))).ok, true, "b's current version is a marker now");
      eq((await s.deleteObject("b1", "a", [], undefined, marker("dm2", 4))).ok, true);
      eq(await s.putObject(v("a", "id4", 5, { size: 1 }), {}), { ok: true }, "a marker that is noncurrent");
      eq(await s.putObject(object("b2", "x", { size: 7 }), {}), { ok: true });
      eq(await s.bucketUsage("b1"), { size: 36, objectsCount: 1, versionsCount: 4, deleteMarkersCount: 2 });
      eq(await s.bucketUsage("b2"), { size: 7, objectsCount: 1, versionsCount: 1, deleteMarkersCount: 0 });
      eq((await s.deleteObject("b1", "a", [], undefined, { versionId: "id2" })).ok, true);
      eq(await s.bucketUsage("b1"), { size: 16, objectsCount: 1, versionsCount: 3, deleteMarkersCount: 2 }, "a version deleted by id");
    },
  },
];
