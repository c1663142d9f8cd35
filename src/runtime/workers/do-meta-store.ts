// The Worker's side of the MetaStore: the bucket-sharded store (src/store/sharded) over
// MetaShard Durable Objects, one RPC per call.
import type { MetaStore } from "../../store/types.ts";
import { createShardedMetaStore } from "../../store/sharded/meta-store.ts";
import { META_STORE_METHOD_NAMES } from "../../store/sharded/meta-methods.ts";
import { S3Error } from "../../xml/errors.ts";
import type { MetaShard } from "./meta-shard.ts";

/**
 * An object whose request queue is full answers with `overloaded`: that is S3's 503 SlowDown,
 * which clients back off and retry. Other failures stay InternalError (logged by the app);
 * nothing is retried here, as a call may have committed before its reply was lost.
 */
export function mapRpcError(e: unknown): never {
  if (e instanceof Error && (e as { overloaded?: boolean }).overloaded) throw new S3Error("SlowDown", { cause: e });
  throw e;
}

/** The stub's methods, one per row of the MetaStore's method table, each mapping RPC errors. */
function guarded(store: MetaStore): MetaStore {
  const calls = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const out: Record<string, unknown> = {};
  for (const name of META_STORE_METHOD_NAMES) out[name] = (...args: unknown[]) => calls[name](...args).catch(mapRpcError);
  return out as unknown as MetaStore;
}

/** `shardPrefix` prefixes every shard's name: the contract tests give each case a store of its own. */
export function createDoMetaStore(ns: DurableObjectNamespace<MetaShard>, shardPrefix = ""): MetaStore {
  // A stub per call: stubs are cheap, and one never outlives the request that made it.
  return guarded(createShardedMetaStore((name) => ns.get(ns.idFromName(shardPrefix + name)) as unknown as MetaStore));
}
