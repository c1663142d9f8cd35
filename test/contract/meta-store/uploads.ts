// Multipart uploads and their parts: create, replace a part, page parts and uploads, complete
// (the upload becomes the object in one commit; unlisted parts are released) and abort.
import type { MetaStore, ObjectRecord, PartRecord } from "../../../src/store/types.ts";
import { eq, ok } from "../assert.ts";
import {
  blobsOf, chunk, chunked, HOUR, object, part, session, sweep, upload, utf8Order, withBuckets, type ContractCase,
} from "./tools.ts";

const uploads = (s: MetaStore, b: string, prefix = "", keyMarker = "", uploadIdMarker = "", limit = 1000) =>
  s.listUploads(b, { prefix, keyMarker, uploadIdMarker, limit }).then((rows) => rows.map((u) => `${u.key}|${u.uploadId}`));

/** An upload "u1" of key "mp" in b1 with parts 1..n, one chunk each (chunk i = part i); the sessions are released. */
async function withParts(s: MetaStore, n: number): Promise<PartRecord[]> {
  await withBuckets(s, "b1");
  eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
  const parts: PartRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const sess = session("b1");
    const p = part("u1", i, [await chunk(s, sess, i)]);
    eq(await s.putPart("b1", p, { session: sess }), { ok: true }, `putPart ${i}`);
    parts.push(p);
  }
  return parts;
}

/** The object a CompleteMultipartUpload of `parts` builds. */
const completed = (parts: PartRecord[], over: Partial<ObjectRecord> = {}) => chunked("b1", "mp", parts.flatMap((p) => p.manifest ?? []), {
  etag: `"mp-${parts.length}"`, parts: parts.map((p) => ({ number: p.number, size: p.size, etag: p.etag })), ...over,
});

export const UPLOAD_CASES: ContractCase[] = [
  {
    name: "createUpload/getUpload: a record reads back, only in its bucket; a missing bucket refuses",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      const u = upload("b1", "dir/ü.bin", "u1", {
        tags: { t: "1" }, checksumAlgorithm: "CRC32", checksumType: "COMPOSITE", storageClass: "STANDARD_IA",
        headers: { "content-type": "text/ü", "x-amz-meta-a": "b" },
      });
      eq(await s.createUpload(u), { ok: true });
      eq(await s.getUpload("b1", "u1"), u);
      eq(await s.createUpload(upload("b1", "dir/ü.bin", "u2")), { ok: true }, "a second upload of the same key");
      eq(await s.getUpload("b1", "u2"), upload("b1", "dir/ü.bin", "u2"));
      eq(await s.getUpload("b2", "u1"), null, "another bucket");
      eq(await s.getUpload("b1", "u3"), null);
      eq(await s.createUpload(upload("nope", "k", "u4")), { ok: false, reason: "NoSuchBucket" }, "missing bucket");
      eq(await s.getUpload("nope", "u4"), null);
    },
  },
  {
    name: "putPart: a part number written again replaces the part; listParts pages in number order",
    async run(s, t) {
      await withBuckets(s, "b1");
      eq(await s.putPart("b1", part("u1", 1, []), {}), { ok: false, reason: "NoSuchUpload" });
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      eq(await s.createUpload(upload("b1", "mp", "u2")), { ok: true });
      const sess = session("b1");
      const byNumber = new Map<number, PartRecord>();
      for (const [i, n] of [3, 1, 10000, 2].entries()) {
        const p = part("u1", n, [await chunk(s, sess, n)], { checksum: i % 2 ? "AAAAAA==" : undefined, lastModified: 1000 + n });
        eq(await s.putPart("b1", p, { session: sess }), { ok: true });
        byNumber.set(n, p);
      }
      eq(await s.putPart("b1", part("u2", 1, []), {}), { ok: true }, "a part of another upload");
      const again = part("u1", 2, [await chunk(s, sess, 20, 55)], { etag: '"p2-again"' });
      eq(await s.putPart("b1", again, { session: sess }), { ok: true });
      byNumber.set(2, again);
      await s.releaseSession(sess);
      const sorted = [...byNumber.keys()].sort((a, b) => a - b).map((n) => byNumber.get(n)!);
      eq(await s.listParts("b1", "u1", { after: 0, limit: 1000 }), sorted);
      eq(await s.listParts("b1", "u1", { after: 0, limit: 2 }), sorted.slice(0, 2));
      eq(await s.listParts("b1", "u1", { after: 2, limit: 2 }), sorted.slice(2, 4));
      eq(await s.listParts("b1", "u1", { after: 10000, limit: 2 }), []);
      eq(await s.listParts("b1", "u9", { after: 0, limit: 2 }), [], "unknown upload");
      eq(await sweep(s, t), ["blob-2"], "the replaced part's chunk is garbage, the others are referenced");
    },
  },
  {
    name: "completeUpload: the object appears and the upload goes in one commit; unlisted parts are released",
    async run(s, t) {
      const parts = await withParts(s, 3);
      const obj = completed([parts[0], parts[2]]);
      eq(await sweep(s, t), [], "parts reference their chunks");
      eq(await s.completeUpload("u1", obj), { ok: true });
      eq(await s.getObject("b1", "mp"), obj);
      eq(await s.getUpload("b1", "u1"), null);
      eq(await s.listParts("b1", "u1", { after: 0, limit: 10 }), []);
      eq(await uploads(s, "b1"), []);
      eq(await sweep(s, t), ["blob-2"], "only the part left out");
      eq(await s.completeUpload("u1", obj), { ok: false, reason: "NoSuchUpload" }, "completed twice");
      eq(await s.putPart("b1", parts[1], {}), { ok: false, reason: "NoSuchUpload" }, "a part after the complete");
      eq((await s.deleteObject("b1", "mp")).ok, true);
      eq(await sweep(s, t), ["blob-1", "blob-3"]);
    },
  },
  {
    name: "completeUpload over an existing object replaces it and releases the old object's chunks",
    async run(s, t) {
      const parts = await withParts(s, 1);
      const sess = session("b1");
      const old = chunked("b1", "mp", [await chunk(s, sess, 9)]);
      eq(await s.putObject(old, { session: sess }), { ok: true });
      eq(await s.completeUpload("u1", completed(parts), { ifMatch: [old.etag] }), { ok: true });
      eq(await s.getObject("b1", "mp"), completed(parts));
      eq(await sweep(s, t), ["blob-9"]);
    },
  },
  {
    name: "completeUpload refuses an unknown upload, a changed or missing part, a failed condition, a missing chunk — and changes nothing",
    async run(s, t) {
      const parts = await withParts(s, 2);
      eq(await s.completeUpload("u9", completed(parts)), { ok: false, reason: "NoSuchUpload" });
      const stale = completed([parts[0], { ...parts[1], etag: '"other"' }]);
      eq(await s.completeUpload("u1", stale), { ok: false, reason: "InvalidPart" }, "a part's ETag changed");
      const extra = completed([...parts, part("u1", 3, [])]);
      eq(await s.completeUpload("u1", extra), { ok: false, reason: "InvalidPart" }, "a part never uploaded");
      eq(await s.putObject(object("b1", "mp"), {}), { ok: true });
      eq(await s.completeUpload("u1", completed(parts), { ifNoneMatch: "*" }), { ok: false, reason: "PreconditionFailed" });
      eq(await s.getObject("b1", "mp"), object("b1", "mp"), "the object is unchanged");
      const gone = completed(parts, { manifest: [...(completed(parts).manifest ?? []), { hash: "f".repeat(64), blob: "blob-x", size: 1 }] });
      eq(await s.completeUpload("u1", gone), { ok: false, reason: "ChunkMissing" });
      eq(await s.getObject("b1", "mp"), object("b1", "mp"));
      eq(await s.listParts("b1", "u1", { after: 0, limit: 10 }), parts, "the upload keeps its parts");
      eq(await sweep(s, t), [], "and they keep their chunks");
      eq(await s.completeUpload("u1", completed(parts)), { ok: true }, "it still completes");
      eq(await sweep(s, t), []);
    },
  },
  {
    name: "getCompletedUpload: a completed upload is remembered (key, ETag, checksum, when) for a retried Complete",
    async run(s, t) {
      const parts = await withParts(s, 1);
      await withBuckets(s, "b2");
      eq(await s.getCompletedUpload("b1", "u1"), null, "still open");
      const checksum = { algorithm: "CRC32" as const, value: "AAAAAA==-1", type: "COMPOSITE" as const };
      eq(await s.completeUpload("u1", completed(parts, { checksum })), { ok: true });
      const done = await s.getCompletedUpload("b1", "u1");
      eq(done && { ...done, completed: 0 }, { uploadId: "u1", bucket: "b1", key: "mp", etag: '"mp-1"', checksum, completed: 0, versionId: "null" });
      ok(done && Math.abs(done.completed - t.now()) < HOUR, `completed at the store's time: ${done?.completed} vs ${t.now()}`);
      eq(await s.getCompletedUpload("b2", "u1"), null, "another bucket");
      eq(await s.getCompletedUpload("b1", "u2"), null, "never existed");
      eq(await s.createUpload(upload("b1", "mp", "u3")), { ok: true });
      eq(await s.abortUpload("b1", "u3"), { ok: true });
      eq(await s.getCompletedUpload("b1", "u3"), null, "aborted, not completed");
      eq(await s.completeUpload("u9", completed(parts)), { ok: false, reason: "NoSuchUpload" });
      eq(await s.getCompletedUpload("b1", "u9"), null, "a refused complete is not remembered");
    },
  },
  {
    name: "getCompletedUpload: a completion is forgotten after a day (store clock)",
    needs: ["clock"],
    async run(s, t) {
      const parts = await withParts(s, 1);
      eq(await s.completeUpload("u1", completed(parts)), { ok: true });
      t.advance!(23 * HOUR);
      eq((await s.getCompletedUpload("b1", "u1"))?.etag, '"mp-1"', "23 hours later");
      t.advance!(2 * HOUR);
      eq(await s.getCompletedUpload("b1", "u1"), null, "25 hours later");
    },
  },
  {
    name: "abortUpload removes the upload and releases its parts, once",
    async run(s, t) {
      const parts = await withParts(s, 2);
      eq(await s.abortUpload("b1", "u1"), { ok: true });
      eq(await s.getUpload("b1", "u1"), null);
      eq(await s.listParts("b1", "u1", { after: 0, limit: 10 }), []);
      eq(await s.abortUpload("b1", "u1"), { ok: false, reason: "NoSuchUpload" }, "aborted twice");
      eq(await s.putPart("b1", part("u1", 3, []), {}), { ok: false, reason: "NoSuchUpload" });
      eq(await sweep(s, t), blobsOf(parts.flatMap((p) => p.manifest ?? [])));
    },
  },
  {
    name: "listUploads: by key (UTF-8) then upload id, after a (key, upload id) marker, within a prefix",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      const all: [string, string][] = [["a", "u2"], ["a", "u1"], ["a/b", "u3"], ["b", "u0"], ["\u{1f600}", "u9"], ["\ufffd", "u8"], ["é", "u5"], ["a", "u10"]];
      for (const [k, id] of all) eq(await s.createUpload(upload("b1", k, id)), { ok: true });
      eq(await s.createUpload(upload("b2", "a", "u7")), { ok: true });
      const expected = [...all].sort(([ka, ia], [kb, ib]) => utf8Order(ka, kb) || utf8Order(ia, ib)).map(([k, id]) => `${k}|${id}`);
      eq(await uploads(s, "b1"), expected);
      const paged: string[] = [];
      for (let marker = ["", ""]; ;) {
        const page = await s.listUploads("b1", { prefix: "", keyMarker: marker[0], uploadIdMarker: marker[1], limit: 3 });
        paged.push(...page.map((u) => `${u.key}|${u.uploadId}`));
        if (page.length < 3) break;
        marker = [page[page.length - 1].key, page[page.length - 1].uploadId];
      }
      eq(paged, expected, "paged by (key, upload id)");
      eq(await uploads(s, "b1", "", "a", "u10"), ["a|u2", "a/b|u3", "b|u0", "é|u5", "\ufffd|u8", "\u{1f600}|u9"]);
      eq(await uploads(s, "b1", "a"), ["a|u1", "a|u10", "a|u2", "a/b|u3"]);
      eq(await uploads(s, "b1", "a/"), ["a/b|u3"]);
      eq(await uploads(s, "b1", "a", "a", "u2"), ["a/b|u3"]);
      eq(await uploads(s, "b1", "", "", "", 2), expected.slice(0, 2), "limit");
      const rec = (await s.listUploads("b1", { prefix: "é", keyMarker: "", uploadIdMarker: "", limit: 10 }));
      eq(rec, [upload("b1", "é", "u5")], "whole records");
    },
  },
];
