// Buckets and their configurations (buckets, bucket_configs).
import { DONE, refused, type BucketState, type MetaStore } from "../types.ts";
import { rowToBucket } from "./rows.ts";
import type { SqlTables } from "./tables.ts";

export type BucketMethods = Pick<MetaStore,
  "createBucket" | "getBucket" | "listBuckets" | "deleteBucket" | "getBucketState" | "getBucketConfig" | "putBucketConfig">;

// Every request of a bucket reads its state first, and it changes only through the three writes
// below: kept in memory, dropped by each of them. Sound because this store owns its database
// (one process on Bun, the Durable Object on Workers: SQLite there is single-writer and these
// calls are synchronous); a store shared by several nodes (Postgres) must not do this. Several
// Bun processes on one database (--workers) give the driver a `dataVersion`: it moves when
// another process committed anything, and the whole cache is dropped then (one cheap PRAGMA per
// lookup; a single process has no dataVersion and runs no extra statement).
const STATE_CACHE_MAX = 1024;

export function sqlBuckets({ db, bucketExists, abortUploadTx }: SqlTables): BucketMethods {
  const states = new Map<string, BucketState | null>();
  const changed = (name: string) => { states.delete(name); };
  let seen = db.dataVersion?.();
  const fresh = db.dataVersion && (() => {
    const v = db.dataVersion!();
    if (v !== seen) { seen = v; states.clear(); }
  });
  return {
    async createBucket(b) {
      changed(b.name);
      return db.transaction(() => {
        if (bucketExists(b.name)) return refused("BucketAlreadyExists");
        db.run("INSERT INTO buckets (name, owner, region, created) VALUES (?,?,?,?)", [b.name, b.owner, b.region, b.created]);
        return DONE;
      });
    },
    async getBucket(name) {
      const r = db.all("SELECT * FROM buckets WHERE name = ?", [name])[0];
      return r ? rowToBucket(r) : null;
    },
    async listBuckets() {
      return db.all("SELECT * FROM buckets ORDER BY name").map(rowToBucket);
    },
    async deleteBucket(name) {
      changed(name);
      return db.transaction(() => {
        if (!bucketExists(name)) return refused("NoSuchBucket");
        // Any version or delete marker keeps the bucket (S3); a key with versions always has a current one.
        if (db.all("SELECT 1 AS x FROM objects WHERE bucket = ? UNION ALL SELECT 1 FROM object_versions WHERE bucket = ? LIMIT 1", [name, name]).length) {
          return refused("BucketNotEmpty");
        }
        for (const u of db.all("SELECT upload_id FROM uploads WHERE bucket = ?", [name])) abortUploadTx(u.upload_id as string);
        db.run("DELETE FROM bucket_configs WHERE bucket = ?", [name]);
        db.run("DELETE FROM buckets WHERE name = ?", [name]);
        return DONE;
      });
    },
    async getBucketState(name) {
      fresh?.();
      const known = states.get(name);
      if (known !== undefined) return known;
      const r = db.all("SELECT * FROM buckets WHERE name = ?", [name])[0];
      // A missing bucket is not remembered: a name never created would grow the map for nothing.
      if (!r) return null;
      const configs: Record<string, string> = {};
      for (const c of db.all("SELECT kind, value FROM bucket_configs WHERE bucket = ?", [name])) configs[c.kind as string] = c.value as string;
      const state: BucketState = Object.freeze({ bucket: Object.freeze(rowToBucket(r)), configs: Object.freeze(configs) });
      if (states.size >= STATE_CACHE_MAX) states.clear();
      states.set(name, state);
      return state;
    },
    async getBucketConfig(bucket, kind) {
      const r = db.all("SELECT value FROM bucket_configs WHERE bucket = ? AND kind = ?", [bucket, kind])[0];
      return r ? (r.value as string) : null;
    },
    async putBucketConfig(bucket, kind, value) {
      changed(bucket);
      return db.transaction(() => {
        if (!bucketExists(bucket)) return refused("NoSuchBucket");
        if (value === null) db.run("DELETE FROM bucket_configs WHERE bucket = ? AND kind = ?", [bucket, kind]);
        else db.run("INSERT OR REPLACE INTO bucket_configs (bucket, kind, value) VALUES (?,?,?)", [bucket, kind, value]);
        return DONE;
      });
    },
  };
}
