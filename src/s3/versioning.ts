// Bucket versioning (Put/GetBucketVersioning) and the version ids requests name and answers carry.
// The state is a bucket configuration of kind "versioning" holding "Enabled" or "Suspended"
// (absent: never versioned); a bucket once versioned can be suspended, never unversioned (S3).
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallText } from "./request-body.ts";
import { OBJECT_LOCK_CONFIG, readLockConfig } from "./object-lock-rules.ts";

export const VERSIONING_CONFIG = "versioning";
export type VersioningStatus = "Enabled" | "Suspended";

export const VERSION_ID_HEADER = "x-amz-version-id";
export const DELETE_MARKER_HEADER = "x-amz-delete-marker";

/** The stored state, from what the pipeline read with the bucket when it did. */
export async function versioningStatus(ctx: ReqCtx): Promise<VersioningStatus | undefined> {
  const raw = ctx.bucketState ? ctx.bucketState.configs[VERSIONING_CONFIG] : await ctx.deps.meta.getBucketConfig(ctx.bucket, VERSIONING_CONFIG);
  return raw === "Enabled" || raw === "Suspended" ? raw : undefined;
}

/**
 * A fresh version id: 32 URL-safe characters, opaque like S3's. Random, not ordered: the store
 * orders a key's versions itself.
 */
export function newVersionId(): string {
  // base64 with "." and "_" for "+" and "/", by table: btoa and two regex replaces cost ~10 µs
  // a versioned PUT (bench/versioning.ts), this under 1 µs.
  const b = crypto.getRandomValues(new Uint8Array(24));
  let s = "";
  for (let i = 0; i < 24; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += VERSION_ID_ALPHABET[n >> 18] + VERSION_ID_ALPHABET[(n >> 12) & 63] + VERSION_ID_ALPHABET[(n >> 6) & 63] + VERSION_ID_ALPHABET[n & 63];
  }
  return s;
}
const VERSION_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

/** The id a write in this bucket gets: a new one when Enabled, else the null version. */
export const writeVersionId = (status: VersioningStatus | undefined): string => (status === "Enabled" ? newVersionId() : "null");

// Ids this gateway (and its lifecycle sweep, 32 hex) writes; anything else cannot exist.
const VERSION_ID = /^[A-Za-z0-9._-]{16,64}$/;

/** A version id from a request (query, copy source, DeleteObjects): InvalidArgument unless it could be one. */
export function checkVersionId(v: string, argumentName = "versionId"): string {
  if (v === "null" || VERSION_ID.test(v)) return v;
  throw new S3Error("InvalidArgument", {
    message: v === "" ? "Version id cannot be the empty string" : "Invalid version id specified",
    extra: { ArgumentName: argumentName, ArgumentValue: v },
  });
}

/** `?versionId=` of the request, checked; undefined when absent. */
export function requestedVersion(ctx: Pick<ReqCtx, "query">): string | undefined {
  const v = ctx.query.get("versionId");
  return v === null ? undefined : checkVersionId(v);
}

/**
 * `x-amz-version-id` as S3 answers it: always for a real version id, and for the null version
 * once the bucket has a versioning state (or the request named a version); never in a bucket
 * that was never versioned.
 */
export function versionIdHeader(versionId: string, shown: boolean | VersioningStatus | undefined): Record<string, string> {
  return versionId !== "null" || shown ? { [VERSION_ID_HEADER]: versionId } : {};
}

export const getBucketVersioning: Handler = async (ctx) => {
  await requireBucket(ctx);
  const status = await versioningStatus(ctx);
  return xmlResponse("VersioningConfiguration", status ? { Status: status } : {});
};

export const putBucketVersioning: Handler = async (ctx) => {
  const doc = parseXml(await smallText(ctx, 64 * 1024));
  const conf = doc.VersioningConfiguration;
  if (conf === undefined || (!isBlank(conf) && typeof conf !== "object")) throw new S3Error("MalformedXML");
  const status = typeof conf === "object" ? conf.Status : undefined;
  const mfa = typeof conf === "object" ? conf.MfaDelete : undefined;
  if (status !== undefined && status !== "Enabled" && status !== "Suspended") {
    throw new S3Error("IllegalVersioningConfigurationException", { message: "The Versioning element must be specified" });
  }
  if (mfa !== undefined && mfa !== "Disabled" && mfa !== "Enabled") throw new S3Error("MalformedXML");
  // MFA Delete needs the x-amz-mfa device check S3 does: not offered rather than ignored.
  if (mfa === "Enabled") throw new S3Error("NotImplemented", { message: "MFA Delete is not supported." });
  await requireBucket(ctx);
  // S3: a bucket with Object Lock keeps versioning Enabled for good.
  if (status === "Suspended" && readLockConfig(ctx.bucketState?.configs[OBJECT_LOCK_CONFIG] ?? await ctx.deps.meta.getBucketConfig(ctx.bucket, OBJECT_LOCK_CONFIG))) {
    throw new S3Error("InvalidBucketState", { message: "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed." });
  }
  // No Status (an empty configuration) changes nothing, as S3.
  if (status !== undefined && !(await ctx.deps.meta.putBucketConfig(ctx.bucket, VERSIONING_CONFIG, status)).ok) {
    throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  }
  return new Response(null, { status: 200 });
};
