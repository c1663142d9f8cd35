// The SQLite MetaStore inside a Durable Object. The Worker calls it by RPC: MetaStore methods
// take and return plain data, and each runs as one synchronous transaction here, so the
// object's single thread gives strong consistency (read- and list-after-write) for free.
// It also owns garbage collection of unreferenced chunks, from its alarm, and relays its event
// outbox to the EVENTS Queue right after a commit that wrote events (the alarm retries).
import { DurableObject } from "cloudflare:workers";
import type {
  BucketRecord, MetaStore, ObjectRecord, OutboxEvent, PartRecord, PutCondition, PutResult, SettledEvents, UploadRecord,
} from "../../store/types.ts";
import { relayOutbox } from "../../events/relay.ts";
import { createCloudflareEventQueue } from "./event-queue.ts";
import { jsonLogger } from "./deps.ts";
import { createSqlMetaStore } from "../../store/sql/meta-store.ts";
import type { SqlDriver } from "../../store/sql/driver.ts";
import { collectGarbage } from "../../store/gc.ts";
import { DEFAULT_CONFIG } from "../../config.ts";
import { createDoSqlDriver } from "./do-sql-driver.ts";
import { createR2BlobStore } from "./r2-blob-store.ts";
import { gcIntervalMs, type WorkersEnv } from "./env.ts";

export class MetaShard extends DurableObject<WorkersEnv> implements MetaStore {
  private readonly db: SqlDriver;
  private readonly store: MetaStore;
  /** An alarm is set (or running); avoids a storage write per mutation. */
  private gcArmed = false;

  constructor(ctx: DurableObjectState, env: WorkersEnv) {
    super(ctx, env);
    this.db = createDoSqlDriver(ctx.storage);
    this.store = createSqlMetaStore(this.db, { now: () => Date.now() });
    void ctx.blockConcurrencyWhile(async () => { this.gcArmed = (await ctx.storage.getAlarm()) !== null; });
  }

  /** Called after anything that can leave a chunk unreferenced or pinned. */
  private scheduleGc<T>(result: T): T {
    if (!this.gcArmed) {
      this.gcArmed = true;
      void this.ctx.storage.setAlarm(Date.now() + gcIntervalMs(this.env));
    }
    return result;
  }

  /** After a commit that wrote events: hand them on now; the alarm (armed too) catches failures. */
  private afterEvents<T>(result: T, events: OutboxEvent[] | undefined): T {
    if (events?.length) {
      this.scheduleGc(null);
      this.ctx.waitUntil(this.relay().catch((e) => jsonLogger.warn("event relay failed; the alarm retries", { error: String(e) })));
    }
    return result;
  }

  private async relay(): Promise<void> {
    // Without the binding no target can be configured (configFromEnv), so no events are written.
    if (this.env.EVENTS) await relayOutbox(this.store, createCloudflareEventQueue(this.env.EVENTS), () => Date.now());
  }

  override async alarm(): Promise<void> {
    this.gcArmed = true; // setAlarm below, not from concurrent mutations, re-arms
    try {
      await this.relay().catch((e) => jsonLogger.warn("event relay failed", { error: String(e) }));
      await collectGarbage({
        meta: this.store, blobs: createR2BlobStore(this.env.CHUNKS), clock: { now: () => Date.now() }, config: DEFAULT_CONFIG,
      });
    } finally {
      // Chunks still pinned by live sessions (or not yet stale) need another pass later.
      const pending = this.db.all("SELECT 1 AS x FROM chunks WHERE refs <= 0 LIMIT 1").length > 0
        || this.db.all("SELECT 1 AS x FROM sessions LIMIT 1").length > 0
        || this.db.all("SELECT 1 AS x FROM blob_intents LIMIT 1").length > 0
        || this.db.all("SELECT 1 AS x FROM blob_tombstones LIMIT 1").length > 0 // R2 deletes that failed
        || this.db.all("SELECT 1 AS x FROM event_outbox LIMIT 1").length > 0;
      this.gcArmed = pending;
      if (pending) await this.ctx.storage.setAlarm(Date.now() + Math.max(gcIntervalMs(this.env), 1000));
    }
  }

  // ---- MetaStore over RPC: one method per interface member (the compiler checks the set).
  createBucket(b: BucketRecord) { return this.store.createBucket(b); }
  getBucket(name: string) { return this.store.getBucket(name); }
  listBuckets() { return this.store.listBuckets(); }
  async deleteBucket(name: string) { return this.scheduleGc(await this.store.deleteBucket(name)); }
  getBucketConfig(bucket: string, kind: string) { return this.store.getBucketConfig(bucket, kind); }
  getBucketState(name: string) { return this.store.getBucketState(name); }
  putBucketConfig(bucket: string, kind: string, value: string | null) { return this.store.putBucketConfig(bucket, kind, value); }

  getObject(bucket: string, key: string) { return this.store.getObject(bucket, key); }
  async putObject(obj: ObjectRecord, opts: { session?: string; cond?: PutCondition; events?: OutboxEvent[] }): Promise<PutResult> {
    const r = await this.store.putObject(obj, opts);
    return this.afterEvents(this.scheduleGc(r), r.ok ? opts.events : undefined);
  }
  async deleteObject(bucket: string, key: string, events?: OutboxEvent[]) {
    const r = await this.store.deleteObject(bucket, key, events);
    return this.afterEvents(this.scheduleGc(r), r === true ? events : undefined);
  }
  async updateObjectTags(bucket: string, key: string, tags: Record<string, string>, events?: OutboxEvent[]) {
    const r = await this.store.updateObjectTags(bucket, key, tags, events);
    return this.afterEvents(r, r === true ? events : undefined);
  }
  listObjects(bucket: string, opts: { prefix: string; start: string; inclusive: boolean; limit: number }) {
    return this.store.listObjects(bucket, opts);
  }

  createUpload(u: UploadRecord) { return this.store.createUpload(u); }
  getUpload(bucket: string, uploadId: string) { return this.store.getUpload(bucket, uploadId); }
  async putPart(bucket: string, p: PartRecord, opts: { session?: string }): Promise<PutResult> {
    return this.scheduleGc(await this.store.putPart(bucket, p, opts));
  }
  listParts(bucket: string, uploadId: string, opts: { after: number; limit: number }) { return this.store.listParts(bucket, uploadId, opts); }
  getCompletedUpload(bucket: string, uploadId: string) { return this.store.getCompletedUpload(bucket, uploadId); }
  async completeUpload(uploadId: string, obj: ObjectRecord, cond?: PutCondition, events?: OutboxEvent[]): Promise<PutResult> {
    const r = await this.store.completeUpload(uploadId, obj, cond, events);
    return this.afterEvents(this.scheduleGc(r), r.ok ? events : undefined);
  }
  async abortUpload(bucket: string, uploadId: string) { return this.scheduleGc(await this.store.abortUpload(bucket, uploadId)); }
  listUploads(bucket: string, opts: { prefix: string; keyMarker: string; uploadIdMarker: string; limit: number }) {
    return this.store.listUploads(bucket, opts);
  }

  acquireChunk(session: string, hash: string) { return this.store.acquireChunk(session, hash); }
  intendBlob(session: string, blobId: string) { return this.store.intendBlob(session, blobId); }
  async registerChunk(session: string, hash: string, blobId: string, size: number) {
    return this.scheduleGc(await this.store.registerChunk(session, hash, blobId, size));
  }
  async releaseSession(session: string) { return this.scheduleGc(await this.store.releaseSession(session)); }
  collectGarbage(opts: { staleSessionsBefore: number; limit: number }) { return this.store.collectGarbage(opts); }
  dropTombstones(blobIds: string[]) { return this.store.dropTombstones(blobIds); }
  unnamedBlobs(blobIds: string[]) { return this.store.unnamedBlobs(blobIds); }
  countChunks() { return this.store.countChunks(); }
  listChunks(opts: { after: string; limit: number }) { return this.store.listChunks(opts); }

  async appendEvents(bucket: string, events: OutboxEvent[]) {
    const ok = await this.store.appendEvents(bucket, events);
    return this.afterEvents(ok, ok ? events : undefined);
  }
  leaseEvents(opts: Parameters<MetaStore["leaseEvents"]>[0]) { return this.store.leaseEvents(opts); }
  settleEvents(bucket: string, settled: SettledEvents) { return this.store.settleEvents(bucket, settled); }
  countEvents() { return this.store.countEvents(); }
}
