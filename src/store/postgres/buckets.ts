// Buckets and their configurations (buckets, bucket_configs). No in-process cache of bucket
// state, unlike sql/buckets.ts: that one is sound only because its store owns its database;
// here other nodes change buckets and configs, so every request reads them (one statement).
import { DONE, refused, type BucketState, type MetaStore } from "../types.ts";
import { rowToBucket } from "../sql/rows.ts";
import { abortUploadTx, lockBucket, transaction, type Pg } from "./tx.ts";

export type BucketMethods = Pick<MetaStore,
  "createBucket" | "getBucket" | "listBuckets" | "deleteBucket" | "getBucketState" | "getBucketConfig" | "putBucketConfig">;

export function pgBuckets(sql: Pg): BucketMethods {
  return {
    async createBucket(b) {
      const made = await sql`INSERT INTO buckets (name, owner, region, created) VALUES (${b.name}, ${b.owner}, ${b.region}, ${b.created})
        ON CONFLICT (name) DO NOTHING RETURNING name`;
      return made.length ? DONE : refused("BucketAlreadyExists");
    },
    async getBucket(name) {
      const r = (await sql`SELECT * FROM buckets WHERE name = ${name}`)[0];
      return r ? rowToBucket(r) : null;
    },
    async listBuckets() {
      return (await sql`SELECT * FROM buckets ORDER BY name`).map(rowToBucket);
    },
    async deleteBucket(name) {
      return transaction(sql, async (tx) => {
        // FOR UPDATE waits for the writes in flight into the bucket (they hold it FOR KEY SHARE)
        // and keeps new ones out until the bucket is gone.
        if (!(await tx`SELECT 1 AS x FROM buckets WHERE name = ${name} FOR UPDATE`).length) return refused("NoSuchBucket");
        // Any version or delete marker keeps the bucket (S3); a key with versions always has a current one.
        if ((await tx`SELECT 1 AS x FROM objects WHERE bucket = ${name} LIMIT 1`).length) return refused("BucketNotEmpty");
        for (const u of await tx`SELECT upload_id FROM uploads WHERE bucket = ${name}`) await abortUploadTx(tx, u.upload_id as string);
        await tx`DELETE FROM bucket_configs WHERE bucket = ${name}`;
        await tx`DELETE FROM buckets WHERE name = ${name}`;
        return DONE;
      });
    },
    async getBucketState(name) {
      // One statement, one snapshot: the bucket and every config as of the same moment.
      const r = (await sql`SELECT b.*, (SELECT json_object_agg(kind, value) FROM bucket_configs c WHERE c.bucket = b.name)::text AS configs
        FROM buckets b WHERE b.name = ${name}`)[0];
      if (!r) return null;
      const state: BucketState = { bucket: rowToBucket(r), configs: r.configs ? (JSON.parse(r.configs as string) as Record<string, string>) : {} };
      return state;
    },
    async getBucketConfig(bucket, kind) {
      const r = (await sql`SELECT value FROM bucket_configs WHERE bucket = ${bucket} AND kind = ${kind}`)[0];
      return r ? (r.value as string) : null;
    },
    async putBucketConfig(bucket, kind, value) {
      return transaction(sql, async (tx) => {
        if (!(await lockBucket(tx, bucket))) return refused("NoSuchBucket");
        if (value === null) await tx`DELETE FROM bucket_configs WHERE bucket = ${bucket} AND kind = ${kind}`;
        else {
          await tx`INSERT INTO bucket_configs (bucket, kind, value) VALUES (${bucket}, ${kind}, ${value})
            ON CONFLICT (bucket, kind) DO UPDATE SET value = excluded.value`;
        }
        return DONE;
      });
    },
  };
}
