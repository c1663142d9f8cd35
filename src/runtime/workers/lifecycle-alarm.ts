// Lifecycle on Workers: each bucket shard (a MetaShard Durable Object) sweeps its own bucket
// from its alarm, every S3EDGE_LIFECYCLE_INTERVAL (default 1h) while the bucket has a lifecycle
// configuration. The alarm is shared with GC and the event relay (meta-shard.ts): this file
// only says when the next pass is due and runs it when it is.
import type { MetaStore } from "../../store/types.ts";
import { sweepLifecycle } from "../../s3/lifecycle-sweep.ts";
import { LIFECYCLE_CONFIG } from "../../s3/lifecycle-rules.ts";
import { DEFAULT_CONFIG, type Config } from "../../config.ts";
import { configFromEnv, type WorkersEnv } from "./env.ts";
import { workersTargets } from "./deps.ts";
import { jsonLogger } from "./logger.ts";

/** When the next pass is due (ms since epoch), in the object's storage. */
const NEXT_PASS = "lifecycle:next";
/** The first pass after a configuration is stored: soon, not within the request. */
const FIRST_PASS_MS = 10_000;

export const isLifecyclePut = (method: string, args: unknown[]) =>
  method === "putBucketConfig" && args[1] === LIFECYCLE_CONFIG && args[2] !== null;

/** Sets the alarm for `at` unless an earlier one is set (GC's, or an earlier pass). */
async function alarmBy(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}

/** After a lifecycle configuration was stored: a pass soon (it is due at once when it runs). */
export async function armLifecycle(storage: DurableObjectStorage, env: WorkersEnv, now: number): Promise<void> {
  const every = configOf(env).lifecycleIntervalMs;
  if (!every) return;
  await storage.delete(NEXT_PASS);
  await alarmBy(storage, now + Math.min(FIRST_PASS_MS, every));
}

function configOf(env: WorkersEnv): Config {
  try {
    return configFromEnv(env);
  } catch {
    return DEFAULT_CONFIG; // a misconfigured Worker answers 503 to requests; rules still apply
  }
}

/**
 * From the alarm: runs a pass when one is due, and returns when the next is (null: this shard
 * has no bucket with lifecycle rules, or sweeps are off). The sweep's deletes write the outbox;
 * the alarm's relay, which runs after this, hands the events on.
 */
export async function lifecycleAlarm(storage: DurableObjectStorage, store: MetaStore, env: WorkersEnv, now: number): Promise<number | null> {
  const config = configOf(env);
  if (!config.lifecycleIntervalMs) return null;
  const buckets: string[] = [];
  for (const b of await store.listBuckets()) if (await store.getBucketConfig(b.name, LIFECYCLE_CONFIG)) buckets.push(b.name);
  if (!buckets.length) {
    await storage.delete(NEXT_PASS);
    return null;
  }
  const due = (await storage.get<number>(NEXT_PASS)) ?? now;
  if (due > now) return due;
  const r = await sweepLifecycle({ meta: store, targets: workersTargets(env), config, log: jsonLogger }, { now, buckets });
  if (r.expired + r.noncurrent + r.markers + r.aborted > 0) jsonLogger.info("lifecycle sweep", { ...r });
  // Out of budget: go on shortly, letting requests in between.
  const next = now + (r.more ? 1000 : config.lifecycleIntervalMs);
  await storage.put(NEXT_PASS, next);
  return next;
}
