// Builds Deps from the Worker's bindings: R2 chunks, the MetaShard and IamShard Durable Objects, DigestStream.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Deps, Logger } from "../../deps.ts";
import { configFromEnv, type WorkersEnv } from "./env.ts";
import { workersBlobStore } from "./blob-store.ts";
import { createDoMetaStore } from "./do-meta-store.ts";
import { workersHasher } from "./hasher.ts";
import { createDoIamStore } from "./do-iam-store.ts";
import type { KmsKeyStore } from "../../sse/key-store.ts";
import { createTargetRegistry, type TargetRegistry } from "../../events/target-registry.ts";
import { targetsFromEnv } from "../../events/targets.ts";
import { targetRefusal, type TargetDrivers } from "../../events/targets/drivers.ts";
import { createPostgresSender } from "../../events/targets/postgres.ts";
import { ConfigError } from "../../config-error.ts";
import { sqsQueueDriver, withSqsQueues } from "../../events/sqs-targets.ts";
import { createDoListen } from "./do-listen.ts";
import { createTargetStats, type TargetStats } from "../../events/targets-stats.ts";
import { loggerFor } from "./logger.ts";

/**
 * PostgreSQL only: postgres.js reaches it through cloudflare:sockets (its workerd build, which
 * needs the nodejs_compat flag). Redis, MySQL, AMQP and Kafka need clients that open node:net sockets,
 * so those targets are refused when configured (the 503 names them), never failed at delivery.
 */
export const WORKERS_TARGET_DRIVERS: TargetDrivers = { postgresql: createPostgresSender };


/**
 * Deps live for the isolate, but waitUntil belongs to one request: the request's
 * ExecutionContext travels in async context (compatibility flag nodejs_als).
 */
const requestContext = new AsyncLocalStorage<ExecutionContext>();

export function withExecutionContext<T>(ctx: ExecutionContext, fn: () => T): T {
  return requestContext.run(ctx, fn);
}

/**
 * The isolate's one TargetRegistry (the gateway and the Queue consumer share its cache): env
 * targets from the vars, stored ones in the IamShard. Without the EVENTS queue nothing could be
 * delivered, so a target is then refused when it is added, not lost at delivery.
 */
const registries = new WeakMap<WorkersEnv, TargetRegistry>();
export function workersTargets(env: WorkersEnv): TargetRegistry {
  let r = registries.get(env);
  if (!r) {
    // The SQS queues (in the IamShard too) resolve as `<name>:sqs` targets (events/sqs-targets.ts).
    r = withSqsQueues(createTargetRegistry({
      env: targetsFromEnv(env as unknown as Record<string, unknown>),
      store: createDoIamStore(env.IAM),
      now: () => Date.now(),
      accept: (t) => targetRefusal(t, WORKERS_TARGET_DRIVERS, "Workers")
        ?? (env.EVENTS ? null : "notifications need the EVENTS queue binding (wrangler.toml [[queues.producers]])"),
    }), createDoIamStore(env.IAM), () => Date.now());
    registries.set(env, r);
  }
  return r;
}

/** The isolate's delivery counters: the Queue consumer counts, /metrics in the same isolate reads. */
const notifyStats = new WeakMap<WorkersEnv, TargetStats>();
export function workersNotifyStats(env: WorkersEnv): TargetStats {
  let s = notifyStats.get(env);
  if (!s) notifyStats.set(env, (s = createTargetStats()));
  return s;
}

/** The isolate's one key-ring store (the IamShard's), so the key ring's cache of unwrapped keys lasts across requests. */
const kmsKeyStores = new WeakMap<WorkersEnv, KmsKeyStore>();
function workersKmsKeys(env: WorkersEnv): KmsKeyStore {
  let s = kmsKeyStores.get(env);
  if (!s) kmsKeyStores.set(env, (s = createDoIamStore(env.IAM)));
  return s;
}

export function createWorkersDeps(env: WorkersEnv, log: Logger = loggerFor(env)): Deps {
  const config = configFromEnv(env);
  const refused = Object.values(config.notifyTargets).map((t) => targetRefusal(t, WORKERS_TARGET_DRIVERS, "Workers")).filter((r) => r !== null);
  if (refused.length) throw new ConfigError(refused.join("\n"));
  const meta = createDoMetaStore(env.META);
  return {
    blobs: workersBlobStore(env),
    sharedStores: true,
    meta,
    iam: createDoIamStore(env.IAM),
    targets: workersTargets(env),
    targetDrivers: WORKERS_TARGET_DRIVERS,
    queues: createDoIamStore(env.IAM),
    kmsKeys: workersKmsKeys(env),
    ...(env.LISTEN ? { listen: createDoListen(env.LISTEN, meta) } : {}),
    notifyStats: workersNotifyStats(env),
    hasher: workersHasher,
    clock: { now: () => Date.now() },
    config,
    log,
    background(task) {
      const guarded = task.catch((e) => log.error("background task failed", { error: String(e) }));
      requestContext.getStore()?.waitUntil(guarded);
    },
  };
}

/** The Queue consumer's drivers: the socket ones, and the gateway's own SQS queues in the IamShard. */
export function workersDeliveryDrivers(env: WorkersEnv): TargetDrivers {
  return { ...WORKERS_TARGET_DRIVERS, sqs: sqsQueueDriver(createDoIamStore(env.IAM), workersHasher, () => Date.now()) };
}
