// The bucket or object a request names, or the S3 error for its absence.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "./context.ts";
import type { ObjectRecord } from "../store/types.ts";

export async function requireBucket(ctx: ReqCtx) {
  const b = ctx.bucketState?.bucket ?? (await ctx.deps.meta.getBucket(ctx.bucket));
  if (!b) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  return b;
}

export async function requireObject(ctx: ReqCtx, bucket = ctx.bucket, key = ctx.key): Promise<ObjectRecord> {
  const obj = await ctx.deps.meta.getObject(bucket, key);
  if (obj) return obj;
  const exists = bucket === ctx.bucket && ctx.bucketState ? true : !!(await ctx.deps.meta.getBucket(bucket));
  if (!exists) throw new S3Error("NoSuchBucket", { extra: { BucketName: bucket } });
  throw new S3Error("NoSuchKey", { extra: { Key: key } });
}
