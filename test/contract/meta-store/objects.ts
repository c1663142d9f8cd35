// Objects: a write is one commit (read back whole, listed at once), listing order and bounds,
// conditional writes, deletes and tags.
import type { MetaStore, ObjectRecord } from "../../../src/store/types.ts";
import { deepEqual, eq, ok } from "../assert.ts";
import { chunk, chunked, event, object, session, summary, T0, utf8, utf8Order, withBuckets, type ContractCase } from "./tools.ts";

const list = (s: MetaStore, b: string, prefix = "", start = "", inclusive = false, limit = 1000) =>
  s.listObjects(b, { prefix, start, inclusive, limit }).then((rows) => rows.map((r) => r.key));

/** Keys whose UTF-8 order differs from JS (UTF-16) order: U+FFFD sorts before an astral character in UTF-8, after it in UTF-16. */
const KEYS = [
  "a", "a/", "a/b", "a/b/c", "a-b", "a0", "aa", "A", "Z", "_", "~", "a b", "a%2F", "é", "e\u0301", "\u00ff", "\u0100",
  "\u4e2d/\u6587", "\ue000", "\ufffd", "\u{1f600}", "\u{1f600}/x", "\u{10ffff}", "z",
];

const full = (b: string): ObjectRecord => object(b, "dir/ü €.bin", {
  versionId: "v-123", size: 6, etag: '"0123456789abcdef0123456789abcdef"', lastModified: 1_767_225_600_123,
  headers: { "content-type": "application/x-ü", "cache-control": "no-cache", "x-amz-meta-name": "välue" },
  tags: { project: "s3edge", "ü": "ß" },
  checksum: { algorithm: "CRC32C", value: "yZRlqg==", type: "FULL_OBJECT" },
  parts: [{ number: 1, size: 4, etag: '"p1"', checksum: "AAAAAA==" }, { number: 2, size: 2, etag: '"p2"' }],
  storageClass: "REDUCED_REDUNDANCY", inline: new Uint8Array([0, 255, 1, 0, 128, 10]),
});

export const OBJECT_CASES: ContractCase[] = [
  {
    name: "putObject/getObject: a record reads back exactly as written, in its own bucket only",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      eq(await s.putObject(full("b1"), {}), { ok: true });
      eq(await s.getObject("b1", full("b1").key), full("b1"));
      eq(await s.getObject("b2", full("b1").key), null, "the same key in another bucket");
      const sess = session("b1");
      const manifest = [await chunk(s, sess, 1, 10), await chunk(s, sess, 2, 7)];
      const big = chunked("b1", "big", manifest, { headers: {} });
      eq(await s.putObject(big, { session: sess }), { ok: true });
      eq(await s.getObject("b1", "big"), big);
      eq(await s.putObject(object("nope", "k"), {}), { ok: false, reason: "NoSuchBucket" });
      eq(await s.getObject("nope", "k"), null);
    },
  },
  {
    name: "a replaced object is read whole while it changes: the old one or the new one, never a mix",
    async run(s, t) {
      await withBuckets(s, "b1");
      const v1 = object("b1", "k", { tags: { v: "1" } });
      const v2 = object("b1", "k", {
        etag: '"e-v2"', size: 5, inline: utf8("value"), lastModified: T0 + 1, tags: { v: "2" }, headers: { "content-type": "text/v2" },
      });
      eq(await s.putObject(v1, {}), { ok: true });
      const readers = [s, t.peer ?? s];
      const reads: Promise<unknown>[] = [];
      const write = s.putObject(v2, {});
      for (let i = 0; i < 12; i++) {
        const r = readers[i % 2];
        reads.push(i % 3 === 2 ? r.listObjects("b1", { prefix: "", start: "", inclusive: false, limit: 10 }) : r.getObject("b1", "k"));
      }
      eq(await write, { ok: true });
      for (const seen of await Promise.all(reads)) {
        if (Array.isArray(seen)) ok(eqAny(seen, [[summary(v1)], [summary(v2)]]), `a listing during the write: ${JSON.stringify(seen)}`);
        else ok(eqAny(seen, [v1, v2]), "a read during the write is v1 or v2");
      }
      eq(await s.getObject("b1", "k"), v2);
      eq(await (t.peer ?? s).getObject("b1", "k"), v2, "read after write, from another handle");
    },
  },
  {
    name: "list-after-write and delete: deleteObject says whether it removed something",
    async run(s, t) {
      await withBuckets(s, "b1");
      const other = t.peer ?? s;
      eq(await s.putObject(object("b1", "k1"), {}), { ok: true });
      eq(await list(other, "b1"), ["k1"], "listed right after the write");
      eq(await other.listObjects("b1", { prefix: "", start: "", inclusive: false, limit: 10 }), [summary(object("b1", "k1"))]);
      eq(await s.putObject(object("b1", "k0"), {}), { ok: true });
      eq(await list(other, "b1"), ["k0", "k1"]);
      eq((await s.deleteObject("b1", "k1")).ok, true);
      eq(await other.getObject("b1", "k1"), null);
      eq(await list(other, "b1"), ["k0"]);
      eq(await s.deleteObject("b1", "k1"), { ok: false, reason: "NoSuchKey" }, "deleted twice");
      eq(await s.deleteObject("b1", "never"), { ok: false, reason: "NoSuchKey" });
      eq(await s.deleteObject("nope", "k0"), { ok: false, reason: "NoSuchKey" }, "missing bucket");
    },
  },
  {
    name: "listObjects: UTF-8 byte order, with non-ASCII keys and '/', paged by start",
    async run(s) {
      await withBuckets(s, "b1", "b2");
      for (const k of [...KEYS].reverse()) eq((await s.putObject(object("b1", k), {})).ok, true, `put ${k}`);
      eq(await s.putObject(object("b2", "a/zz"), {}), { ok: true });
      const expected = [...KEYS].sort(utf8Order);
      eq(await list(s, "b1"), expected);
      const paged: string[] = [];
      for (let start = ""; ;) {
        const page = await list(s, "b1", "", start, false, 5);
        paged.push(...page);
        if (page.length < 5) break;
        start = page[page.length - 1];
      }
      eq(paged, expected, "paged by start (exclusive)");
      eq(await list(s, "b1", "", "\ufffd", true, 3), ["\ufffd", "\u{1f600}", "\u{1f600}/x"], "inclusive start");
    },
  },
  {
    name: "listObjects: prefix, start and inclusive bounds (start before, at, inside and past the prefix)",
    async run(s) {
      await withBuckets(s, "b1");
      const keys = ["photo", "photos/", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos0", "videos/x",
        "\u{1f600}", "\u{1f600}/a", "\u{1f600}/b", "\u{1f601}"];
      for (const k of keys) eq((await s.putObject(object("b1", k), {})).ok, true);
      const all = ["photos/", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg"];
      eq(await list(s, "b1", "photos/"), all);
      eq(await list(s, "b1", "photos/", "a"), all, "start before the prefix");
      eq(await list(s, "b1", "photos/", "a", true), all);
      eq(await list(s, "b1", "photos/", "photos/", true), all, "start at the prefix, inclusive");
      eq(await list(s, "b1", "photos/", "photos/", false), all.slice(1), "start at the prefix (a key), exclusive");
      eq(await list(s, "b1", "photos/", "photos/2024/a.jpg"), all.slice(2));
      eq(await list(s, "b1", "photos/", "photos/2024/a.jpg", true), all.slice(1));
      eq(await list(s, "b1", "photos/", "photos/2024/"), all.slice(1), "start between keys");
      eq(await list(s, "b1", "photos/", "photos/3"), [], "start past the prefix");
      eq(await list(s, "b1", "photos/", "", false, 2), all.slice(0, 2), "limit");
      eq(await list(s, "b1", "photo"), ["photo", ...all, "photos0"]);
      eq(await list(s, "b1", "\u{1f600}"), ["\u{1f600}", "\u{1f600}/a", "\u{1f600}/b"], "non-ASCII prefix");
      eq(await list(s, "b1", "\u{1f600}/", "\u{1f600}/a"), ["\u{1f600}/b"]);
      eq(await list(s, "b1", "nothing"), []);
    },
  },
  {
    name: "conditional put: ifNoneMatch '*' only creates, ifMatch only replaces the version it names",
    async run(s) {
      await withBuckets(s, "b1");
      const v1 = object("b1", "k");
      const v2 = object("b1", "k", { etag: '"e-v2"', inline: utf8("v2") });
      const v3 = object("b1", "k", { etag: '"e-v3"', inline: utf8("v3") });
      eq(await s.putObject(v1, { cond: { ifMatch: [v1.etag] } }), { ok: false, reason: "PreconditionFailed" }, "ifMatch, no object");
      eq(await s.getObject("b1", "k"), null);
      eq(await s.putObject(v1, { cond: { ifNoneMatch: "*" } }), { ok: true });
      eq(await s.putObject(v2, { cond: { ifNoneMatch: "*" } }), { ok: false, reason: "PreconditionFailed" }, "ifNoneMatch *, exists");
      eq(await s.getObject("b1", "k"), v1);
      eq(await s.putObject(v2, { cond: { ifMatch: [v1.etag] } }), { ok: true });
      eq(await s.putObject(v3, { cond: { ifMatch: [v1.etag] } }), { ok: false, reason: "PreconditionFailed" }, "ifMatch an older ETag");
      eq(await s.getObject("b1", "k"), v2);
      eq((await s.deleteObject("b1", "k")).ok, true);
      eq(await s.putObject(v3, { cond: { ifNoneMatch: "*" } }), { ok: true }, "ifNoneMatch * after a delete");
    },
  },
  {
    name: "conditional delete: ETag, Last-Modified (seconds) and size are checked in the delete's transaction",
    async run(s, t) {
      await withBuckets(s, "b1");
      const v = object("b1", "k", { size: 2, lastModified: T0 + 1_234 }); // T0 + 1.234 s
      const sec = Math.floor((T0 + 1_234) / 1000);
      eq(await s.deleteObject("b1", "k", undefined, { ifMatch: "*" }), { ok: false, reason: "NoSuchKey" }, "missing: nothing deleted, whatever the condition");
      eq(await s.putObject(v, {}), { ok: true });
      const failing = [
        { ifMatch: ['"other"'] }, { ifMatch: ['"a"', '"b"'] }, { lastModifiedSeconds: sec + 1 }, { lastModifiedSeconds: sec - 1 },
        { size: 3 }, { size: 0 }, { ifMatch: [v.etag], size: 3 }, { ifMatch: "*" as const, lastModifiedSeconds: 0 },
      ];
      for (const cond of failing) {
        eq(await s.deleteObject("b1", "k", [event("b1", "a:webhook", "d")], cond), { ok: false, reason: "PreconditionFailed" }, JSON.stringify(cond));
      }
      eq(await (t.peer ?? s).getObject("b1", "k"), v, "kept after every failed condition");
      eq(await s.countEvents(), {}, "a refused delete writes no event");
      eq((await s.deleteObject("b1", "k", undefined, { ifMatch: ['"x"', v.etag], lastModifiedSeconds: sec, size: 2 })).ok, true);
      eq(await s.getObject("b1", "k"), null);
      eq(await s.putObject(v, {}), { ok: true });
      eq((await s.deleteObject("b1", "k", undefined, { ifMatch: "*" })).ok, true, "* : any existing object");
      eq(await s.deleteObject("nope", "k", undefined, { size: 2 }), { ok: false, reason: "NoSuchKey" }, "missing bucket");
    },
  },
  {
    name: "updateObjectTags replaces the tags and nothing else",
    async run(s) {
      await withBuckets(s, "b1");
      const v = full("b1");
      eq(await s.putObject(v, {}), { ok: true });
      eq(await s.updateObjectTags("b1", v.key, { b: "2", "ü": "ß€" }), { ok: true });
      eq(await s.getObject("b1", v.key), { ...v, tags: { b: "2", "ü": "ß€" } });
      eq(await s.updateObjectTags("b1", v.key, {}), { ok: true });
      eq(await s.getObject("b1", v.key), { ...v, tags: {} });
      eq(await s.updateObjectTags("b1", "missing", { a: "1" }), { ok: false, reason: "NoSuchKey" });
      eq(await s.updateObjectTags("nope", v.key, { a: "1" }), { ok: false, reason: "NoSuchKey" }, "missing bucket");
      eq(await s.getObject("b1", "missing"), null, "a tag update creates nothing");
    },
  },
  {
    name: "updateObjectHeader sets and removes one header and nothing else",
    async run(s) {
      await withBuckets(s, "b1");
      const v = full("b1");
      eq(await s.putObject(v, {}), { ok: true });
      eq(await s.updateObjectHeader("b1", v.key, "x-s3edge-acl", '[["AllUsers","READ"]]'), { ok: true });
      eq(await s.getObject("b1", v.key), { ...v, headers: { ...v.headers, "x-s3edge-acl": '[["AllUsers","READ"]]' } });
      eq(await s.updateObjectHeader("b1", v.key, "x-s3edge-acl", null), { ok: true });
      eq(await s.getObject("b1", v.key), v);
      eq(await s.updateObjectHeader("b1", "missing", "x-s3edge-acl", "x"), { ok: false, reason: "NoSuchKey" });
      eq(await s.updateObjectHeader("nope", v.key, "x-s3edge-acl", "x"), { ok: false, reason: "NoSuchKey" }, "missing bucket");
    },
  },
];

const eqAny = (v: unknown, options: unknown[]) => options.some((o) => deepEqual(v, o));
