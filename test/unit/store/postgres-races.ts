// Races between nodes on one PostgreSQL that SQLite's single writer hides: each node is a
// store on its own connection pool. Run by postgres-meta-store.test.ts.
import { expect } from "bun:test";
import type { MetaStore, PartRecord } from "../../../src/store/types.ts";
import type { Pg } from "../../../src/store/postgres/tx.ts";
import { connectPostgres } from "../../../src/store/postgres/client.ts";
import { createPostgresMetaStore } from "../../../src/store/postgres/meta-store.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../../src/store/postgres/schema.ts";
import { chunk, chunked, event, HOUR, object, part, session, upload, utf8, withBuckets } from "../../contract/meta-store/tools.ts";

export interface PgNodes {
  url: string;
  schema: string;
  clock: { now(): number; advance(ms: number): void };
  /** Another node: its own pool on the case's schema, its store migrated. */
  node(): Promise<{ sql: Pg; store: MetaStore }>;
  close(): Promise<void>;
}

const stores = async (n: PgNodes, count: number) => Promise.all(Array.from({ length: count }, () => n.node().then((x) => x.store)));

export const POSTGRES_RACES: { name: string; run(n: PgNodes): Promise<void> }[] = [
  {
    name: "two nodes starting at once: the migrations run once, both stores work",
    async run(n) {
      const nodes = await Promise.all([n.node(), n.node(), n.node()]);
      const [{ sql }] = nodes;
      expect((await sql`SELECT version FROM schema_version`).map((r) => r.version)).toEqual([SCHEMA_VERSION]);
      await withBuckets(nodes[0].store, "b1");
      expect((await nodes[2].store.getBucket("b1"))?.name).toBe("b1");
    },
  },
  {
    name: "racing conditional PUTs of one key on four nodes: exactly one If-None-Match wins, then exactly one If-Match",
    async run(n) {
      const s = await stores(n, 4);
      await withBuckets(s[0], "b1");
      for (let round = 0; round < 3; round++) {
        const key = `k${round}`;
        const created = await Promise.all(Array.from({ length: 12 }, (_, i) =>
          s[i % 4].putObject(object("b1", key, { etag: `"c${i}"` }), { cond: { ifNoneMatch: "*" }, events: [event("b1", "a:webhook", `c${i}`)] })));
        expect(created.filter((r) => r.ok).length).toBe(1);
        const etag = (await s[1].getObject("b1", key))!.etag;
        const replaced = await Promise.all(Array.from({ length: 12 }, (_, i) =>
          s[i % 4].putObject(object("b1", key, { etag: `"r${i}"`, inline: utf8(`r${i}`) }), { cond: { ifMatch: [etag] } })));
        expect(replaced.filter((r) => r.ok).length).toBe(1);
        expect(replaced.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(11).fill("PreconditionFailed"));
      }
      expect(await s[0].countEvents()).toEqual({ "a:webhook": 3 });
    },
  },
  {
    name: "racing Completes of one upload on three nodes: one wins, the chunks are counted once",
    async run(n) {
      const s = await stores(n, 3);
      await withBuckets(s[0], "b1");
      for (let round = 0; round < 3; round++) {
        const id = `u${round}`;
        expect(await s[0].createUpload(upload("b1", "mp", id))).toEqual({ ok: true });
        const parts: PartRecord[] = [];
        for (const p of [1, 2, 3]) {
          const sess = session("b1");
          const c = await chunk(s[p % 3], sess, round * 10 + p);
          parts.push(part(id, p, [c]));
        }
        // Parts sent to different nodes at once.
        const sent = await Promise.all(parts.map((p, i) => s[i % 3].putPart("b1", p, {})));
        expect(sent.every((r) => r.ok)).toBe(true);
        const obj = (i: number) => chunked("b1", "mp", parts.flatMap((p) => p.manifest!), {
          etag: `"mp-${round}-${i}"`, parts: parts.map((p) => ({ number: p.number, size: p.size, etag: p.etag })),
        });
        const done = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => s[i % 3].completeUpload(id, obj(i))));
        expect(done.filter((r) => r.ok).length).toBe(1);
        expect(done.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(5).fill("NoSuchUpload"));
      }
      // Each Complete replaced the previous object: the earlier rounds' chunks are garbage, the last round's referenced once.
      const ids = await s[0].collectGarbage({ staleSessionsBefore: n.clock.now() + HOUR, limit: 1000 });
      expect(ids.sort()).toEqual([1, 2, 3, 11, 12, 13].map((i) => `blob-${i}`).sort());
      expect((await s[0].deleteObject("b1", "mp")).ok).toBe(true);
      expect((await s[1].collectGarbage({ staleSessionsBefore: n.clock.now() + HOUR, limit: 1000 })).sort())
        .toEqual([...ids, "blob-21", "blob-22", "blob-23"].sort());
    },
  },
  {
    name: "outbox leases under concurrent leasers on three nodes: each event leased once, a target's batches never overlap",
    async run(n) {
      const s = await stores(n, 3);
      await withBuckets(s[0], "b1");
      const targets = ["t1:webhook", "t2:webhook", "t3:kafka", "t4:redis"];
      const written: string[] = [];
      // Writers on every node, concurrent.
      await Promise.all([0, 1, 2].map(async (w) => {
        for (let i = 0; i < 20; i++) {
          const e = event("b1", targets[(w + i) % targets.length], `w${w}-${i}`);
          written.push(e.id);
          expect(await s[w].putObject(object("b1", `k-${w}-${i}`), { events: [e] })).toEqual({ ok: true });
        }
      }));
      const seen = new Map<string, number>();
      const inFlight = new Set<string>();
      let overlaps = 0;
      // Leasers on every node, each settling what it leased, until the outbox is empty.
      await Promise.all([0, 1, 2, 0, 1, 2].map(async (w) => {
        for (let idle = 0; idle < 40;) {
          const batch = await s[w].leaseEvents({ now: Date.now(), leaseMs: 60_000, limit: 7, perTarget: 3 });
          if (!batch.length) { idle++; await new Promise((r) => setTimeout(r, 2)); if (!Object.keys(await s[w].countEvents()).length) break; continue; }
          const mine = new Set(batch.map((m) => m.target));
          for (const t of mine) { if (inFlight.has(t)) overlaps++; inFlight.add(t); }
          for (const m of batch) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 1));
          for (const t of mine) inFlight.delete(t);
          await s[w].settleEvents("b1", { done: batch.map((m) => m.id) });
        }
      }));
      expect(overlaps).toBe(0);
      expect([...seen.values()].every((v) => v === 1)).toBe(true);
      expect([...seen.keys()].sort()).toEqual(written.sort());
      expect(await s[0].countEvents()).toEqual({});
    },
  },
  {
    name: "the outbox's queue limit holds under concurrent writers on three nodes",
    async run(n) {
      const s = await stores(n, 3);
      await withBuckets(s[0], "b1");
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        s[i % 3].putObject(object("b1", `k${i}`), { events: [event("b1", "a:webhook", `e${i}`, { limit: 10 })] })));
      expect(results.filter((r) => r.ok).length).toBe(10);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "SlowDown")).toBe(true);
      expect(await s[1].countEvents()).toEqual({ "a:webhook": 10 });
      const kept = await s[2].listObjects("b1", { prefix: "", start: "", inclusive: false, limit: 100 });
      expect(kept.length).toBe(10);
    },
  },
  {
    name: "GC by two nodes while others dedup against the same chunks never frees a referenced chunk",
    async run(n) {
      const s = await stores(n, 4);
      await withBuckets(s[0], "b1");
      // Chunks 1..20 stored once, unreferenced: garbage unless someone pins them first.
      const seed = session("b1");
      for (let i = 1; i <= 20; i++) await chunk(s[0], seed, i);
      await s[0].releaseSession(seed);
      const freed: string[] = [];
      const gc = async (st: MetaStore) => {
        for (let i = 0; i < 30; i++) {
          const ids = await st.collectGarbage({ staleSessionsBefore: n.clock.now() - HOUR, limit: 3 });
          freed.push(...ids);
          await st.dropTombstones(ids);
        }
      };
      // Writers: acquire a chunk (dedup) and reference it, or store it again when it is gone.
      const referenced = new Map<string, string>(); // key -> blob
      const writer = async (st: MetaStore, w: number) => {
        for (let i = 1; i <= 20; i++) {
          if (i % 2 !== w % 2) continue;
          const sess = session("b1");
          let blob = await st.acquireChunk(sess, hashOf(i));
          if (!blob) {
            const mine = `blob-${i}-again-${w}`;
            await st.intendBlob(sess, mine);
            blob = await st.registerChunk(sess, hashOf(i), mine, 100);
          }
          const r = await st.putObject(chunked("b1", `k${w}-${i}`, [{ hash: hashOf(i), blob, size: 100 }]), { session: sess });
          expect(r).toEqual({ ok: true });
          referenced.set(`k${w}-${i}`, blob);
        }
      };
      await Promise.all([gc(s[0]), gc(s[1]), writer(s[2], 2), writer(s[3], 3)]);
      // No blob an object names was handed out for deletion.
      const live = new Set(referenced.values());
      expect(freed.filter((b) => live.has(b))).toEqual([]);
      for (const [key, blob] of referenced) {
        expect((await s[0].getObject("b1", key))?.manifest?.[0].blob).toBe(blob);
        expect((await s[0].listChunks({ after: "", limit: 100 })).some((c) => c.blob === blob)).toBe(true);
      }
    },
  },
  {
    name: "concurrent puts of one part number and an abort on other nodes leave no chunk counted twice or leaked",
    async run(n) {
      const s = await stores(n, 3);
      await withBuckets(s[0], "b1");
      expect(await s[0].createUpload(upload("b1", "mp", "u1"))).toEqual({ ok: true });
      const writes = [];
      for (let i = 1; i <= 6; i++) {
        const sess = session("b1");
        writes.push({ p: part("u1", 1 + (i % 2), [await chunk(s[0], sess, i)], { etag: `"p${i}"` }), sess });
      }
      const results = await Promise.all([
        ...writes.map(({ p, sess }, i) => s[i % 3].putPart("b1", p, { session: sess })),
        s[2].abortUpload("b1", "u1"),
      ]);
      expect(results.some((r) => r.ok)).toBe(true);
      expect(await s[1].getUpload("b1", "u1")).toBeNull();
      // Aborted: every chunk is garbage, whichever writes got in before the abort.
      const ids = await s[1].collectGarbage({ staleSessionsBefore: n.clock.now() + HOUR, limit: 100 });
      expect(ids.sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `blob-${i}`).sort());
      expect(await s[0].countChunks()).toBe(0);
    },
  },
  {
    name: "a database from before migration 5 with events waiting: their counts are taken, the queue limit holds at once",
    async run(n) {
      const { sql, store } = await n.node();
      await withBuckets(store, "b1");
      for (const k of ["k1", "k2", "k3"]) expect(await store.putObject(object("b1", k), { events: [event("b1", "a:webhook", k)] })).toEqual({ ok: true });
      expect(await store.appendEvents("b1", [event("b1", "a:webhook", "get")])).toBe(true);
      // As migrate() would on such a database: migration 5 alone (the index is its number - 1).
      await sql.unsafe("DROP TABLE event_counts");
      await sql.unsafe(MIGRATIONS[4]);
      const later = sql;
      expect((await later`SELECT target, changes, events FROM event_counts`).map((r) => [r.target, Number(r.changes), Number(r.events)])).toEqual([["a:webhook", 3, 4]]);
      const again = (await n.node()).store;
      expect(await again.putObject(object("b1", "k4"), { events: [event("b1", "a:webhook", "k4", { limit: 3 })] })).toEqual({ ok: false, reason: "SlowDown" });
      expect(await again.putObject(object("b1", "k4"), { events: [event("b1", "a:webhook", "k4", { limit: 4 })] })).toEqual({ ok: true });
      // Settled ones count down.
      const leased = await again.leaseEvents({ now: n.clock.now(), leaseMs: 1000, limit: 10 });
      await again.settleEvents("b1", { done: leased.map((m) => m.id) });
      expect((await later`SELECT changes, events FROM event_counts`).map((r) => [Number(r.changes), Number(r.events)])).toEqual([[0, 0]]);
    },
  },
  {
    name: "a node of an older s3edge refuses a database migrated further",
    async run(n) {
      const { sql } = await n.node();
      await sql`UPDATE schema_version SET version = ${SCHEMA_VERSION + 1}`;
      const other = connectPostgres(n.url, { schema: n.schema, max: 1 });
      try {
        await expect(createPostgresMetaStore(other, { now: Date.now })).rejects.toThrow(/newer than this s3edge knows/);
      } finally {
        await other.end({ timeout: 1 });
      }
    },
  },
];

const hashOf = (n: number) => n.toString(16).padStart(64, "0");
