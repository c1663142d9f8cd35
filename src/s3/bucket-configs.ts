// The bucket configurations tools probe (Terraform's bucket refresh, rclone, s3cmd info, backup
// tools): each GET answers what S3 answers for a bucket without that configuration, because
// that is what the tools handle and a 501 breaks them. Writing a configuration the gateway
// would not honour stays NotImplemented (router.ts): accepting and ignoring it would lie.
import { S3Error } from "../xml/errors.ts";
import { buildXml, isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallText } from "./request-body.ts";
import { checkEncryptionRule } from "../sse/request.ts";

export const ENCRYPTION_CONFIG = "encryption";
export const OWNERSHIP_CONFIG = "ownershipControls";

async function config(ctx: ReqCtx, kind: string): Promise<string | null> {
  await requireBucket(ctx);
  return ctx.bucketState ? (ctx.bucketState.configs[kind] ?? null) : ctx.deps.meta.getBucketConfig(ctx.bucket, kind);
}

async function saveConfig(ctx: ReqCtx, kind: string, value: string | null) {
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, kind, value)).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
}

const notFound = (code: ConstructorParameters<typeof S3Error>[0]): Handler => async (ctx) => {
  await requireBucket(ctx);
  throw new S3Error(code, { extra: { BucketName: ctx.bucket } });
};

// ---- encryption -------------------------------------------------------------------------

export interface EncryptionRule { algorithm: "AES256" | "aws:kms"; kmsKeyId?: string; bucketKeyEnabled?: boolean }

/** A ServerSideEncryptionConfiguration body; MalformedXML or InvalidArgument as S3 answers. */
export function parseEncryptionConfig(text: string): EncryptionRule {
  const root = parseXml(text).ServerSideEncryptionConfiguration;
  const rules = typeof root === "object" ? root.Rule : undefined;
  const rule = Array.isArray(rules) ? rules[0] : rules;
  const sse = typeof rule === "object" ? rule.ApplyServerSideEncryptionByDefault : undefined;
  if (typeof sse !== "object" || (Array.isArray(rules) && rules.length !== 1)) throw new S3Error("MalformedXML");
  const algorithm = sse.SSEAlgorithm;
  if (algorithm !== "AES256" && algorithm !== "aws:kms") {
    throw new S3Error("MalformedXML", { message: "The XML you provided was not well-formed or did not validate against our published schema" });
  }
  const kmsKeyId = typeof sse.KMSMasterKeyID === "string" && sse.KMSMasterKeyID !== "" ? sse.KMSMasterKeyID : undefined;
  if (kmsKeyId && algorithm !== "aws:kms") {
    throw new S3Error("InvalidArgument", { message: "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms", extra: { ArgumentName: "ApplyServerSideEncryptionByDefault" } });
  }
  const bk = rule.BucketKeyEnabled;
  if (bk !== undefined && bk !== "true" && bk !== "false") throw new S3Error("MalformedXML");
  return { algorithm, ...(kmsKeyId ? { kmsKeyId } : {}), ...(bk !== undefined ? { bucketKeyEnabled: bk === "true" } : {}) };
}

export function encryptionXmlBody(r: EncryptionRule) {
  return {
    Rule: {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: r.algorithm, ...(r.kmsKeyId ? { KMSMasterKeyID: r.kmsKeyId } : {}) },
      BucketKeyEnabled: r.bucketKeyEnabled ?? false,
    },
  };
}

/** The bucket's default encryption (applied by src/sse/request.ts writeEncryption). */
export const getBucketEncryption: Handler = async (ctx) => {
  const raw = await config(ctx, ENCRYPTION_CONFIG);
  if (raw === null) throw new S3Error("ServerSideEncryptionConfigurationNotFoundError", { extra: { BucketName: ctx.bucket } });
  return xmlResponse("ServerSideEncryptionConfiguration", encryptionXmlBody(JSON.parse(raw) as EncryptionRule));
};

/**
 * Stored once the gateway can apply it: without a master key (S3EDGE_KMS_SECRET_KEY) it is
 * refused as MinIO refuses it (501), and an aws:kms key id must name a key of the key ring.
 */
export const putBucketEncryption: Handler = async (ctx) => {
  await requireBucket(ctx);
  const rule = parseEncryptionConfig(await smallText(ctx, 64 * 1024));
  // BucketKeyEnabled is stored and answered; SSE-S3/KMS always seal under a bucket key
  // (src/sse/keys.ts) — in AWS the switch is a KMS request-cost choice, not a protection one.
  await checkEncryptionRule(ctx, rule);
  await saveConfig(ctx, ENCRYPTION_CONFIG, JSON.stringify(rule));
  return new Response(null, { status: 200 });
};

/** Nothing stored is nothing applied: removing the default is always true to its word. */
export const deleteBucketEncryption: Handler = async (ctx) => {
  await requireBucket(ctx);
  await saveConfig(ctx, ENCRYPTION_CONFIG, null);
  return new Response(null, { status: 204 });
};

// ---- ownership controls -----------------------------------------------------------------

// One owner per deployment (owner.ts), so the object writer is the bucket owner and every
// setting can be stored and read back; BucketOwnerEnforced disables ACLs (acl-handlers.ts
// refuses them, auth/authorize.ts stops honouring stored ones), as in S3.
const OWNERSHIPS = new Set(["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]);

export const getBucketOwnershipControls: Handler = async (ctx) => {
  const raw = await config(ctx, OWNERSHIP_CONFIG);
  if (raw === null) throw new S3Error("OwnershipControlsNotFoundError", { extra: { BucketName: ctx.bucket } });
  return xmlResponse("OwnershipControls", { Rule: { ObjectOwnership: raw } });
};

export const putBucketOwnershipControls: Handler = async (ctx) => {
  await requireBucket(ctx);
  const root = parseXml(await smallText(ctx, 64 * 1024)).OwnershipControls;
  const rules = typeof root === "object" ? root.Rule : undefined;
  if (rules === undefined || isBlank(rules) || Array.isArray(rules)) throw new S3Error("MalformedXML");
  const ownership = typeof rules === "object" ? rules.ObjectOwnership : undefined;
  if (typeof ownership !== "string" || !OWNERSHIPS.has(ownership)) throw new S3Error("MalformedXML");
  await saveConfig(ctx, OWNERSHIP_CONFIG, ownership);
  return new Response(null, { status: 200 });
};

export const deleteBucketOwnershipControls: Handler = async (ctx) => {
  await requireBucket(ctx);
  await saveConfig(ctx, OWNERSHIP_CONFIG, null);
  return new Response(null, { status: 204 });
};

// ---- "not configured" answers -----------------------------------------------------------

export const getBucketWebsite = notFound("NoSuchWebsiteConfiguration");
export const getBucketReplication = notFound("ReplicationConfigurationNotFoundError");
// GetObjectLockConfiguration is stored with Object Lock (object-lock.ts).
// GetPublicAccessBlock is stored and enforced (public-access-block.ts); lifecycle rules too (lifecycle-handlers.ts).

/**
 * Deleting a configuration that cannot be stored (its PUT is NotImplemented): there is none, and
 * S3 answers 204 for deleting one that is not there (website, replication, public
 * access block), so clients that clean up before or after (Terraform) do not fail.
 */
export const deleteUnstoredConfig: Handler = async (ctx) => {
  await requireBucket(ctx);
  return new Response(null, { status: 204 });
};

// GetBucketPolicyStatus lives with the bucket policy (bucket-policy.ts).

export const getBucketLogging: Handler = async (ctx) => {
  await requireBucket(ctx);
  // S3 answers logging status in its older namespace (doc.s3…, no trailing slash).
  return new Response(buildXml("BucketLoggingStatus", {}, "http://doc.s3.amazonaws.com/2006-03-01"), { headers: { "content-type": "application/xml" } });
};

export const getBucketRequestPayment: Handler = async (ctx) => {
  await requireBucket(ctx);
  return xmlResponse("RequestPaymentConfiguration", { Payer: "BucketOwner" });
};

export const getBucketAccelerateConfiguration: Handler = async (ctx) => {
  await requireBucket(ctx);
  // Empty: acceleration was never enabled (a Status element would say Enabled or Suspended).
  return xmlResponse("AccelerateConfiguration", {});
};
