// Conflicting writes, started together (through a second handle where the backend has one):
// each is one transaction, so exactly one of a set of exclusive writes wins and the store's
// reference counts and queues see each change once.
import type { MetaStore, PartRecord, PutResult } from "../../../src/store/types.ts";
import { eq, ok } from "../assert.ts";
import { chunk, chunked, event, object, part, session, sweep, upload, utf8, withBuckets, type ContractCase } from "./tools.ts";

/** Alternates between the store and its peer, so a backend with two handles races across them. */
const handles = (s: MetaStore, peer?: MetaStore) => (i: number) => (peer && i % 2 ? peer : s);

const wins = (rs: PutResult[]) => rs.flatMap((r, i) => (r.ok ? [i] : []));

export const CONFLICT_CASES: ContractCase[] = [
  {
    name: "concurrent creates with ifNoneMatch '*': exactly one wins, and only its event is queued",
    async run(s, t) {
      await withBuckets(s, "b1");
      const h = handles(s, t.peer);
      const versions = Array.from({ length: 8 }, (_, i) => object("b1", "k", { etag: `"e-${i}"`, inline: utf8(`v${i}`) }));
      const results = await Promise.all(versions.map((v, i) =>
        h(i).putObject(v, { cond: { ifNoneMatch: "*" }, events: [event("b1", "a:webhook", `v${i}`)] })));
      const won = wins(results);
      eq(won.length, 1, `winners among ${JSON.stringify(results)}`);
      for (const r of results) if (!r.ok) eq(r.reason, "PreconditionFailed");
      eq(await s.getObject("b1", "k"), versions[won[0]]);
      eq(await s.countEvents(), { "a:webhook": 1 });
    },
  },
  {
    name: "concurrent ifMatch replacements of one version: exactly one wins",
    async run(s, t) {
      await withBuckets(s, "b1");
      const h = handles(s, t.peer);
      const base = object("b1", "k");
      eq(await s.putObject(base, {}), { ok: true });
      const next = Array.from({ length: 6 }, (_, i) => object("b1", "k", { etag: `"e-${i}"` }));
      const results = await Promise.all(next.map((v, i) => h(i).putObject(v, { cond: { ifMatch: [base.etag] } })));
      eq(wins(results).length, 1, JSON.stringify(results));
      eq(await s.getObject("b1", "k"), next[wins(results)[0]]);
    },
  },
  {
    name: "concurrent completes of one upload: one wins, the others find no upload; chunks are counted once",
    async run(s, t) {
      await withBuckets(s, "b1");
      const h = handles(s, t.peer);
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      const parts: PartRecord[] = [];
      for (const n of [1, 2]) {
        const sess = session("b1");
        parts.push(part("u1", n, [await chunk(s, sess, n)]));
        eq(await s.putPart("b1", parts[parts.length - 1], { session: sess }), { ok: true });
      }
      const manifest = parts.flatMap((p) => p.manifest ?? []);
      const objs = [0, 1, 2].map((i) => chunked("b1", "mp", manifest, {
        etag: `"mp-${i}"`, parts: parts.map((p) => ({ number: p.number, size: p.size, etag: p.etag })),
      }));
      const results = await Promise.all(objs.map((o, i) => h(i).completeUpload("u1", o, undefined, [event("b1", "a:webhook", `c${i}`)])));
      const won = wins(results);
      eq(won.length, 1, JSON.stringify(results));
      for (const r of results) if (!r.ok) eq(r.reason, "NoSuchUpload");
      eq(await s.getObject("b1", "mp"), objs[won[0]]);
      eq(await s.countEvents(), { "a:webhook": 1 });
      eq(await sweep(s, t), [], "the object holds the parts' chunks");
      eq((await s.deleteObject("b1", "mp")).ok, true);
      eq(await sweep(s, t), ["blob-1", "blob-2"], "and held them once");
    },
  },
  {
    name: "concurrent writes of one part number: one part remains; every replaced chunk is released",
    async run(s, t) {
      await withBuckets(s, "b1");
      const h = handles(s, t.peer);
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      const writes = [];
      for (const n of [1, 2, 3, 4]) {
        const sess = session("b1");
        const p = part("u1", 1, [await chunk(s, sess, n)], { etag: `"p-${n}"` });
        writes.push({ p, sess });
      }
      const results = await Promise.all(writes.map(({ p, sess }, i) => h(i).putPart("b1", p, { session: sess })));
      for (const r of results) eq(r, { ok: true });
      const kept = await s.listParts("b1", "u1", { after: 0, limit: 10 });
      eq(kept.length, 1);
      ok(writes.some(({ p }) => p.etag === kept[0].etag), "the part is one of the writes");
      eq(await sweep(s, t), ["blob-1", "blob-2", "blob-3", "blob-4"].filter((b) => b !== kept[0].manifest?.[0].blob));
      eq(await s.abortUpload("b1", "u1"), { ok: true });
      eq(await sweep(s, t), [kept[0].manifest![0].blob]);
    },
  },
  {
    name: "concurrent bucket creates: one created; concurrent deletes: the bucket is gone",
    async run(s, t) {
      const h = handles(s, t.peer);
      const created = await Promise.all([0, 1, 2, 3, 4].map((i) => h(i).createBucket({ name: "b1", owner: `o${i}`, region: "us-east-1", created: i })));
      eq(created.filter((r) => r.ok).length, 1, JSON.stringify(created));
      eq(created.filter((r) => !r.ok && r.reason === "BucketAlreadyExists").length, 4);
      eq((await s.listBuckets()).length, 1);
      // DeleteBucket is idempotent: a racing second delete may report success too (the sharded
      // store's shard and catalog steps can interleave), but never BucketNotEmpty, and the bucket is gone.
      const deleted = await Promise.all([0, 1, 2].map((i) => h(i).deleteBucket("b1")));
      ok(deleted.some((r) => r.ok) && deleted.every((r) => r.ok || r.reason === "NoSuchBucket"), JSON.stringify(deleted));
      eq(await s.listBuckets(), []);
      eq(await s.getBucket("b1"), null);
    },
  },
  {
    name: "concurrent deletes of one object: one removes it, one event",
    async run(s, t) {
      await withBuckets(s, "b1");
      const h = handles(s, t.peer);
      eq(await s.putObject(object("b1", "k"), {}), { ok: true });
      const results = await Promise.all([0, 1, 2, 3].map((i) => h(i).deleteObject("b1", "k", [event("b1", "a:webhook", `d${i}`)])));
      eq(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      eq(await s.countEvents(), { "a:webhook": 1 });
    },
  },
  {
    name: "concurrent registrations of one hash: every writer is told the same blob",
    async run(s, t) {
      await withBuckets(s, "b1");
      const h = handles(s, t.peer);
      const sessions = [0, 1, 2, 3].map(() => session("b1"));
      const got = await Promise.all(sessions.map((sess, i) => h(i).registerChunk(sess, "c".repeat(64), `blob-${i}`, 10)));
      eq(new Set(got).size, 1, JSON.stringify(got));
      eq(await s.countChunks(), 1);
    },
  },
];
