// What moved from each node's meta.sqlite onto the shared PostgreSQL (schema.ts migration 4):
// the SQS QueueStore and the KMS key ring, checked against their SQLite stores (one script,
// the same answers) and across two nodes (one queue, racing receivers, a key created on one
// node read on the other, a rotation's compare-and-set won once); and the leader lease that
// elects one node for GC, lifecycle and the outbox drain. Run by postgres-meta-store.test.ts.
import { expect } from "bun:test";
import type { PgNodes } from "./postgres-races.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createSqlQueueStore } from "../../../src/events/sqs-sql-store.ts";
import { createPostgresQueueStore } from "../../../src/store/postgres/queue-store.ts";
import type { QueueStore } from "../../../src/events/sqs-queues.ts";
import { createSqlKmsKeyStore, type KmsKeyStore, type StoredKmsKey } from "../../../src/sse/key-store.ts";
import { createPostgresKmsKeyStore } from "../../../src/store/postgres/kms-key-store.ts";
import { startPostgresLease } from "../../../src/store/postgres/leader-lease.ts";
import { connectPostgres } from "../../../src/store/postgres/client.ts";
import { createPostgresMetaStore } from "../../../src/store/postgres/meta-store.ts";
import { createBunDeps } from "../../../src/runtime/bun/deps.ts";
import { createMemoryBlobStore } from "../../../src/store/memory/blob-store.ts";
import type { MetaStore } from "../../../src/store/types.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const T0 = 1_800_000_000_000;
const queue = (name: string, attributes: Record<string, string> = {}) => ({ name, attributes: { VisibilityTimeout: "30", ...attributes }, created: T0, modified: T0 });

/** Every QueueStore call, refusals and stale handles included; the transcript with receipt tokens blanked. */
async function queueScript(s: QueueStore): Promise<unknown[]> {
  const out: unknown[] = [];
  const log = async (p: Promise<unknown>) => { out.push(JSON.parse(JSON.stringify(await p))); };
  await log(s.createQueue(queue("q1")));
  await log(s.createQueue(queue("q1", { DelaySeconds: "5" }))); // exists: unchanged
  await log(s.createQueue(queue("q0", { MessageRetentionPeriod: "60" })));
  await log(s.listQueues());
  await log(s.sendMessages("nope", [{ id: "x", body: "x", md5: "x" }], T0));
  await log(s.sendMessages("q1", [{ id: "m1", body: "one", md5: "a" }, { id: "m1", body: "dup", md5: "a" }, { id: "m2", body: "two", md5: "b" },
    { id: "m3", body: "later", md5: "c", delayMs: 10_000 }], T0));
  await log(s.queueStats("q1", T0));
  const got = await s.receiveMessages("q1", { max: 10, visibilityMs: 1000, now: T0 + 1 });
  out.push(got.map((m) => ({ ...m, receiptHandle: m.receiptHandle.replace(/\..*/, ".*") })));
  await log(s.queueStats("q1", T0 + 2));
  await log(s.receiveMessages("q1", { max: 10, visibilityMs: 1000, now: T0 + 2 })); // all in flight or delayed
  await log(s.changeVisibility("q1", got[0].receiptHandle, 0, T0 + 3));
  await log(s.changeVisibility("q1", got[0].receiptHandle, 0, T0 + 4)); // not in flight now
  await log(s.changeVisibility("q1", "1.00000000000000000000000000000000", 0, T0 + 4));
  await log(s.changeVisibility("q1", "9999999999999999999.00000000000000000000000000000000", 0, T0 + 4));
  await log(s.changeVisibility("q1", "garbage", 0, T0 + 4));
  const again = await s.receiveMessages("q1", { max: 1, visibilityMs: 1000, now: T0 + 5 });
  out.push(again.map((m) => [m.id, m.receiveCount, m.firstReceive]));
  // The first receive's handle of m1 is stale now: "ok", nothing deleted; m2's deletes it.
  await log(s.deleteMessages("q1", [got[0].receiptHandle, got[1].receiptHandle, "garbage", "9999999999999999999.00000000000000000000000000000000"]));
  await log(s.queueStats("q1", T0 + 6));
  await log(s.deleteMessages("q1", [again[0].receiptHandle]));
  await log(s.queueStats("q1", T0 + 20_000));
  await log(s.setQueueAttributes("q1", { DelaySeconds: "3" }, T0 + 7));
  await log(s.setQueueAttributes("nope", { DelaySeconds: "3" }, T0 + 7));
  await log(s.getQueue("q1"));
  // Retention: q0 keeps a message 60 s.
  await log(s.sendMessages("q0", [{ id: "old", body: "old", md5: "d" }], T0));
  await log(s.receiveMessages("q0", { max: 10, visibilityMs: 0, now: T0 + 61_000 }));
  await log(s.purgeQueue("q1"));
  await log(s.purgeQueue("nope"));
  await log(s.queueStats("q1", T0 + 20_000));
  await log(s.deleteQueue("q0"));
  await log(s.deleteQueue("q0"));
  await log(s.listQueues());
  return out;
}

const kmsKey = (name: string, masterId = "m1"): StoredKmsKey => ({ name, kind: "created", masterId, wrapped: `w-${name}-${masterId}`, createdAt: T0, createdBy: "admin" });

async function kmsScript(s: KmsKeyStore): Promise<unknown[]> {
  return [
    await s.createKmsKey(kmsKey("b-key")), await s.createKmsKey(kmsKey("a-key")), await s.createKmsKey(kmsKey("a-key", "other")),
    await s.getKmsKey("a-key"), await s.getKmsKey("none"), await s.rewrapKmsKey(kmsKey("a-key", "m2"), "m1"),
    await s.rewrapKmsKey(kmsKey("a-key", "m3"), "m1"), await s.rewrapKmsKey(kmsKey("none", "m2"), "m1"), await s.listKmsKeys(),
  ];
}

export const POSTGRES_SHARED: { name: string; run(n: PgNodes): Promise<void> }[] = [
  {
    name: "QueueStore: the same script gives the same answers as the SQLite QueueStore",
    async run(n) {
      const { sql } = await n.node();
      const driver = createBunSqliteDriver(":memory:", { fsync: false });
      try {
        expect(await queueScript(createPostgresQueueStore(sql))).toEqual(await queueScript(createSqlQueueStore(driver)));
      } finally {
        driver.close();
      }
    },
  },
  {
    name: "QueueStore on two nodes: a queue made on one is seen on the other; racing receivers never get the same message",
    async run(n) {
      const [a, b] = (await Promise.all([n.node(), n.node()])).map((x) => createPostgresQueueStore(x.sql));
      expect((await a.createQueue(queue("shared"))).created).toBe(true);
      expect((await b.createQueue(queue("shared"))).created).toBe(false);
      expect((await b.getQueue("shared"))?.name).toBe("shared");
      const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
      expect(await b.sendMessages("shared", ids.map((id) => ({ id, body: id, md5: "x" })), T0)).toBe(true);
      const got = (await Promise.all(Array.from({ length: 8 }, (_, i) =>
        [a, b][i % 2].receiveMessages("shared", { max: 10, visibilityMs: 60_000, now: T0 + 1 })))).flat().map((m) => m.id);
      expect(got.length).toBe(new Set(got).size);
      expect(got.sort()).toEqual([...ids].sort());
      // A wake-up on this node's own sends; another node's are seen by the receive loop's next look.
      const waited = a.waitForMessages("shared", 5000);
      const t = Date.now();
      await a.sendMessages("shared", [{ id: "late", body: "late", md5: "x" }], T0 + 2);
      await waited;
      expect(Date.now() - t).toBeLessThan(1000);
      expect(await a.deleteQueue("shared")).toBe(true);
      expect(await b.getQueue("shared")).toBeNull();
      expect(await b.sendMessages("shared", [{ id: "x", body: "x", md5: "x" }], T0)).toBe(false);
    },
  },
  {
    name: "KmsKeyStore: the same answers as the SQLite store; a key created on one node is read on the other; racing creates and re-wraps win once",
    async run(n) {
      const [a, b] = (await Promise.all([n.node(), n.node()])).map((x) => createPostgresKmsKeyStore(x.sql));
      const driver = createBunSqliteDriver(":memory:", { fsync: false });
      try {
        expect(await kmsScript(a)).toEqual(await kmsScript(createSqlKmsKeyStore(driver)));
      } finally {
        driver.close();
      }
      expect(await b.getKmsKey("a-key")).toEqual(kmsKey("a-key", "m2"));
      const created = await Promise.all(Array.from({ length: 6 }, (_, i) => [a, b][i % 2].createKmsKey(kmsKey("raced", `m${i}`))));
      expect(created.filter(Boolean).length).toBe(1);
      const winner = (await a.getKmsKey("raced"))!.masterId;
      const rewrapped = await Promise.all(Array.from({ length: 6 }, (_, i) => [a, b][i % 2].rewrapKmsKey(kmsKey("raced", `new${i}`), winner)));
      expect(rewrapped.filter(Boolean).length).toBe(1);
    },
  },
  {
    name: "leader lease: one of three nodes leads; a graceful stop hands over at the next tick; a killed leader is replaced once its lease expires",
    async run(n) {
      const ttlMs = 400;
      const pools = [connectPostgres(n.url, { schema: n.schema, max: 1 }), connectPostgres(n.url, { schema: n.schema, max: 1 }), connectPostgres(n.url, { schema: n.schema, max: 1 })];
      await n.node(); // migrated
      try {
        const leases = await Promise.all(pools.map((sql, i) => startPostgresLease(sql, { holder: `node${i}`, ttlMs, renewMs: 0 })));
        const leaders = () => leases.filter((l) => l.isLeader()).map((l) => l.holder);
        const tickAll = () => Promise.all(leases.map((l) => l.tick()));
        await tickAll();
        expect(leaders().length).toBe(1);
        const first = leaders()[0];
        await tickAll(); // renewals keep it
        expect(leaders()).toEqual([first]);
        // Graceful stop: the row is gone, the next tick elects another.
        await leases.find((l) => l.holder === first)!.stop();
        await tickAll();
        expect(leaders().length).toBe(1);
        const second = leaders()[0];
        expect(second).not.toBe(first);
        // Killed: its pool ends without a release; the lease holds until it expires, then moves.
        const killed = leases.findIndex((l) => l.holder === second);
        await pools[killed].end({ timeout: 0 });
        const rest = leases.filter((l) => l.holder !== first && l.holder !== second);
        await Promise.all(rest.map((l) => l.tick()));
        expect(rest[0].isLeader()).toBe(false);
        await Bun.sleep(ttlMs + 50);
        // The unreachable leader stopped trusting itself by then too: never two leaders.
        expect(leases[killed].isLeader()).toBe(false);
        await Promise.all(rest.map((l) => l.tick()));
        expect(rest[0].isLeader()).toBe(true);
        // Not eligible (another --workers child leads on its host): it lets go.
        let eligible = true;
        const picky = await startPostgresLease(pools[leases.indexOf(rest[0])], { holder: rest[0].holder, ttlMs, renewMs: 0, eligible: () => eligible });
        expect(picky.isLeader()).toBe(true);
        eligible = false;
        expect(await picky.tick()).toBe(false);
        await Promise.all(leases.filter((l, i) => i !== killed).map((l) => l.stop()));
        expect((await pools[leases.indexOf(rest[0])]`SELECT count(*) AS n FROM leader_leases`)[0].n).toBe(0);
      } finally {
        await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
      }
    },
  },
  {
    name: "two nodes' Bun deps on one PostgreSQL: only the leader runs GC and the outbox drain; when it stops, the other takes over",
    async run(n) {
      const dirs: string[] = [];
      const silent = { info() {}, warn() {}, error() {} };
      const blobs = createMemoryBlobStore();
      const nodes = await Promise.all([0, 1].map(async (i) => {
        const { sql } = await n.node();
        const store = await createPostgresMetaStore(sql, { now: Date.now });
        const calls = { gc: 0, drain: 0 };
        // What GC and the outbox drain call first, counted per node.
        const counted: MetaStore = { ...store,
          collectGarbage: (o) => { calls.gc++; return store.collectGarbage(o); },
          leaseEvents: (o) => { calls.drain++; return store.leaseEvents(o); } };
        const lease = await startPostgresLease(sql, { holder: `deps${i}`, ttlMs: 2000, renewMs: 50 });
        const dataDir = mkdtempSync(join(tmpdir(), "s3edge-pglead-"));
        dirs.push(dataDir);
        const deps = createBunDeps({ dataDir, fsync: false, md5Workers: 0, log: silent, blobs, gcIntervalMs: 40, eventPollMs: 20,
          meta: { store: counted, isLeader: lease.isLeader, close: async () => {} } });
        return { calls, lease, deps };
      }));
      try {
        await Bun.sleep(300);
        const leader = nodes.find((x) => x.lease.isLeader())!;
        const other = nodes.find((x) => x !== leader)!;
        expect(leader.calls.gc).toBeGreaterThan(1);
        expect(leader.calls.drain).toBeGreaterThan(1);
        expect(other.calls).toEqual({ gc: 0, drain: 0 });
        await leader.lease.stop();
        const before = { ...leader.calls };
        await Bun.sleep(300);
        expect(other.lease.isLeader()).toBe(true);
        expect(other.calls.gc).toBeGreaterThan(0);
        expect(other.calls.drain).toBeGreaterThan(0);
        expect(leader.calls).toEqual(before);
      } finally {
        for (const x of nodes) { await x.deps.close(); await x.lease.stop(); }
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    },
  },
];
