// Get/Put/DeleteBucketCors and the OPTIONS preflight (S3 "OPTIONS object"), answered from the
// bucket's rules; the rules themselves are in cors.ts.
import { S3Error } from "../xml/errors.ts";
import { parseXml, xmlResponse } from "../xml/xml.ts";
import { toBase64 } from "../util/hash.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallBody } from "./request-body.ts";
import { checksumHasher, checksumRequest } from "./checksum.ts";
import { CORS_CONFIG, corsRules, corsXmlBody, matchCorsRule, parseCorsConfig, preflightHeaders, requestedHeaders } from "./cors.ts";

/** S3 limits the CORS document to 64 KB. */
const CORS_BODY_LIMIT = 64 * 1024;

/**
 * S3 requires an integrity check on PutBucketCors (and PutBucketLifecycleConfiguration): Content-MD5 or an x-amz-checksum-* value
 * (the SDKs' flexible checksums, sent instead of Content-MD5 since 2025). Content-MD5 is
 * verified by smallBody; a checksum header is verified here.
 */
export async function verifiedBody(ctx: ReqCtx, limit = CORS_BODY_LIMIT): Promise<Uint8Array> {
  const ck = checksumRequest(ctx.headers);
  if (!ctx.headers.has("content-md5") && !ck?.expected && !ck?.trailer) {
    throw new S3Error("InvalidRequest", { message: "Missing required header for this request: Content-MD5" });
  }
  const body = await smallBody(ctx, limit);
  if (ck?.expected) {
    const h = checksumHasher(ctx.deps, ck.algorithm);
    h.update(body);
    if (toBase64(await h.digest()) !== ck.expected.trim()) throw new S3Error("BadDigest", { message: `The ${ck.algorithm} you specified did not match the calculated checksum.` });
  }
  return body;
}

export const putBucketCors: Handler = async (ctx) => {
  await requireBucket(ctx);
  const body = await verifiedBody(ctx);
  const rules = parseCorsConfig(parseXml(new TextDecoder().decode(body)));
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, CORS_CONFIG, JSON.stringify({ rules }))).ok) {
    throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  }
  return new Response(null, { status: 200 });
};

export const getBucketCors: Handler = async (ctx) => {
  await requireBucket(ctx);
  const rules = corsRules(ctx.bucketState?.configs);
  if (!rules) throw new S3Error("NoSuchCORSConfiguration", { extra: { BucketName: ctx.bucket } });
  return xmlResponse("CORSConfiguration", corsXmlBody(rules));
};

export const deleteBucketCors: Handler = async (ctx) => {
  await requireBucket(ctx);
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, CORS_CONFIG, null)).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  return new Response(null, { status: 204 });
};

const NOT_ALLOWED = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, " +
  "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

/**
 * A browser's preflight, unauthenticated (the pipeline skips signing and authorization for it:
 * browsers never send credentials on a preflight). The checks run in S3's order: the request's
 * own headers first, then whether the bucket has CORS at all, then the rules.
 */
export const optionsObject: Handler = async (ctx) => {
  const origin = ctx.headers.get("origin");
  if (!origin) throw new S3Error("BadRequest", { message: "Insufficient information. Origin request header needed." });
  const method = ctx.headers.get("access-control-request-method");
  if (!method) throw new S3Error("BadRequest", { message: "Invalid Access-Control-Request-Method: null" });
  const where = { Method: method, ResourceType: ctx.key ? "OBJECT" : "BUCKET" };
  const rules = corsRules(ctx.bucketState?.configs);
  if (!rules) throw new S3Error("AccessForbidden", { message: "CORSResponse: CORS is not enabled for this bucket.", extra: where });
  const headers = requestedHeaders(ctx.headers.get("access-control-request-headers"));
  const rule = matchCorsRule(rules, origin, method, headers);
  if (!rule) throw new S3Error("AccessForbidden", { message: NOT_ALLOWED, extra: where });
  return new Response(null, { status: 200, headers: preflightHeaders(rule, origin, headers) });
};
