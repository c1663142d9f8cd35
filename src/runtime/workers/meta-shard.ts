// The SQLite MetaStore inside a Durable Object. The Worker calls it by RPC: MetaStore methods
// take and return plain data, and each runs as one synchronous transaction here, so the
// object's single thread gives strong consistency (read- and list-after-write) for free.
// It also owns garbage collection of unreferenced chunks, from its alarm, and relays its event
// outbox to the EVENTS Queue right after a commit that wrote events (the alarm retries).
import { DurableObject } from "cloudflare:workers";
import type { MetaStore, OutboxEvent } from "../../store/types.ts";
import { META_STORE_METHODS } from "../../store/sharded/meta-methods.ts";
import { relayOutbox } from "../../events/relay.ts";
import { createCloudflareEventQueue } from "./event-queue.ts";
import { jsonLogger } from "./logger.ts";
import { createSqlMetaStore } from "../../store/sql/meta-store.ts";
import type { SqlDriver } from "../../store/sql/driver.ts";
import { collectGarbage } from "../../store/gc.ts";
import { DEFAULT_CONFIG } from "../../config.ts";
import { createDoSqlDriver } from "./do-sql-driver.ts";
import { workersBlobStore } from "./blob-store.ts";
import { gcIntervalMs, type WorkersEnv } from "./env.ts";
import { armLifecycle, isLifecyclePut, lifecycleAlarm } from "./lifecycle-alarm.ts";

// The RPC methods come from the MetaStore's method table (below), not one hand-written wrapper each.
export interface MetaShard extends MetaStore {}
type Call = (...args: unknown[]) => Promise<unknown>;

export class MetaShard extends DurableObject<WorkersEnv> {
  private readonly db: SqlDriver;
  private readonly store: MetaStore;
  /** An alarm is set (or running); avoids a storage write per mutation. */
  private gcArmed = false;

  constructor(ctx: DurableObjectState, env: WorkersEnv) {
    super(ctx, env);
    this.db = createDoSqlDriver(ctx.storage);
    // The Queue consumer settles relayed rows by id, maybe after this object was evicted.
    this.store = createSqlMetaStore(this.db, { now: () => Date.now(), outboxById: true });
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
    let lifecycleAt: number | null = null; // the bucket's next lifecycle pass (lifecycle-alarm.ts)
    try {
      lifecycleAt = await lifecycleAlarm(this.ctx.storage, this.store, this.env, Date.now())
        .catch((e) => { jsonLogger.warn("lifecycle sweep failed; retried next alarm", { error: String(e) }); return Date.now() + 60_000; });
      await this.relay().catch((e) => jsonLogger.warn("event relay failed", { error: String(e) }));
      await collectGarbage({
        meta: this.store, blobs: workersBlobStore(this.env), clock: { now: () => Date.now() }, config: DEFAULT_CONFIG,
      });
    } finally {
      // Chunks still pinned by live sessions (or not yet stale) need another pass later.
      const pending = this.db.all("SELECT 1 AS x FROM chunks WHERE refs <= 0 LIMIT 1").length > 0
        || this.db.all("SELECT 1 AS x FROM sessions LIMIT 1").length > 0
        || this.db.all("SELECT 1 AS x FROM blob_intents LIMIT 1").length > 0
        || this.db.all("SELECT 1 AS x FROM blob_tombstones LIMIT 1").length > 0 // R2 deletes that failed
        || this.db.all("SELECT 1 AS x FROM event_outbox LIMIT 1").length > 0;
      this.gcArmed = pending;
      const gcAt = pending ? Date.now() + Math.max(gcIntervalMs(this.env), 1000) : null;
      const at = gcAt !== null && lifecycleAt !== null ? Math.min(gcAt, lifecycleAt) : gcAt ?? lifecycleAt;
      if (at !== null) await this.ctx.storage.setAlarm(at);
    }
  }

  static {
    // Prototype methods are what workerd exposes over RPC (instance fields are not). Each runs
    // the store's transaction, then the table's after-commit steps: GC for what can leave
    // garbage, an immediate relay for the events it committed.
    type Spec = { gc?: true; events?: (args: unknown[], result: unknown) => OutboxEvent[] | undefined };
    for (const [name, spec] of Object.entries(META_STORE_METHODS) as [string, Spec][]) {
      Object.defineProperty(MetaShard.prototype, name, {
        async value(this: MetaShard, ...args: unknown[]) {
          const r = await (this.store as unknown as Record<string, Call>)[name](...args);
          if (spec.gc) this.scheduleGc(null);
          if (isLifecyclePut(name, args)) await armLifecycle(this.ctx.storage, this.env, Date.now());
          return this.afterEvents(r, spec.events?.(args, r));
        },
        writable: true,
        configurable: true,
      });
    }
  }
}
