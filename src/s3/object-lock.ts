// S3 Object Lock, the handlers: Put/GetObjectLockConfiguration, Put/GetObjectRetention,
// Put/GetObjectLegalHold, and what the write, read and delete paths ask of it (the lock a new
// version gets, the headers a GET answers, whether a delete may bypass GOVERNANCE). The rules
// themselves are object-lock-rules.ts; the state lives on each version (ObjectRecord.retention,
// .legalHold) and the bucket configuration OBJECT_LOCK_CONFIG.
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { ObjectRecord, Retention } from "../store/types.ts";
import { requireBucket, requireObject } from "./require.ts";
import { smallText } from "./request-body.ts";
import { s3Arn, type Conditions } from "../auth/authorize.ts";
import { lockConditions } from "../auth/conditions.ts";
import { outboxFull } from "../events/emit.ts";
import { notificationConfig, requestEvents } from "./event-source.ts";
import { requestedVersion, versionIdHeader, versioningStatus, VERSIONING_CONFIG } from "./versioning.ts";
import {
  checkRetentionChange, defaultRetention, isMode, lockConfigXml, OBJECT_LOCK_CONFIG, parseLockConfig, parseRetainUntil,
  readLockConfig, retainUntilText, type LockConfig,
} from "./object-lock-rules.ts";

export const LOCKED_MESSAGE = "Access Denied because object protected by object lock.";
const MODE_HEADER = "x-amz-object-lock-mode";
const UNTIL_HEADER = "x-amz-object-lock-retain-until-date";
const HOLD_HEADER = "x-amz-object-lock-legal-hold";

/** The bucket's lock configuration, from what the pipeline read with the bucket when it did. */
export async function lockConfig(ctx: ReqCtx): Promise<LockConfig | null> {
  const raw = ctx.bucketState ? ctx.bucketState.configs[OBJECT_LOCK_CONFIG] : await ctx.deps.meta.getBucketConfig(ctx.bucket, OBJECT_LOCK_CONFIG);
  return readLockConfig(raw);
}

async function requireLockBucket(ctx: ReqCtx): Promise<LockConfig> {
  const c = await lockConfig(ctx);
  if (!c) throw new S3Error("InvalidRequest", { message: "Bucket is missing Object Lock Configuration" });
  return c;
}

/**
 * AWS wants the body's integrity stated on these calls (Content-MD5, or an x-amz-checksum-* /
 * SDK checksum, which newer SDKs send instead); smallBody verifies Content-MD5 when sent.
 */
function requireIntegrity(ctx: ReqCtx): void {
  const h = ctx.headers;
  if (h.has("content-md5") || h.has("x-amz-sdk-checksum-algorithm") || h.has("x-amz-trailer")) return;
  for (const k of h.keys()) if (k.startsWith("x-amz-checksum-")) return;
  throw new S3Error("InvalidRequest", { message: "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters" });
}

const allowed = (ctx: ReqCtx, action: string, key = ctx.key): Promise<boolean> =>
  ctx.authorize(action, s3Arn(ctx.bucket, key)).then(() => true, (e) => {
    if (e instanceof S3Error && e.code === "AccessDenied") return false;
    throw e;
  });

/**
 * `x-amz-bypass-governance-retention: true` from a principal allowed s3:BypassGovernanceRetention
 * on the key. Without the permission the header changes nothing: the lock then refuses, as S3.
 */
export async function bypassGovernance(ctx: ReqCtx, key = ctx.key): Promise<boolean> {
  if ((ctx.headers.get("x-amz-bypass-governance-retention") ?? "").trim().toLowerCase() !== "true") return false;
  return allowed(ctx, "s3:BypassGovernanceRetention", key);
}

/** What a new version's lock is (ObjectRecord's retention, legalHold). */
export type WriteLock = Pick<ObjectRecord, "retention" | "legalHold">;

/**
 * The lock a new version gets (PutObject, CopyObject, CreateMultipartUpload, POST's form fields
 * as `h`): the x-amz-object-lock-* headers, each asking its own permission as S3 does
 * (s3:PutObjectRetention, s3:PutObjectLegalHold), else the bucket's default retention.
 * `body`: the request carries the object's bytes (PutObject), whose integrity AWS then wants stated.
 */
export async function writeLock(ctx: ReqCtx, opts: { h?: Headers; key?: string; body?: boolean; defaults?: boolean } = {}): Promise<WriteLock> {
  const h = opts.h ?? ctx.headers;
  const key = opts.key ?? ctx.key;
  const mode = h.get(MODE_HEADER), until = h.get(UNTIL_HEADER), hold = h.get(HOLD_HEADER);
  const config = await lockConfig(ctx);
  const now = ctx.deps.clock.now();
  const defaults = opts.defaults !== false;
  if (mode === null && until === null && hold === null) return defaults && config?.rule ? { retention: defaultRetention(config.rule, now) } : {};
  if (!config) throw new S3Error("InvalidRequest", { message: "Bucket is missing ObjectLockConfiguration" });
  if ((mode === null) !== (until === null)) {
    throw new S3Error("InvalidArgument", { message: "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied" });
  }
  if (opts.body) requireIntegrity(ctx);
  const out: WriteLock = {};
  if (mode !== null) {
    if (!isMode(mode)) throw new S3Error("InvalidArgument", { message: "Unknown wormMode directive.", extra: { ArgumentName: MODE_HEADER, ArgumentValue: mode } });
    out.retention = { mode, until: parseRetainUntil(until!, now) };
    await ctx.authorize("s3:PutObjectRetention", s3Arn(ctx.bucket, key));
  } else if (defaults && config.rule) out.retention = defaultRetention(config.rule, now);
  if (hold !== null) {
    if (hold !== "ON" && hold !== "OFF") throw new S3Error("InvalidArgument", { message: "Legal Hold must be either of 'ON' or 'OFF'", extra: { ArgumentName: HOLD_HEADER } });
    await ctx.authorize("s3:PutObjectLegalHold", s3Arn(ctx.bucket, key));
    out.legalHold = hold === "ON";
  }
  return out;
}

/**
 * A multipart upload's lock: what CreateMultipartUpload stated (kept on the upload), else the
 * bucket's default retention as of the Complete, when the version comes to be.
 */
export async function completeLock(ctx: ReqCtx, upload: WriteLock): Promise<WriteLock> {
  const out: WriteLock = {};
  if (upload.retention) out.retention = upload.retention;
  else {
    const rule = (await lockConfig(ctx))?.rule;
    if (rule) out.retention = defaultRetention(rule, ctx.deps.clock.now());
  }
  if (upload.legalHold !== undefined) out.legalHold = upload.legalHold;
  return out;
}

/** The x-amz-object-lock-* headers of a GET/HEAD, each only for a caller allowed to read it (S3). */
export async function lockResponseHeaders(ctx: ReqCtx, obj: ObjectRecord): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (obj.retention && await allowed(ctx, "s3:GetObjectRetention")) {
    out[MODE_HEADER] = obj.retention.mode;
    out[UNTIL_HEADER] = retainUntilText(obj.retention.until);
  }
  if (obj.legalHold !== undefined && await allowed(ctx, "s3:GetObjectLegalHold")) out[HOLD_HEADER] = obj.legalHold ? "ON" : "OFF";
  return out;
}

// ---- the bucket's configuration ---------------------------------------------------------

export const getObjectLockConfiguration: Handler = async (ctx) => {
  await requireBucket(ctx);
  const c = await lockConfig(ctx);
  if (!c) throw new S3Error("ObjectLockConfigurationNotFoundError", { extra: { BucketName: ctx.bucket } });
  return xmlResponse("ObjectLockConfiguration", lockConfigXml(c));
};

export const putObjectLockConfiguration: Handler = async (ctx) => {
  requireIntegrity(ctx);
  const next = parseLockConfig(parseXml(await smallText(ctx, 64 * 1024)).ObjectLockConfiguration);
  await requireBucket(ctx);
  // AWS turns lock on for an existing bucket only once its versioning is Enabled (it then can
  // never be suspended); a lock-enabled bucket just changes its default retention.
  if (!(await lockConfig(ctx)) && (await versioningStatus(ctx)) !== "Enabled") {
    throw new S3Error("InvalidBucketState", { message: "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration" });
  }
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, OBJECT_LOCK_CONFIG, JSON.stringify(next))).ok) {
    throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  }
  return new Response(null, { status: 200 });
};

/** CreateBucket's `x-amz-bucket-object-lock-enabled: true`: lock on, and with it versioning (S3). */
export const lockRequestedOnCreate = (h: Headers): boolean => (h.get("x-amz-bucket-object-lock-enabled") ?? "").trim().toLowerCase() === "true";

export async function enableLockOnCreate(ctx: ReqCtx): Promise<void> {
  await ctx.deps.meta.putBucketConfig(ctx.bucket, VERSIONING_CONFIG, "Enabled");
  await ctx.deps.meta.putBucketConfig(ctx.bucket, OBJECT_LOCK_CONFIG, JSON.stringify({ enabled: true } satisfies LockConfig));
}

// ---- one version's retention and legal hold ----------------------------------------------

/** An access event (MinIO's ObjectAccessed:GetRetention / :GetLegalHold), appended after the answer as GET's are. */
async function accessed(ctx: ReqCtx, name: "s3:ObjectAccessed:GetRetention" | "s3:ObjectAccessed:GetLegalHold", obj: ObjectRecord): Promise<void> {
  const events = await requestEvents(ctx, name, ctx.key, obj);
  if (events.length) ctx.after(() => ctx.deps.meta.appendEvents(ctx.bucket, events));
}

const versionHeader = (ctx: ReqCtx, versionId: string) => versionIdHeader(versionId, requestedVersion(ctx) !== undefined || versionId !== "null");

export const getObjectRetention: Handler = async (ctx) => {
  await requireLockBucket(ctx);
  const obj = await requireObject(ctx);
  if (!obj.retention) throw new S3Error("NoSuchObjectLockConfiguration");
  await accessed(ctx, "s3:ObjectAccessed:GetRetention", obj);
  return xmlResponse("Retention", { Mode: obj.retention.mode, RetainUntilDate: retainUntilText(obj.retention.until) }, { headers: versionHeader(ctx, obj.versionId) });
};

/** A Retention body: Mode and RetainUntilDate together, or neither (the retention is removed). */
function requestedRetention(root: unknown, now: number): Retention | null {
  if (isBlank(root)) return null;
  if (typeof root !== "object" || root === null) throw new S3Error("MalformedXML");
  const { Mode: mode, RetainUntilDate: until } = root as Record<string, unknown>;
  if (mode === undefined && until === undefined) return null;
  if (!isMode(mode) || typeof until !== "string") throw new S3Error("MalformedXML");
  return { mode, until: parseRetainUntil(until, now) };
}

/**
 * Authorized here, not by the pipeline (api.ts PER_KEY): what the body asks for is condition
 * keys (s3:object-lock-mode, -retain-until-date, -remaining-retention-days, -legal-hold). A
 * caller who may not do `action` at all learns that, not what is wrong with the body.
 */
async function authorizeBody<T>(ctx: ReqCtx, action: string, parse: () => Promise<T>, conditions: (v: T) => Conditions): Promise<T> {
  let v: T;
  try {
    v = await parse();
  } catch (e) {
    await ctx.authorize(action, s3Arn(ctx.bucket, ctx.key));
    throw e;
  }
  await ctx.authorize(action, s3Arn(ctx.bucket, ctx.key), conditions(v));
  return v;
}

export const putObjectRetention: Handler = async (ctx) => {
  const now = ctx.deps.clock.now();
  const { next } = await authorizeBody(ctx, "s3:PutObjectRetention", async () => {
    requireIntegrity(ctx);
    const doc = parseXml(await smallText(ctx, 64 * 1024));
    if (!("Retention" in doc)) throw new S3Error("MalformedXML");
    const next = requestedRetention(doc.Retention, now);
    const until = next && (doc.Retention as Record<string, unknown>).RetainUntilDate;
    return { next, untilText: typeof until === "string" ? until : undefined };
  }, ({ next, untilText }) => (next ? lockConditions({ mode: next.mode, until: untilText, untilMs: next.until }, now) : {}));
  await requireLockBucket(ctx);
  const [bypass, config] = await Promise.all([bypassGovernance(ctx), notificationConfig(ctx)]);
  // Judged against the retention as read, committed only if it is still that one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const obj = await requireObject(ctx);
    checkRetentionChange(obj.retention, next, now, bypass);
    const events = await requestEvents(ctx, "s3:ObjectCreated:PutRetention", ctx.key, obj, config);
    const r = await ctx.deps.meta.updateObjectLock(ctx.bucket, ctx.key, obj.versionId, { retention: next }, { expect: obj.retention ?? null, events });
    if (r.ok) return new Response(null, { status: 200, headers: versionHeader(ctx, obj.versionId) });
    if (r.reason === "SlowDown") throw outboxFull();
    if (r.reason !== "PreconditionFailed") throw new S3Error(r.reason, { extra: { Key: ctx.key } });
  }
  throw new S3Error("SlowDown", { message: "The object's retention kept changing; retry." });
};

export const getObjectLegalHold: Handler = async (ctx) => {
  await requireLockBucket(ctx);
  const obj = await requireObject(ctx);
  if (obj.legalHold === undefined) throw new S3Error("NoSuchObjectLockConfiguration");
  await accessed(ctx, "s3:ObjectAccessed:GetLegalHold", obj);
  return xmlResponse("LegalHold", { Status: obj.legalHold ? "ON" : "OFF" }, { headers: versionHeader(ctx, obj.versionId) });
};

export const putObjectLegalHold: Handler = async (ctx) => {
  const status = await authorizeBody(ctx, "s3:PutObjectLegalHold", async () => {
    requireIntegrity(ctx);
    const root = parseXml(await smallText(ctx, 64 * 1024)).LegalHold;
    const status = typeof root === "object" && root ? (root as Record<string, unknown>).Status : undefined;
    if (status !== "ON" && status !== "OFF") throw new S3Error("MalformedXML");
    return status;
  }, (status) => lockConditions({ legalHold: status }, ctx.deps.clock.now()));
  await requireLockBucket(ctx);
  const [obj, config] = await Promise.all([requireObject(ctx), notificationConfig(ctx)]);
  const events = await requestEvents(ctx, "s3:ObjectCreated:PutLegalHold", ctx.key, obj, config);
  const r = await ctx.deps.meta.updateObjectLock(ctx.bucket, ctx.key, obj.versionId, { legalHold: status === "ON" }, { events });
  if (!r.ok) throw r.reason === "SlowDown" ? outboxFull() : new S3Error(r.reason === "PreconditionFailed" ? "SlowDown" : r.reason, { extra: { Key: ctx.key } });
  return new Response(null, { status: 200, headers: versionHeader(ctx, obj.versionId) });
};
