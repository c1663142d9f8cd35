// Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus: the bucket's policy document, stored as
// a bucket configuration (the JSON as sent, so `mc anonymous get-json` prints what was put) and
// evaluated for every request on the bucket by auth/authorize.ts. mc's anonymous/policy
// commands depend on NoSuchBucketPolicy (404) for "none" and on 204 for a delete (spec §9.1).
import { S3Error } from "../xml/errors.ts";
import { xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallText } from "./request-body.ts";
import { parsePolicy, PolicyError, type PolicyDocument } from "../iam/policy-document.ts";
import { wildcardMatch } from "../iam/policy-eval.ts";
import { BodyTooLarge } from "../http/pipeline.ts";
import { refusePublicPolicy } from "./public-access-block.ts";
// What "public" means for a policy is in iam/public-access.ts (the authorizer asks it too).
import { isPublicPolicy } from "../iam/public-access.ts";

export const BUCKET_POLICY_CONFIG = "policy";

/** S3: a bucket policy is at most 20 KB. */
const MAX_POLICY_BYTES = 20 * 1024;

/** The bucket an S3 ARN names ("" for none: the service-level `arn:aws:s3:::`). */
export function arnBucket(arn: string): string {
  if (!arn.startsWith("arn:aws:s3:::")) return "";
  const rest = arn.slice("arn:aws:s3:::".length);
  const slash = rest.indexOf("/");
  return slash < 0 ? rest : rest.slice(0, slash);
}

// The S3 actions a bucket policy may name (AWS "Actions, resources, and condition keys for
// Amazon S3"); a name matching none of them is a typo that would never match: MalformedPolicy.
const S3_ACTIONS = [
  "AbortMultipartUpload", "BypassGovernanceRetention", "CreateBucket", "DeleteBucket", "DeleteBucketOwnershipControls",
  "DeleteBucketPolicy", "DeleteBucketWebsite", "DeleteObject", "DeleteObjectTagging", "DeleteObjectVersion",
  "DeleteObjectVersionTagging", "GetAccelerateConfiguration", "GetAnalyticsConfiguration", "GetBucketAcl", "GetBucketCORS",
  "GetBucketLocation", "GetBucketLogging", "GetBucketNotification", "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls",
  "GetBucketPolicy", "GetBucketPolicyStatus", "GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetBucketTagging",
  "GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration", "GetIntelligentTieringConfiguration",
  "GetInventoryConfiguration", "GetLifecycleConfiguration", "GetMetricsConfiguration", "GetObject", "GetObjectAcl",
  "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging", "GetObjectTorrent", "GetObjectVersion",
  "GetObjectVersionAcl", "GetObjectVersionAttributes", "GetObjectVersionTagging", "GetObjectVersionTorrent",
  "GetReplicationConfiguration", "ListAllMyBuckets", "ListBucket", "ListBucketMultipartUploads", "ListBucketVersions",
  "ListMultipartUploadParts", "ObjectOwnerOverrideToBucketOwner", "PutAccelerateConfiguration", "PutAnalyticsConfiguration",
  "PutBucketAcl", "PutBucketCORS", "PutBucketLogging", "PutBucketNotification", "PutBucketObjectLockConfiguration",
  "PutBucketOwnershipControls", "PutBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketRequestPayment", "PutBucketTagging",
  "PutBucketVersioning", "PutBucketWebsite", "PutEncryptionConfiguration", "PutIntelligentTieringConfiguration",
  "PutInventoryConfiguration", "PutLifecycleConfiguration", "PutMetricsConfiguration", "PutObject", "PutObjectAcl",
  "PutObjectLegalHold", "PutObjectRetention", "PutObjectTagging", "PutObjectVersionAcl", "PutObjectVersionTagging",
  "PutReplicationConfiguration", "ReplicateDelete", "ReplicateObject", "ReplicateTags", "RestoreObject",
  // MinIO's own
  "ListenBucketNotification", "ListenNotification", "GetBucketEncryption", "PutBucketEncryption",
].map((a) => `s3:${a}`);

const malformed = (message: string) => new S3Error("MalformedPolicy", { message });

/** Parses a bucket policy for `bucket`, refusing what S3/MinIO refuse (MalformedPolicy). */
export function validateBucketPolicy(text: string, bucket: string): PolicyDocument {
  let doc: PolicyDocument;
  try {
    doc = parsePolicy(text, "bucket");
  } catch (e) {
    if (e instanceof PolicyError) throw malformed(e.message);
    throw e;
  }
  for (const st of doc.statements) {
    for (const a of st.action ?? st.notAction ?? []) {
      if (a !== "*" && !S3_ACTIONS.some((known) => wildcardMatch(a, known, true))) throw malformed(`Policy has invalid action '${a}'`);
    }
    // Every resource must name this bucket or objects in it (a wildcard that matches it will do, as in MinIO).
    for (const r of st.resource ?? st.notResource ?? []) {
      const b = arnBucket(r);
      if (!r.startsWith("arn:aws:s3:::") || !b || !wildcardMatch(b, bucket)) throw malformed("Policy has invalid resource.");
    }
  }
  return doc;
}

function storedPolicy(ctx: ReqCtx): Promise<string | null> | string | null {
  return ctx.bucketState ? (ctx.bucketState.configs[BUCKET_POLICY_CONFIG] ?? null) : ctx.deps.meta.getBucketConfig(ctx.bucket, BUCKET_POLICY_CONFIG);
}

async function savePolicy(ctx: ReqCtx, value: string | null) {
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, BUCKET_POLICY_CONFIG, value)).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
}

export const getBucketPolicy: Handler = async (ctx) => {
  await requireBucket(ctx);
  const raw = await storedPolicy(ctx);
  if (raw === null) throw new S3Error("NoSuchBucketPolicy", { extra: { BucketName: ctx.bucket } });
  return new Response(raw, { status: 200, headers: { "content-type": "application/json" } });
};

export const putBucketPolicy: Handler = async (ctx) => {
  await requireBucket(ctx);
  let text: string;
  try {
    text = await smallText(ctx, MAX_POLICY_BYTES);
  } catch (e) {
    // smallBody's answer to an over-long body is XML's; a policy's is its own.
    if (e instanceof BodyTooLarge || (e instanceof S3Error && e.code === "MalformedXML")) throw malformed("Policies must be no more than 20 KB.");
    throw e;
  }
  if (!text.trim()) throw new S3Error("MalformedPolicy", { message: "Policies must be valid JSON and the first byte must be '{'" });
  await refusePublicPolicy(ctx, isPublicPolicy(validateBucketPolicy(text, ctx.bucket)));
  await savePolicy(ctx, text);
  return new Response(null, { status: 204 });
};

export const deleteBucketPolicy: Handler = async (ctx) => {
  await requireBucket(ctx);
  await savePolicy(ctx, null);
  return new Response(null, { status: 204 });
};

export const getBucketPolicyStatus: Handler = async (ctx) => {
  await requireBucket(ctx);
  const raw = await storedPolicy(ctx);
  if (raw === null) throw new S3Error("NoSuchBucketPolicy", { extra: { BucketName: ctx.bucket } });
  let isPublic = false;
  try {
    isPublic = isPublicPolicy(parsePolicy(raw, "bucket"));
  } catch {
    // A stored document that no longer parses grants nothing (authorize.ts): not public.
  }
  // Lower case: botocore reads only "true" as true (the SDKs accept either).
  return xmlResponse("PolicyStatus", { IsPublic: isPublic ? "true" : "false" });
};
