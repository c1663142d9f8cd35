// Get/Put/DeleteBucketLifecycleConfiguration. The stored rules are applied by the background
// sweep (lifecycle-sweep.ts): on Bun an interval, on Workers each bucket shard's alarm.
import { S3Error } from "../xml/errors.ts";
import { parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { verifiedBody } from "./cors-handlers.ts";
import { lifecycleXmlBody, parseLifecycleConfig, readLifecycleConfig } from "./lifecycle-config.ts";
import { LIFECYCLE_CONFIG } from "./lifecycle-rules.ts";

/** 1,000 rules of a few hundred bytes each; S3 has no published cap on the document. */
const LIFECYCLE_BODY_LIMIT = 1024 * 1024;

async function save(ctx: ReqCtx, value: string | null) {
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, LIFECYCLE_CONFIG, value)).ok) {
    throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  }
}

/** Content-MD5 (or an x-amz-checksum-*) is required, as for PutBucketCors (S3 requires it here too). */
export const putBucketLifecycleConfiguration: Handler = async (ctx) => {
  await requireBucket(ctx);
  const body = await verifiedBody(ctx, LIFECYCLE_BODY_LIMIT);
  const config = parseLifecycleConfig(parseXml(new TextDecoder().decode(body)));
  await save(ctx, JSON.stringify(config));
  return new Response(null, { status: 200 });
};

export const getBucketLifecycleConfiguration: Handler = async (ctx) => {
  await requireBucket(ctx);
  const raw = ctx.bucketState ? ctx.bucketState.configs[LIFECYCLE_CONFIG] : await ctx.deps.meta.getBucketConfig(ctx.bucket, LIFECYCLE_CONFIG);
  const config = readLifecycleConfig(raw);
  if (!config) throw new S3Error("NoSuchLifecycleConfiguration", { extra: { BucketName: ctx.bucket } });
  return xmlResponse("LifecycleConfiguration", lifecycleXmlBody(config));
};

/** 204 whether or not one was set, as S3 answers. */
export const deleteBucketLifecycle: Handler = async (ctx) => {
  await requireBucket(ctx);
  await save(ctx, null);
  return new Response(null, { status: 204 });
};
