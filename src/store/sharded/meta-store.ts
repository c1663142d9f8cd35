// A MetaStore sharded by bucket over any per-shard MetaStore (on Workers: one SQLite Durable
// Object per shard, docs/workers-design.md). Each bucket's record, configs, objects, uploads
// and its own chunk registry live in the shard `bucket:<name>`, so a hot bucket serialises
// only itself; the `catalog` shard holds the bucket list (ListBuckets, name uniqueness).
// Chunk calls route by their session, which names its bucket (store/session.ts). Single-shard
// calls are routed by the table in meta-methods.ts; the rest are written out below.
import { DONE, refused, type MetaStore, type OutboxTargetStats, type PendingEvent } from "../types.ts";
import { bucketShardName, CATALOG_SHARD, META_STORE_METHODS, type CustomMethod } from "./meta-methods.ts";

export { bucketShardName, CATALOG_SHARD } from "./meta-methods.ts";

type Call = (...args: unknown[]) => Promise<unknown>;

/** `open(name)` returns the shard of that name; it is called per operation, so it should be cheap. */
export function createShardedMetaStore(open: (shard: string) => MetaStore): MetaStore {
  const forBucket = (bucket: string) => open(bucketShardName(bucket));
  const catalog = () => open(CATALOG_SHARD);
  /** Every listed bucket's shard: for whole-store maintenance (metrics, manual GC), not the request path. */
  const allShards = async () => (await catalog().listBuckets()).map((b) => forBucket(b.name));

  const routed: Record<string, Call> = {};
  for (const [name, spec] of Object.entries(META_STORE_METHODS)) {
    if (spec.shard === "custom") continue;
    const shardOf = spec.shard as (args: unknown[]) => string;
    routed[name] = (...args) => (open(shardOf(args)) as unknown as Record<string, Call>)[name](...args);
  }

  const custom: Pick<MetaStore, CustomMethod> = {
    // The catalog decides whether a name is taken; the bucket's own shard is then created
    // (again, harmlessly, after a create that failed half way), so both agree in the end.
    async createBucket(b) {
      const result = await catalog().createBucket(b);
      const rec = result.ok ? b : await catalog().getBucket(b.name);
      await forBucket(b.name).createBucket(rec ?? b);
      return result;
    },
    // The shard checks emptiness in its own transaction; only then does the name leave the catalog.
    async deleteBucket(name) {
      const result = await forBucket(name).deleteBucket(name);
      if (!result.ok && result.reason === "BucketNotEmpty") return result;
      const listed = await catalog().deleteBucket(name);
      return result.ok || listed.ok ? DONE : refused("NoSuchBucket");
    },

    // Shards may also collect their own garbage (Workers: from each object's alarm). At most
    // `limit` in all, as for one store: shards past it wait for the caller's next pass.
    async collectGarbage(opts) {
      const ids: string[] = [];
      for (const s of await allShards()) {
        if (ids.length >= opts.limit) break;
        ids.push(...(await s.collectGarbage({ ...opts, limit: opts.limit - ids.length })));
      }
      return ids;
    },
    // Blob ids do not name their shard: each shard forgets the tombstones it holds.
    async dropTombstones(blobIds) {
      for (const s of await allShards()) await s.dropTombstones(blobIds);
    },
    /** Unnamed only if no shard names it. */
    async unnamedBlobs(blobIds) {
      let left = blobIds;
      for (const s of await allShards()) {
        if (!left.length) break;
        left = await s.unnamedBlobs(left);
      }
      return left;
    },
    async countChunks() {
      let n = 0;
      for (const s of await allShards()) n += await s.countChunks();
      return n;
    },
    // A merge of every shard's page, cut after the limit-th hash. Each shard holds a hash at most
    // once and returned `limit` rows if it has more, so no shard has an unseen row before the cut.
    async listChunks(opts) {
      const rows = (await Promise.all((await allShards()).map((s) => s.listChunks(opts)))).flat();
      rows.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
      if (rows.length <= opts.limit) return rows;
      const cut = rows[opts.limit - 1].hash;
      return rows.filter((r) => r.hash <= cut);
    },

    // Each bucket's outbox lives in its shard (Workers: the shard relays it to the Queue itself).
    async leaseEvents(opts) {
      const out = [];
      for (const s of await allShards()) {
        if (out.length >= opts.limit) break;
        out.push(...(await s.leaseEvents({ ...opts, limit: opts.limit - out.length })));
      }
      return out;
    },
    async countEvents() {
      const out: Record<string, number> = {};
      for (const s of await allShards()) for (const [t, n] of Object.entries(await s.countEvents())) out[t] = (out[t] ?? 0) + n;
      return out;
    },
    // Read-only views for the admin API: each shard's stats summed; pages bucket by bucket.
    async statEvents(opts) {
      const out: Record<string, OutboxTargetStats> = {};
      for (const s of await allShards()) {
        for (const [t, x] of Object.entries(await s.statEvents(opts))) {
          const o = out[t];
          out[t] = !o ? x : {
            entries: o.entries + x.entries, size: o.size + x.size, leased: o.leased + x.leased,
            oldest: o.oldest === null ? x.oldest : x.oldest === null ? o.oldest : Math.min(o.oldest, x.oldest),
          };
        }
      }
      return out;
    },
    // The cursor is `<bucket>/<the shard's cursor>` (bucket names have no '/'): commit order
    // within a bucket, buckets in name order; "" after the '/' starts that bucket.
    async peekEvents({ target, limit, after }) {
      const cut = after ? after.indexOf("/") : -1;
      const fromBucket = cut >= 0 ? after!.slice(0, cut) : "";
      const names = (await catalog().listBuckets()).map((b) => b.name).sort().filter((n) => n >= fromBucket);
      const events: PendingEvent[] = [];
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        const page = await forBucket(name).peekEvents({ target, limit: limit - events.length, after: name === fromBucket && cut >= 0 ? after!.slice(cut + 1) : undefined });
        events.push(...page.events);
        if (page.next !== undefined) return { events, next: `${name}/${page.next}` };
        if (events.length >= limit) return i + 1 < names.length ? { events, next: `${names[i + 1]}/` } : { events };
      }
      return { events };
    },
  };
  return { ...(routed as unknown as Omit<MetaStore, CustomMethod>), ...custom };
}
