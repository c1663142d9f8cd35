// Get/PutBucketAcl and Get/PutObjectAcl: the grants are stored (acl.ts) and enforced by
// auth/authorize.ts through iam/acl-eval.ts. A PUT takes the canned header, x-amz-grant-*
// headers or an AccessControlPolicy body (S3 refuses both at once).
import { S3Error } from "../xml/errors.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket, requireObject } from "./require.ts";
import { requestedVersion } from "./versioning.ts";
import { smallText } from "./request-body.ts";
import { ownerOf } from "./owner.ts";
import { aclResponse, BUCKET_ACL_CONFIG, loadAcl, OBJECT_ACL_HEADER, parseAccessControlPolicy, requestedAcl, storeAcl, type Grant } from "./acl.ts";
import { refusePublicAcl } from "./public-access-block.ts";
import { OWNERSHIP_CONFIG } from "./bucket-configs.ts";

/**
 * What a write may not set: any ACL but a private one when the bucket's ownership is
 * BucketOwnerEnforced (ACLs disabled, AWS answers AccessControlListNotSupported), a public one
 * under BlockPublicAcls (403).
 */
async function refuseAcl(ctx: ReqCtx, grants: Grant[] | null): Promise<void> {
  if (!grants) return;
  const ownership = ctx.bucketState ? ctx.bucketState.configs[OWNERSHIP_CONFIG] : await ctx.deps.meta.getBucketConfig(ctx.bucket, OWNERSHIP_CONFIG);
  if (ownership === "BucketOwnerEnforced" && storeAcl(grants) !== null) throw new S3Error("AccessControlListNotSupported");
  await refusePublicAcl(ctx, grants);
}

/** The ACL a PutBucketAcl / PutObjectAcl asks for, from its headers or its body. */
async function aclOfPut(ctx: ReqCtx): Promise<Grant[]> {
  const owner = ownerOf(ctx).ID;
  const fromHeaders = requestedAcl(ctx.headers, owner);
  const body = await smallText(ctx, 64 * 1024);
  if (fromHeaders && body.trim()) throw new S3Error("InvalidRequest", { message: "Specifying both an ACL header and an AccessControlPolicy body is not allowed." });
  if (fromHeaders) return fromHeaders;
  if (!body.trim()) throw new S3Error("MissingSecurityHeader", { message: "Your request was missing a required header.", extra: { MissingHeaderName: "x-amz-acl" } });
  return parseAccessControlPolicy(body, owner);
}

export const getBucketAcl: Handler = async (ctx) => {
  await requireBucket(ctx);
  const raw = ctx.bucketState ? ctx.bucketState.configs[BUCKET_ACL_CONFIG] : await ctx.deps.meta.getBucketConfig(ctx.bucket, BUCKET_ACL_CONFIG);
  return aclResponse(ctx, loadAcl(raw));
};

export const putBucketAcl: Handler = async (ctx) => {
  await requireBucket(ctx);
  const grants = await aclOfPut(ctx);
  await refuseAcl(ctx, grants);
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, BUCKET_ACL_CONFIG, storeAcl(grants))).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  return new Response(null, { status: 200 });
};

export const getObjectAcl: Handler = async (ctx) => {
  const obj = await requireObject(ctx);
  return aclResponse(ctx, loadAcl(obj.headers[OBJECT_ACL_HEADER]));
};

export const putObjectAcl: Handler = async (ctx) => {
  const obj = await requireObject(ctx);
  const grants = await aclOfPut(ctx);
  await refuseAcl(ctx, grants);
  // ?versionId: that version's ACL (requireObject checked the id). Without it, the version read
  // above (and authorized, its tags included): a concurrent overwrite does not receive the ACL.
  if (!(await ctx.deps.meta.updateObjectHeader(ctx.bucket, ctx.key, OBJECT_ACL_HEADER, storeAcl(grants), requestedVersion(ctx) ?? obj.versionId)).ok) {
    throw new S3Error("NoSuchKey", { extra: { Key: ctx.key } });
  }
  return new Response(null, { status: 200 });
};

/**
 * The object ACL a write asks for (x-amz-acl / x-amz-grant-* on PutObject, CopyObject,
 * CreateMultipartUpload; the form's `acl` on POST), checked against BlockPublicAcls, as the
 * headers entry to store with the object ({} for private: a new version starts private).
 */
export async function objectAclHeaders(ctx: ReqCtx, h: Headers = ctx.headers): Promise<Record<string, string>> {
  const grants = requestedAcl(h, ownerOf(ctx).ID);
  await refuseAcl(ctx, grants);
  const stored = grants ? storeAcl(grants) : null;
  return stored ? { [OBJECT_ACL_HEADER]: stored } : {};
}
