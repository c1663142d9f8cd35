// Builds Deps for Bun: filesystem chunks + bun:sqlite metadata (the embedded default store).
import { bunArgon2id } from "./argon2.ts";
import { bunAesGcm } from "./aes-gcm.ts";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Deps, Logger } from "../../deps.ts";
import { DEFAULT_CONFIG, type Config } from "../../config.ts";
import { createSqlMetaStore } from "../../store/sql/meta-store.ts";
import { outdatedObjectTables } from "../../store/sql/table-layout.ts";
import { createFsBlobStore } from "./fs-blob-store.ts";
import type { BlobStore, MetaStore } from "../../store/types.ts";
import { createBunSqliteDriver } from "./sqlite-driver.ts";
import { bunHasher, bunSyncDigests } from "./hasher.ts";
import { installSyncDigests } from "../../util/hash.ts";
import { collectGarbage } from "../../store/gc.ts";
import { createMd5Pool } from "./md5-pool.ts";
import { createSsePool } from "./sse-pool.ts";
import { inlineChunkCrypto } from "../../sse/chunks.ts";
import { startLocalQueue } from "./local-queue.ts";
import { createUpstreamFetch } from "./upstream-fetch.ts";
import { createSqlIamStore } from "../../iam/sql-store.ts";
import type { IamStore } from "../../iam/store.ts";
import type { TargetStore } from "../../events/target-registry.ts";
import { createSqlTargetStore } from "../../events/sql-target-store.ts";
import { createTargetRegistry } from "../../events/target-registry.ts";
import { createTargetSenders, targetRefusal } from "../../events/targets/drivers.ts";
import { bunTargetDrivers } from "./targets/index.ts";
import { createSqlQueueStore } from "../../events/sqs-sql-store.ts";
import { createSqlKmsKeyStore, type KmsKeyStore } from "../../sse/key-store.ts";
import type { LocalQueueStore } from "../../events/sqs-queues.ts";
import { sqsQueueDriver, withSqsQueues } from "../../events/sqs-targets.ts";
import { createLocalListen } from "../../events/listen.ts";
import { createTargetStats } from "../../events/targets-stats.ts";

export const consoleLogger = (quiet = false): Logger => ({
  info: (m, f) => { if (!quiet) console.log(m, f ? JSON.stringify(f) : ""); },
  warn: (m, f) => console.warn(m, f ? JSON.stringify(f) : ""),
  error: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
});

/**
 * `fsync` (default on): a write is acknowledged only once it survives a power cut (README
 * "Durability"); off for throwaway data. On start everything a previous process left midway
 * (its upload sessions, pins, blob intents, temp files) is garbage at once, collected by a first
 * GC pass right away, with a sweep of blob files no record names.
 */
export function createBunDeps(opts: {
  dataDir: string; config?: Partial<Config>; log?: Logger; gcIntervalMs?: number; md5Workers?: number; eventPollMs?: number; fsync?: boolean;
  /** Chunks elsewhere (an S3 upstream: store/s3/blob-store.ts) instead of files under dataDir. */
  blobs?: BlobStore;
  /**
   * Metadata (and IAM and stored targets, when given) elsewhere (PostgreSQL: store/postgres),
   * shared with other nodes, instead of meta.sqlite; `close` ends its pool. SQS queues and the KMS
   * key ring too when given; GC and the outbox drain run only while `isLeader()` (one node of all).
   */
  meta?: { store: MetaStore; iam?: IamStore; targets?: TargetStore; queues?: LocalQueueStore; kmsKeys?: KmsKeyStore; isLeader?(): boolean; close(): Promise<void> };
  /**
   * One of several processes on this dataDir (--workers, docs/workers.md): `bootedAt` is when the
   * supervisor started (what was recorded before belongs to a gone process group, not what other
   * live children recorded before this one), and GC and the outbox drain run only while
   * `isLeader()` (the elected process, leader-lease.ts).
   */
  shared?: { bootedAt: number; isLeader(): boolean; listen?: Deps["listen"] };
}): Deps & { close(): Promise<void> } {
  mkdirSync(opts.dataDir, { recursive: true });
  const fsync = opts.fsync !== false;
  const driver = createBunSqliteDriver(join(opts.dataDir, "meta.sqlite"), { fsync, shared: !!opts.shared, checkpointThread: true });
  const clock = { now: () => Date.now() };
  // One process owns the store: what was recorded before this moment belongs to a gone one.
  const bootedAt = opts.shared?.bootedAt ?? clock.now();
  // Not so for a store shared with other nodes (Postgres): their upload sessions are live, and
  // only the TTL makes one stale. (Temp and blob files under dataDir are still this node's.)
  const sessionsBootedAt = opts.meta ? undefined : bootedAt;
  const config = { ...DEFAULT_CONFIG, ...opts.config };
  const log = opts.log ?? consoleLogger();
  installSyncDigests(bunSyncDigests);
  const md5Pool = createMd5Pool(opts.md5Workers ?? navigator.hardwareConcurrency ?? 1);
  // SSE chunks sealed and opened in worker threads (sse-pool.ts), started at the first large one.
  const ssePool = createSsePool(navigator.hardwareConcurrency ?? 1, inlineChunkCrypto({ hasher: bunHasher, aesGcm: bunAesGcm }));
  const fsBlobs = opts.blobs ? undefined : createFsBlobStore(join(opts.dataDir, "chunks"), { fsync });
  // SQS queues and their messages: tables of their own in meta.sqlite (events/sqs-sql-store.ts).
  const queues = opts.meta?.queues ?? createSqlQueueStore(driver);
  const drivers = { ...bunTargetDrivers, sqs: sqsQueueDriver(queues, bunHasher, clock.now) };
  const deps: Deps = {
    blobs: opts.blobs ?? fsBlobs!,
    meta: opts.meta?.store ?? createSqlMetaStore(driver, { now: clock.now }),
    // IAM and stored notification targets (unless on PostgreSQL with the metadata): their own tables in meta.sqlite.
    iam: opts.meta?.iam ?? createSqlIamStore(driver, { now: clock.now }),
    targets: withSqsQueues(createTargetRegistry({
      env: config.notifyTargets, store: opts.meta?.targets ?? createSqlTargetStore(driver, { now: clock.now }), now: clock.now,
      accept: (t) => targetRefusal(t, bunTargetDrivers, "Bun"),
    }), queues, clock.now),
    targetDrivers: bunTargetDrivers,
    queues,
    // The key ring's stored keys (sse/key-store.ts): a table of their own in meta.sqlite.
    kmsKeys: opts.meta?.kmsKeys ?? createSqlKmsKeyStore(driver),
    // One process serves every request: its listen streams see every event (events/listen.ts).
    // (--workers: one hub per child, relayed through the supervisor: cluster-listen.ts.)
    listen: opts.shared?.listen ?? createLocalListen(),
    notifyStats: createTargetStats(),
    hasher: bunHasher,
    bulkMd5: opts.md5Workers === 0 ? undefined : md5Pool.hasher,
    argon2id: bunArgon2id,
    aesGcm: bunAesGcm,
    sseChunks: ssePool,
    clock,
    config,
    log,
    background: (p) => { p.catch((e) => log.error("background task failed", { error: String(e) })); },
    durable: driver.durable,
    // Stateless only with both stores shared (Postgres metadata and S3 blobs): then this node
    // may be taken down (health.ts maintenance); files under --data would be its own copy.
    sharedStores: !!opts.meta && !!opts.blobs,
  };
  if (!opts.meta?.store) {
    const outdated = outdatedObjectTables(driver);
    if (outdated.length) log.info("the store's object tables are in the layout of before 2026-12-02; `s3edge upgrade-store` (server stopped) makes small-object lookups about 2x cheaper", { tables: outdated });
  }
  // One process owns the store (as for GC below): an outbox lease still set was taken by a gone
  // process (killed mid-delivery). Released, delivery resumes now, not when the lease ends (a
  // leased head holds its target's queue); the rows it had in flight are sent again (at least once).
  // A shared store's leases may be another live node's: they end by themselves (leaseMs).
  // Several processes (--workers): this runs when this one is elected, so the leases released are
  // those of the leader it replaces (gone, or it would still hold the lease).
  let led = false;
  const leading = () => {
    const now = (opts.shared ? opts.shared.isLeader() : true) && (opts.meta?.isLeader?.() ?? true);
    if (now && !led && !opts.meta) driver.run("UPDATE event_outbox SET visible_at = 0 WHERE visible_at > 0");
    led = now;
    return now;
  };
  leading();
  let running: Promise<unknown> | undefined;
  let closing = false;
  let orphansSwept = false;
  const gcPass = () => {
    if (running || !leading()) return;
    const staleBefore = Math.max(clock.now() - config.sessionTtlMs, bootedAt);
    running = (async () => {
      // Temp files: those of no put in flight here, last written before this process started
      // (or stalled for the session TTL).
      const [chunks, temps] = await Promise.all([collectGarbage(deps, { bootedAt: sessionsBootedAt }), fsBlobs?.sweepTemp(staleBefore) ?? 0]);
      // Blob files no row names (a delete a crash or power cut undid, a blob whose intent was
      // not yet durable): a blob is named (its intent committed) before its first byte, so any
      // unnamed file last written before this process started is garbage now (D11), not in
      // 24 h. Once per start: it lists all.
      // Not on an S3 upstream: its bucket may be shared, and a blob is never written there
      // before its intent, so intents and tombstones cover it.
      if (orphansSwept || !fsBlobs) return;
      const orphans = await fsBlobs.sweepOrphans(bootedAt, (keys) => {
        if (closing) throw new Error("closing"); // a long sweep must not hold up a shutdown
        return deps.meta.unnamedBlobs(keys);
      });
      orphansSwept = true;
      if (chunks + temps + orphans > 0) log.info("start-up cleanup", { chunks, temps, orphans });
    })().catch((e) => { if (!closing) log.error("gc failed", { error: String(e) }); }).finally(() => { running = undefined; });
  };
  gcPass();
  const gc = setInterval(gcPass, opts.gcIntervalMs ?? 30_000);
  // One connection (or pool) per socket target, opened on first delivery, closed on shutdown.
  const senders = createTargetSenders(drivers, log);
  const events = startLocalQueue(deps.meta, { targets: deps.targets, senders, now: clock.now, log, via: "local", stats: deps.notifyStats, fetch: createUpstreamFetch({ posts: true }) }, { pollMs: opts.eventPollMs, active: leading });
  return {
    ...deps,
    async close() {
      closing = true;
      clearInterval(gc);
      await running;
      await events.stop();
      await senders.close();
      md5Pool.close();
      ssePool.close();
      await opts.meta?.close();
      await driver.close();
    },
  };
}
