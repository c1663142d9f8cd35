// Where the roots of sealed chunks come from (docs/encryption.md):
// - SSE-S3 and SSE-KMS: the bucket key, 32 random bytes per bucket, wrapped by the master key
//   (S3EDGE_KMS_SECRET_KEY) and bound to the bucket's name; kept as a bucket configuration and,
//   wrapped, in every object it sealed, so an object opens by its own record alone.
// - SSE-C: HMAC(customer key, "sse-c object" ‖ salt) with a random salt per object (per upload);
//   the key itself is never stored, only HMAC(customer key, "sse-c check" ‖ salt) to tell a
//   wrong key (AccessDenied) from damaged data.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "../s3/context.ts";
import type { Config } from "../config.ts";
import { fromBase64, toBase64 } from "../util/hash.ts";
import { derive, unwrapKey, wrapKey } from "./crypto.ts";
import { resolveKey, type NamedKey } from "./key-ring.ts";

/**
 * Bucket configuration kind holding a bucket key: JSON { keyId, wrapped } (never answered by any
 * API). `sse-bucket-key` for the one wrapped by the master key (SSE-S3, and SSE-KMS naming the
 * master key); `sse-bucket-key:NAME` for SSE-KMS under the created key NAME, wrapped by it, so
 * objects under different key ids never share a data key.
 */
export const BUCKET_KEY_CONFIG = "sse-bucket-key";
export const bucketKeyConfig = (kmsKeyId: string | undefined) => (kmsKeyId === undefined ? BUCKET_KEY_CONFIG : `${BUCKET_KEY_CONFIG}:${kmsKeyId}`);

type Master = NonNullable<Config["kmsSecretKey"]>;

export const bucketContext = (bucket: string) => `s3edge bucket key\0${bucket}`;

/** The master key, or the answer MinIO gives when no KMS is configured. */
export function masterKey(ctx: Pick<ReqCtx, "deps">): Master {
  const m = ctx.deps.config.kmsSecretKey;
  if (!m) throw new S3Error("NotImplemented", { message: "Server side encryption specified but KMS is not configured" });
  return m;
}

/** `name`, `arn:aws:kms:name` or an AWS-style `…:key/name`: the key's name. */
export function kmsKeyName(id: string): string {
  const s = id.trim().replace(/^arn:aws:kms:/, "");
  const i = s.lastIndexOf("key/");
  return i >= 0 && s.includes(":") ? s.slice(i + 4) : s;
}

/**
 * The bucket's key under `wrapping` (the master key, or a created KMS key: `named`), created on
 * first use, and its wrapped form with the id of the key that wrapped it. One wrapped by a
 * former master key (a rotation not run yet) is re-wrapped under the current one.
 */
export async function bucketKey(ctx: ReqCtx, wrapping: NamedKey, named = false): Promise<{ key: Uint8Array; wrapped: string; keyId: string }> {
  const kind = bucketKeyConfig(named ? wrapping.id : undefined);
  const raw = ctx.bucketState?.configs[kind] ?? await ctx.deps.meta.getBucketConfig(ctx.bucket, kind);
  if (raw) {
    const stored = JSON.parse(raw) as { keyId: string; wrapped: string };
    const bytes = fromBase64(stored.wrapped);
    const under = stored.keyId === wrapping.id ? wrapping.key : named ? null : await resolveKey(ctx.deps, stored.keyId);
    const key = under && bytes ? await unwrapKey(under, bytes, bucketContext(ctx.bucket)) : null;
    if (key && stored.keyId === wrapping.id) return { key, wrapped: stored.wrapped, keyId: stored.keyId };
    if (key) {
      // Wrapped by a former master key (a rotation not run yet): re-wrapped now, the same bytes,
      // so writers racing here store equivalent configurations.
      const wrapped = toBase64(await wrapKey(wrapping.key, key, bucketContext(ctx.bucket)));
      await ctx.deps.meta.putBucketConfig(ctx.bucket, kind, JSON.stringify({ keyId: wrapping.id, wrapped }));
      return { key, wrapped, keyId: wrapping.id };
    }
    // Wrapped by a key no longer known: objects keep their own copy; new ones get a new bucket key.
  }
  // Two first writers may race: each object records the key it used, so both stay readable
  // and only their chunks do not dedup with each other.
  const key = crypto.getRandomValues(new Uint8Array(32));
  const wrapped = toBase64(await wrapKey(wrapping.key, key, bucketContext(ctx.bucket)));
  const res = await ctx.deps.meta.putBucketConfig(ctx.bucket, kind, JSON.stringify({ keyId: wrapping.id, wrapped }));
  if (!res.ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  return { key, wrapped, keyId: wrapping.id };
}

/** Unwraps the bucket key an object (or upload) of `bucket` recorded; a fault when it cannot. */
export async function recordedBucketKey(ctx: Pick<ReqCtx, "deps">, bucket: string, keyId: string | undefined, wrapped: string | undefined): Promise<Uint8Array> {
  if (!ctx.deps.config.kmsSecretKey) throw new S3Error("NotImplemented", { message: "KMS not configured for a server side encrypted object" });
  const bytes = wrapped ? fromBase64(wrapped) : null;
  const under = keyId ? await resolveKey(ctx.deps, keyId) : null;
  const key = under && bytes ? await unwrapKey(under, bytes, bucketContext(bucket)) : null;
  if (!key) {
    ctx.deps.log.error("sse: an object's key does not unwrap under any key of the key ring", { bucket, keyId, master: ctx.deps.config.kmsSecretKey.id });
    throw new S3Error("InternalError", { message: "The object's encryption key is not available" });
  }
  return key;
}

/** An object's root under its SSE-KMS encryption context (the context's bytes as sent): another context opens nothing. */
export const contextRoot = (bucketKey: Uint8Array, context: string | undefined) =>
  context === undefined ? Promise.resolve(bucketKey) : derive(bucketKey, "encryption context", new TextEncoder().encode(context));

export const ssecRoot = (customerKey: Uint8Array, salt: Uint8Array) => derive(customerKey, "sse-c object", salt);
export const ssecCheck = (customerKey: Uint8Array, salt: Uint8Array) => derive(customerKey, "sse-c check", salt);
