// DeleteObject and DeleteObjects (quiet and verbose).
import { S3_ERRORS, S3Error } from "../xml/errors.ts";
import { parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { DeleteCondition, DeleteResult, OutboxEvent, VersionedDelete } from "../store/types.ts";
import type { NotificationConfig } from "../events/notification-config.ts";
import { checkVersionId, DELETE_MARKER_HEADER, newVersionId, requestedVersion, versionIdHeader, versioningStatus, type VersioningStatus } from "./versioning.ts";
import { deleteCondition, deleteConditionHeaders } from "./conditions.ts";
import { requireBucket } from "./require.ts";
import { s3Arn } from "../auth/authorize.ts";
import { smallText } from "./request-body.ts";
import { MAX_KEY_BYTES } from "./names.ts";
import { utf8 } from "../util/hash.ts";
import { outboxFull } from "../events/emit.ts";
import { eventsNotRecorded, notificationConfig, requestEvents } from "./event-source.ts";
import { bypassGovernance, LOCKED_MESSAGE } from "./object-lock.ts";

/** S3 wants read access too for an ETag condition: it tells whether the ETag matched. */
async function authorizeCondition(ctx: ReqCtx, key: string, cond: DeleteCondition | undefined) {
  if (cond?.ifMatch !== undefined && cond.ifMatch !== "*") await ctx.authorize("s3:GetObject", s3Arn(ctx.bucket, key));
}

/**
 * One key's delete as S3 versioning has it: a named version (or marker) goes for good; without
 * one, an Enabled or Suspended bucket gets a delete marker (Suspended: the null one), an
 * unversioned bucket loses the object. The events are committed with it.
 */
async function deleteOne(
  ctx: ReqCtx, key: string, versionId: string | undefined, status: VersioningStatus | undefined,
  cond: DeleteCondition | undefined, config: NotificationConfig | null,
): Promise<DeleteResult> {
  let version: VersionedDelete | undefined;
  let events: OutboxEvent[];
  if (versionId !== undefined) {
    version = { versionId };
    // Object Lock holds a version removed by id (a delete marker is always allowed), checked in
    // the delete's transaction; GOVERNANCE yields to an allowed bypass (object-lock.ts).
    cond = { ...cond, lock: { now: ctx.deps.clock.now(), bypassGovernance: await bypassGovernance(ctx, key) } };
    events = await requestEvents(ctx, "s3:ObjectRemoved:Delete", key, undefined, config, versionId);
  } else if (status) {
    const marker = { versionId: status === "Enabled" ? newVersionId() : "null", lastModified: ctx.deps.clock.now() };
    version = { marker };
    events = await requestEvents(ctx, "s3:ObjectRemoved:DeleteMarkerCreated", key, undefined, config, marker.versionId);
  } else {
    // Deleting a missing key succeeds (S3 is idempotent here); only a real removal is an event.
    events = await requestEvents(ctx, "s3:ObjectRemoved:Delete", key, undefined, config);
  }
  // The condition is checked in the delete's own transaction: nothing can slip in between.
  const r = await ctx.deps.meta.deleteObject(ctx.bucket, key, events, cond, version);
  if (!r.ok) eventsNotRecorded(events);
  return r;
}

export const deleteObject: Handler = async (ctx) => {
  const cond = deleteConditionHeaders(ctx.headers);
  const versionId = requestedVersion(ctx);
  const [, config, status] = await Promise.all([requireBucket(ctx), notificationConfig(ctx), versioningStatus(ctx)]);
  await authorizeCondition(ctx, ctx.key, cond);
  const r = await deleteOne(ctx, ctx.key, versionId, status, cond, config);
  if (!r.ok && r.reason === "SlowDown") throw outboxFull();
  if (!r.ok && r.reason === "PreconditionFailed") throw new S3Error("PreconditionFailed", { extra: { Condition: conditionName(ctx.headers) } });
  if (!r.ok && r.reason === "AccessDenied") throw new S3Error("AccessDenied", { message: LOCKED_MESSAGE });
  // If-Match names an object that must exist (S3, since conditional deletes): absent is 404.
  if (!r.ok && cond?.ifMatch !== undefined) throw new S3Error("NoSuchKey", { resource: `/${ctx.bucket}/${ctx.key}` });
  // A version already gone is deleted all the same (S3 answers 204 with the id asked for).
  const headers = r.ok
    ? { ...versionIdHeader(r.versionId, status ?? versionId !== undefined), ...(r.deleteMarker ? { [DELETE_MARKER_HEADER]: "true" } : {}) }
    : versionId !== undefined ? versionIdHeader(versionId, true) : {};
  return new Response(null, { status: 204, headers });
};

const conditionName = (h: Headers) =>
  ["If-Match", "x-amz-if-match-last-modified-time", "x-amz-if-match-size"].filter((n) => h.has(n)).join(", ");

/** An `<Object>`'s optional ETag, LastModifiedTime and Size, as a condition. */
function objectCondition(o: Record<string, unknown>): DeleteCondition | undefined {
  const text = (v: unknown) => (v === undefined ? undefined : String(v));
  return deleteCondition({ ifMatch: text(o.ETag), lastModified: text(o.LastModifiedTime), size: text(o.Size) });
}

export const deleteObjects: Handler = async (ctx) => {
  const doc = parseXml(await smallText(ctx, 2 * 1024 * 1024));
  const del = doc.Delete;
  if (!del || typeof del !== "object") throw new S3Error("MalformedXML");
  const objects: unknown[] = del.Object ?? [];
  if (objects.length === 0 || objects.length > 1000) throw new S3Error("MalformedXML");
  const quiet = String(del.Quiet ?? "false").trim().toLowerCase() === "true";
  const [, config, status] = await Promise.all([requireBucket(ctx), notificationConfig(ctx), versioningStatus(ctx)]);
  const deleted: Record<string, string | boolean>[] = [];
  const errors: Record<string, string>[] = [];
  for (const o of objects) {
    const key = typeof o === "object" && o !== null ? (o as Record<string, unknown>).Key : undefined;
    if (typeof key !== "string" || key === "") throw new S3Error("MalformedXML");
    if (utf8(key).length > MAX_KEY_BYTES) {
      errors.push({ Key: key, Code: "KeyTooLongError", Message: "Your key is too long." });
      continue;
    }
    const rawVersion = (o as Record<string, unknown>).VersionId;
    let versionId: string | undefined;
    try {
      versionId = rawVersion === undefined ? undefined : checkVersionId(String(rawVersion), "VersionId");
    } catch (e) {
      if (!(e instanceof S3Error)) throw e;
      errors.push({ Key: key, VersionId: String(rawVersion), Code: e.code, Message: e.message });
      continue;
    }
    const vid: Record<string, string> = versionId !== undefined ? { VersionId: versionId } : {};
    // Each key is a DeleteObject of its own; a denied one is an error entry, as S3 reports it.
    try {
      await ctx.authorize(versionId === undefined ? "s3:DeleteObject" : "s3:DeleteObjectVersion", s3Arn(ctx.bucket, key));
    } catch (e) {
      if (!(e instanceof S3Error) || e.code !== "AccessDenied") throw e;
      errors.push({ Key: key, Code: "AccessDenied", Message: "Access Denied" });
      continue;
    }
    let cond: DeleteCondition | undefined;
    try {
      cond = objectCondition(o as Record<string, unknown>);
      await authorizeCondition(ctx, key, cond);
    } catch (e) {
      if (!(e instanceof S3Error) || (e.code !== "AccessDenied" && e.code !== "InvalidArgument")) throw e;
      errors.push({ Key: key, Code: e.code, Message: e.message });
      continue;
    }
    const r = await deleteOne(ctx, key, versionId, status, cond, config);
    if (!r.ok && r.reason === "SlowDown") {
      errors.push({ Key: key, Code: "SlowDown", Message: "A notification target's queue is full; the object was not deleted." });
      continue;
    }
    if (!r.ok && r.reason === "AccessDenied") {
      errors.push({ Key: key, ...vid, Code: "AccessDenied", Message: LOCKED_MESSAGE });
      continue;
    }
    if (!r.ok && (r.reason === "PreconditionFailed" || (cond?.ifMatch !== undefined && r.reason === "NoSuchKey"))) {
      const code = r.reason;
      errors.push({ Key: key, ...vid, Code: code, Message: S3_ERRORS[code][1] });
      continue;
    }
    if (quiet) continue;
    // S3's entry: the version asked for; DeleteMarker and its id when one was written or removed.
    if (r.ok && r.deleteMarker) deleted.push({ Key: key, ...vid, DeleteMarker: true, DeleteMarkerVersionId: r.versionId });
    else deleted.push({ Key: key, ...vid });
  }
  return xmlResponse("DeleteResult", { Deleted: deleted, Error: errors });
};
