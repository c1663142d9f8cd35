// Builds Deps from the Worker's bindings: R2 chunks, the MetaShard Durable Object, DigestStream.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Deps, Logger } from "../../deps.ts";
import { configFromEnv, type WorkersEnv } from "./env.ts";
import { createR2BlobStore } from "./r2-blob-store.ts";
import { createDoMetaStore } from "./do-meta-store.ts";
import { workersHasher } from "./hasher.ts";

/** One JSON line per record: Workers Logs / `wrangler tail` index the fields. */
export const jsonLogger: Logger = {
  info: (msg, fields) => console.log(JSON.stringify({ level: "info", msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: "warn", msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: "error", msg, ...fields })),
};

/**
 * Deps live for the isolate, but waitUntil belongs to one request: the request's
 * ExecutionContext travels in async context (compatibility flag nodejs_als).
 */
const requestContext = new AsyncLocalStorage<ExecutionContext>();

export function withExecutionContext<T>(ctx: ExecutionContext, fn: () => T): T {
  return requestContext.run(ctx, fn);
}

export function createWorkersDeps(env: WorkersEnv, log: Logger = jsonLogger): Deps {
  const config = configFromEnv(env);
  return {
    blobs: createR2BlobStore(env.CHUNKS),
    meta: createDoMetaStore(env.META),
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
