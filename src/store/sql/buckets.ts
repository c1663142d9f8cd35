// Buckets and their configurations (buckets, bucket_configs).
import { DONE, refused, type MetaStore } from "../types.ts";
import { rowToBucket } from "./rows.ts";
import type { SqlTables } from "./tables.ts";

export type BucketMethods = Pick<MetaStore,
  "createBucket" | "getBucket" | "listBuckets" | "deleteBucket" | "getBucketState" | "getBucketConfig" | "putBucketConfig">;

export function sqlBuckets({ db, bucketExists, abortUploadTx }: SqlTables): BucketMethods {
  return {
    async createBucket(b) {
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
      return db.transaction(() => {
        if (!bucketExists(name)) return refused("NoSuchBucket");
        if (db.all("SELECT 1 AS x FROM objects WHERE bucket = ? LIMIT 1", [name]).length) return refused("BucketNotEmpty");
        for (const u of db.all("SELECT upload_id FROM uploads WHERE bucket = ?", [name])) abortUploadTx(u.upload_id as string);
        db.run("DELETE FROM bucket_configs WHERE bucket = ?", [name]);
        db.run("DELETE FROM buckets WHERE name = ?", [name]);
        return DONE;
      });
    },
    async getBucketState(name) {
      const r = db.all("SELECT * FROM buckets WHERE name = ?", [name])[0];
      if (!r) return null;
      const configs: Record<string, string> = {};
      for (const c of db.all("SELECT kind, value FROM bucket_configs WHERE bucket = ?", [name])) configs[c.kind as string] = c.value as string;
      return { bucket: rowToBucket(r), configs };
    },
    async getBucketConfig(bucket, kind) {
      const r = db.all("SELECT value FROM bucket_configs WHERE bucket = ? AND kind = ?", [bucket, kind])[0];
      return r ? (r.value as string) : null;
    },
    async putBucketConfig(bucket, kind, value) {
      return db.transaction(() => {
        if (!bucketExists(bucket)) return refused("NoSuchBucket");
        if (value === null) db.run("DELETE FROM bucket_configs WHERE bucket = ? AND kind = ?", [bucket, kind]);
        else db.run("INSERT OR REPLACE INTO bucket_configs (bucket, kind, value) VALUES (?,?,?)", [bucket, kind, value]);
        return DONE;
      });
    },
  };
}
