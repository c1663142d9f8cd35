// Content-addressed chunks and garbage collection: sessions pin what an upload writes until its
// commit, objects and parts reference chunks, collectGarbage hands out unreferenced blobs (as
// tombstones, again and again until dropTombstones), intents cover blobs not yet registered.
// Dedup is only promised within a bucket: a store sharded by bucket keeps a registry per bucket.
import { eq, ok } from "../assert.ts";
import {
  chunk, chunked, chunkRef, hash, HOUR, object, part, session, sweep, upload, withBuckets, type ContractCase,
} from "./tools.ts";

export const CHUNK_CASES: ContractCase[] = [
  {
    name: "acquireChunk: null for an unknown hash; for a stored one its blob id, pinned for the session",
    async run(s, t) {
      await withBuckets(s, "b1");
      const s1 = session("b1");
      eq(await s.acquireChunk(s1, hash(1)), null);
      const c = await chunk(s, s1, 1);
      await s.releaseSession(s1);
      const s2 = session("b1");
      eq(await s.acquireChunk(s2, hash(1)), c.blob);
      eq(await sweep(s, t), [], "pinned by the session that acquired it");
      await s.releaseSession(s2);
      eq(await sweep(s, t), [c.blob]);
      eq(await s.acquireChunk(session("b1"), hash(1)), null, "collected: gone for good");
    },
  },
  {
    name: "registerChunk: the first blob of a hash wins; a loser's blob is collected with its session",
    async run(s, t) {
      await withBuckets(s, "b1");
      const s1 = session("b1");
      const s2 = session("b1");
      await s.intendBlob(s1, "first");
      await s.intendBlob(s2, "second");
      eq(await s.registerChunk(s1, hash(1), "first", 10), "first");
      eq(await s.registerChunk(s2, hash(1), "second", 10), "first", "the loser is told the winner's blob");
      eq(await s.countChunks(), 1);
      await s.releaseSession(s2);
      eq(await sweep(s, t), ["second"], "the duplicate goes, the winner is pinned by s1");
      eq(await s.putObject(chunked("b1", "k", [chunkRef(hash(1), "first", 10)]), { session: s1 }), { ok: true });
      eq(await sweep(s, t), []);
      eq(await s.listChunks({ after: "", limit: 10 }), [{ hash: hash(1), blob: "first", size: 10 }]);
    },
  },
  {
    name: "objects reference chunks: garbage only once no session pins and no object references them",
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const [a, b, c] = [await chunk(s, sess, 1), await chunk(s, sess, 2), await chunk(s, sess, 3)];
      eq(await sweep(s, t), [], "pinned while the upload runs");
      eq(await s.putObject(chunked("b1", "k1", [a, b]), { session: sess }), { ok: true });
      eq(await sweep(s, t), [c.blob], "the commit ends the session: what it wrote and did not use is garbage");
      const s2 = session("b1");
      eq(await s.acquireChunk(s2, a.hash), a.blob);
      eq(await s.putObject(chunked("b1", "k2", [a]), { session: s2 }), { ok: true }, "a second reference (dedup)");
      eq(await s.putObject(object("b1", "k1"), {}), { ok: true }, "k1 replaced by inline data");
      eq(await sweep(s, t), [b.blob], "still referenced by k2: a; by nothing: b");
      eq((await s.deleteObject("b1", "k2")).ok, true);
      eq(await sweep(s, t), [a.blob]);
      eq(await s.countChunks(), 0);
    },
  },
  {
    name: "a manifest entry must name a stored chunk's hash and blob; a put that names another leaves no trace",
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const a = await chunk(s, sess, 1);
      const wrongBlob = chunkRef(a.hash, "blob-elsewhere", a.size);
      const unknown = chunkRef(hash(2), "blob-2", 5);
      eq(await s.putObject(chunked("b1", "k", [a, wrongBlob]), { session: sess }), { ok: false, reason: "ChunkMissing" });
      eq(await s.putObject(chunked("b1", "k", [a, unknown]), { session: sess }), { ok: false, reason: "ChunkMissing" });
      eq(await s.getObject("b1", "k"), null);
      eq(await s.createUpload(upload("b1", "mp", "u1")), { ok: true });
      eq(await s.putPart("b1", part("u1", 1, [a, unknown]), { session: sess }), { ok: false, reason: "ChunkMissing" });
      eq(await s.listParts("b1", "u1", { after: 0, limit: 10 }), []);
      await s.releaseSession(sess);
      eq(await sweep(s, t), [a.blob], "the refused puts took no reference to a");
    },
  },
  {
    name: "sessions left open go stale: their pins and intents stop counting before staleSessionsBefore",
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const a = await chunk(s, sess, 1);
      await s.intendBlob(sess, "half-written");
      eq(await sweep(s, t), [], "a live session");
      eq(await sweep(s, t, { stale: true }), [a.blob, "half-written"].sort(), "the same session, stale");
      eq(await s.countChunks(), 0);
    },
  },
  {
    name: "a session's age counts from its first use, whatever touched it since (store clock)",
    needs: ["clock"],
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const start = t.now();
      const a = await chunk(s, sess, 1);
      t.advance!(2 * HOUR);
      const b = await chunk(s, sess, 2);
      eq(await s.acquireChunk(sess, a.hash), a.blob);
      eq(await s.collectGarbage({ staleSessionsBefore: start, limit: 100 }), [], "not stale at its start");
      const ids = await s.collectGarbage({ staleSessionsBefore: start + 1, limit: 100 });
      eq([...ids].sort(), [a.blob, b.blob].sort(), "stale one ms after its start");
    },
  },
  {
    name: "tombstones: a collected blob is handed out by every pass until dropTombstones",
    async run(s, t) {
      await withBuckets(s, "b1");
      const sess = session("b1");
      const a = await chunk(s, sess, 1);
      await s.releaseSession(sess);
      eq(await sweep(s, t, { keep: true }), [a.blob]);
      eq(await s.countChunks(), 0, "the row went in the same pass");
      eq(await sweep(s, t, { keep: true }), [a.blob], "the blob is not known to be deleted yet");
      eq(await s.unnamedBlobs([a.blob]), [], "a tombstone names its blob");
      await s.dropTombstones([a.blob, "never-seen"]);
      eq(await sweep(s, t), []);
      eq(await s.unnamedBlobs([a.blob]), [a.blob]);
    },
  },
  {
    name: "intents: an intended blob is kept while its session lives, then collected; unnamedBlobs sees rows, intents and tombstones",
    async run(s, t) {
      await withBuckets(s, "b1");
      const s1 = session("b1");
      await s.intendBlob(s1, "pending");
      const a = await chunk(s, s1, 1);
      eq(await s.unnamedBlobs(["pending", a.blob, "stray"]), ["stray"]);
      eq(await sweep(s, t), [], "the session lives");
      eq(await s.putObject(chunked("b1", "k", [a]), { session: s1 }), { ok: true });
      eq(await sweep(s, t, { keep: true }), ["pending"], "a registered blob leaves its intent; the unregistered one is garbage");
      eq(await s.unnamedBlobs(["pending", a.blob, "stray"]), ["stray"], "tombstoned, not yet deleted");
      await s.dropTombstones(["pending"]);
      eq(await s.unnamedBlobs(["pending", a.blob, "stray"]), ["pending", "stray"]);
      eq(await s.unnamedBlobs([]), []);
    },
  },
  {
    name: "collectGarbage hands out at most `limit` blobs a pass, the rest in later passes (buckets apart)",
    async run(s, t) {
      await withBuckets(s, "b1", "b2");
      const all: string[] = [];
      for (const [b, first] of [["b1", 1], ["b2", 4]] as const) {
        const sess = session(b);
        for (let i = first; i < first + 3; i++) all.push((await chunk(s, sess, i)).blob);
        await s.releaseSession(sess);
      }
      const seen: string[] = [];
      for (let pass = 0; pass < 10; pass++) {
        const ids = await s.collectGarbage({ staleSessionsBefore: t.now() - HOUR, limit: 4 });
        ok(ids.length <= 4, `pass ${pass}: ${ids.length} blobs, limit 4`);
        if (!ids.length) break;
        seen.push(...ids);
        await s.dropTombstones(ids);
      }
      eq(seen.sort(), all.sort(), "every blob once");
      eq(await s.countChunks(), 0);
    },
  },
  {
    name: "countChunks and listChunks: every chunk, in hash order, paged by `after`",
    async run(s, t) {
      await withBuckets(s, "b1", "b2");
      const s1 = session("b1");
      const s2 = session("b2");
      const rows = [];
      for (const n of [7, 3, 12, 1, 9]) rows.push(await chunk(s, s1, n, n));
      for (const n of [4, 11, 2]) rows.push(await chunk(s, s2, n, n));
      const expected = rows.map((r) => ({ hash: r.hash, blob: r.blob, size: r.size })).sort((a, b) => (a.hash < b.hash ? -1 : 1));
      eq(await s.countChunks(), 8);
      eq(await s.listChunks({ after: "", limit: 100 }), expected);
      const paged = [];
      for (let after = ""; ;) {
        const page = await s.listChunks({ after, limit: 3 });
        for (let i = 1; i < page.length; i++) ok(page[i - 1].hash < page[i].hash, "hash order within a page");
        paged.push(...page);
        if (page.length < 3) break;
        after = page[page.length - 1].hash;
      }
      eq(paged, expected, "paged");
      eq(await s.listChunks({ after: hash(11), limit: 10 }), expected.slice(-1));
      await s.releaseSession(s2);
      eq(await sweep(s, t), ["blob-11", "blob-2", "blob-4"], "the chunks of the ended session");
      eq(await s.countChunks(), 5);
    },
  },
];
