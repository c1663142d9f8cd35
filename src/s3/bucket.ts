// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation (versioning: versioning.ts).
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler } from "./context.ts";
import { requireBucket } from "./require.ts";
import { isValidBucketName } from "./names.ts";
import { smallText } from "./request-body.ts";
import { ownerOf } from "./owner.ts";
import { BUCKET_ACL_CONFIG, requestedAcl, storeAcl } from "./acl.ts";
import { publishToListeners } from "./listen-publish.ts";
import { enableLockOnCreate, lockRequestedOnCreate } from "./object-lock.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** max-buckets: 1–10000, S3's page size when it is not given (and 10000 is also the most it allows). */
function maxBuckets(q: URLSearchParams): number {
  const v = q.get("max-buckets");
  if (v === null) return 10000;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 10000) {
    throw new S3Error("InvalidArgument", { message: "Argument max-buckets must be an integer between 1 and 10000.", extra: { ArgumentName: "max-buckets", ArgumentValue: v } });
  }
  return Number(v);
}

// The continuation token is opaque to clients (S3 obfuscates it); here: the last name listed, base64url.
const encodeToken = (name: string) => btoa(name).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function decodeToken(token: string): string {
  let name = "";
  try { name = atob(token.replace(/-/g, "+").replace(/_/g, "/")); } catch { /* refused below */ }
  if (!name || !isValidBucketName(name) || encodeToken(name) !== token) {
    throw new S3Error("InvalidArgument", { message: "The continuation token provided is incorrect", extra: { ArgumentName: "continuation-token" } });
  }
  return name;
}

/** Paged as S3 does since 2024: max-buckets, continuation-token, prefix and bucket-region. */
export const listBuckets: Handler = async (ctx) => {
  const q = ctx.query;
  const max = maxBuckets(q);
  const token = q.get("continuation-token");
  const after = token ? decodeToken(token) : "";
  const prefix = q.get("prefix") ?? "";
  const region = q.get("bucket-region");
  // Names are ASCII (names.ts), so code-unit order is S3's byte order.
  const matching = (await ctx.deps.meta.listBuckets())
    .filter((b) => b.name > after && b.name.startsWith(prefix) && (!region || b.region === region))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = matching.slice(0, max);
  return xmlResponse("ListAllMyBucketsResult", {
    Owner: ownerOf(ctx),
    Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: iso(b.created), BucketRegion: b.region })) },
    ...(matching.length > page.length ? { ContinuationToken: encodeToken(page[page.length - 1].name) } : {}),
    ...(q.has("prefix") ? { Prefix: prefix } : {}),
  });
};

export const createBucket: Handler = async (ctx) => {
  if (!isValidBucketName(ctx.bucket)) throw new S3Error("InvalidBucketName", { extra: { BucketName: ctx.bucket } });
  let region = ctx.deps.config.region;
  const text = await smallText(ctx, 64 * 1024);
  if (text.trim()) {
    const doc = parseXml(text);
    const conf = doc.CreateBucketConfiguration;
    if (conf === undefined || (typeof conf !== "object" && !isBlank(conf))) throw new S3Error("MalformedXML");
    const loc = typeof conf === "object" ? conf.LocationConstraint : undefined;
    if (typeof loc === "string" && loc.trim() !== "") {
      // Like MinIO: the constraint must name this gateway's region.
      if (loc !== ctx.deps.config.region) {
        throw new S3Error("IllegalLocationConstraintException", {
          message: `The ${loc} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        });
      }
      region = loc;
    }
  }
  const acl = requestedAcl(ctx.headers, ownerOf(ctx).ID);
  const res = await ctx.deps.meta.createBucket({ name: ctx.bucket, owner: ownerOf(ctx).ID, region, created: ctx.deps.clock.now() });
  // Names are global here and only the root creates buckets: an existing one is the caller's own.
  if (!res.ok) throw new S3Error("BucketAlreadyOwnedByYou", { extra: { BucketName: ctx.bucket } });
  // Not in the same transaction: a crash between leaves a private bucket, the safe side.
  const stored = acl && storeAcl(acl);
  if (stored) await ctx.deps.meta.putBucketConfig(ctx.bucket, BUCKET_ACL_CONFIG, stored);
  if (lockRequestedOnCreate(ctx.headers)) await enableLockOnCreate(ctx);
  await publishToListeners(ctx, "s3:BucketCreated:*", "");
  return new Response(null, { status: 200, headers: { location: `/${ctx.bucket}` } });
};

export const headBucket: Handler = async (ctx) => {
  const b = await requireBucket(ctx);
  return new Response(null, { status: 200, headers: { "x-amz-bucket-region": b.region } });
};

export const deleteBucket: Handler = async (ctx) => {
  // Before the delete, which takes the bucket's listen state with it; sent only if it succeeds.
  await publishToListeners(ctx, "s3:BucketRemoved:*", "");
  const res = await ctx.deps.meta.deleteBucket(ctx.bucket);
  if (!res.ok) throw new S3Error(res.reason, { extra: { BucketName: ctx.bucket } });
  return new Response(null, { status: 204 });
};

export const getBucketLocation: Handler = async (ctx) => {
  const b = await requireBucket(ctx);
  // us-east-1 is reported as an empty LocationConstraint (AWS behaviour).
  return xmlResponse("LocationConstraint", b.region === "us-east-1" ? {} : { "#text": b.region });
};
