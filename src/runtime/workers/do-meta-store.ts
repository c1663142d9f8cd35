// The Worker's side of the MetaStore: each call is one RPC to a MetaShard Durable Object.
// Sharding (docs/workers-design.md): every bucket's metadata — its record, configs, objects,
// uploads and its own chunk registry — lives in the object named `bucket:<name>`, so a hot
// bucket serialises only itself. A catalog object holds the bucket list for ListBuckets and
// global name uniqueness. Chunk calls route by their session, which names its bucket.
import type { MetaStore } from "../../store/types.ts";
import { sessionBucket } from "../../store/session.ts";
import { S3Error } from "../../xml/errors.ts";
import type { MetaShard } from "./meta-shard.ts";

export const CATALOG_SHARD = "catalog";
export const bucketShardName = (bucket: string) => `bucket:${bucket}`;

/**
 * An object whose request queue is full answers with `overloaded`: that is S3's 503 SlowDown,
 * which clients back off and retry. Other failures stay InternalError (logged by the app);
 * nothing is retried here, as a call may have committed before its reply was lost.
 */
function mapRpcError(e: unknown): never {
  if (e instanceof Error && (e as { overloaded?: boolean }).overloaded) throw new S3Error("SlowDown", { cause: e });
  throw e;
}

function guarded(store: MetaStore): MetaStore {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(store) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    out[name] = (...args: unknown[]) => fn(...args).catch(mapRpcError);
  }
  return out as unknown as MetaStore;
}

export function createDoMetaStore(ns: DurableObjectNamespace<MetaShard>): MetaStore {
  // A stub per call: stubs are cheap, and one never outlives the request that made it.
  const shard = (name: string) => ns.get(ns.idFromName(name)) as unknown as MetaStore;
  const forBucket = (bucket: string) => shard(bucketShardName(bucket));
  const forSession = (session: string) => forBucket(sessionBucket(session));
  const catalog = () => shard(CATALOG_SHARD);
  /** Every bucket's shard: for whole-store maintenance (metrics, manual GC), not the request path. */
  const allShards = async () => (await catalog().listBuckets()).map((b) => forBucket(b.name));

  return guarded({
    // The catalog decides whether a name is taken; the bucket's own shard is then created
    // (again, harmlessly, after a create that failed half way), so both always agree in the end.
    async createBucket(b) {
      const result = await catalog().createBucket(b);
      const rec = result === "exists" ? await catalog().getBucket(b.name) : b;
      await forBucket(b.name).createBucket(rec ?? b);
      return result;
    },
    getBucket: (name) => forBucket(name).getBucket(name),
    listBuckets: () => catalog().listBuckets(),
    // The shard checks emptiness atomically; only then does the name leave the catalog.
    async deleteBucket(name) {
      const result = await forBucket(name).deleteBucket(name);
      if (result === "notEmpty") return result;
      const listed = await catalog().deleteBucket(name);
      return result === "deleted" || listed === "deleted" ? "deleted" : "missing";
    },
    getBucketConfig: (bucket, kind) => forBucket(bucket).getBucketConfig(bucket, kind),
    putBucketConfig: (bucket, kind, value) => forBucket(bucket).putBucketConfig(bucket, kind, value),

    getObject: (bucket, key) => forBucket(bucket).getObject(bucket, key),
    putObject: (obj, opts) => forBucket(obj.bucket).putObject(obj, opts),
    deleteObject: (bucket, key) => forBucket(bucket).deleteObject(bucket, key),
    updateObjectTags: (bucket, key, tags) => forBucket(bucket).updateObjectTags(bucket, key, tags),
    listObjects: (bucket, opts) => forBucket(bucket).listObjects(bucket, opts),

    createUpload: (u) => forBucket(u.bucket).createUpload(u),
    getUpload: (bucket, uploadId) => forBucket(bucket).getUpload(bucket, uploadId),
    putPart: (bucket, p, opts) => forBucket(bucket).putPart(bucket, p, opts),
    listParts: (bucket, uploadId, opts) => forBucket(bucket).listParts(bucket, uploadId, opts),
    completeUpload: (uploadId, obj, cond) => forBucket(obj.bucket).completeUpload(uploadId, obj, cond),
    abortUpload: (bucket, uploadId) => forBucket(bucket).abortUpload(bucket, uploadId),
    listUploads: (bucket, opts) => forBucket(bucket).listUploads(bucket, opts),

    acquireChunk: (session, hash) => forSession(session).acquireChunk(session, hash),
    registerChunk: (session, hash, blobId, size) => forSession(session).registerChunk(session, hash, blobId, size),
    releaseSession: (session) => forSession(session).releaseSession(session),
    // Each shard also collects its own garbage from its alarm; these walk the listed buckets.
    async collectGarbage(opts) {
      const ids: string[] = [];
      for (const s of await allShards()) ids.push(...(await s.collectGarbage(opts)));
      return ids;
    },
    async countChunks() {
      let n = 0;
      for (const s of await allShards()) n += await s.countChunks();
      return n;
    },
  });
}
