// DeleteObject and DeleteObjects (quiet and verbose).
import { S3_ERRORS, S3Error } from "../xml/errors.ts";
import { parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { DeleteCondition } from "../store/types.ts";
import { deleteCondition, deleteConditionHeaders } from "./conditions.ts";
import { requireBucket } from "./require.ts";
import { s3Arn } from "../auth/authorize.ts";
import { smallText } from "./request-body.ts";
import { MAX_KEY_BYTES } from "./names.ts";
import { utf8 } from "../util/hash.ts";
import { outboxFull } from "../events/emit.ts";
import { notificationConfig, requestEvents } from "./event-source.ts";

/** S3 wants read access too for an ETag condition: it tells whether the ETag matched. */
async function authorizeCondition(ctx: ReqCtx, key: string, cond: DeleteCondition | undefined) {
  if (cond?.ifMatch !== undefined && cond.ifMatch !== "*") await ctx.authorize("s3:GetObject", s3Arn(ctx.bucket, key));
}

export const deleteObject: Handler = async (ctx) => {
  const cond = deleteConditionHeaders(ctx.headers);
  const [, config] = await Promise.all([requireBucket(ctx), notificationConfig(ctx)]);
  await authorizeCondition(ctx, ctx.key, cond);
  // Deleting a missing key succeeds (S3 is idempotent here); only a real removal is an event.
  const events = await requestEvents(ctx, "s3:ObjectRemoved:Delete", ctx.key, undefined, config);
  // The condition is checked in the delete's own transaction: nothing can slip in between.
  const r = await ctx.deps.meta.deleteObject(ctx.bucket, ctx.key, events, cond);
  if (!r.ok && r.reason === "SlowDown") throw outboxFull();
  if (!r.ok && r.reason === "PreconditionFailed") throw new S3Error("PreconditionFailed", { extra: { Condition: conditionName(ctx.headers) } });
  // If-Match names an object that must exist (S3, since conditional deletes): absent is 404.
  if (!r.ok && cond?.ifMatch !== undefined) throw new S3Error("NoSuchKey", { resource: `/${ctx.bucket}/${ctx.key}` });
  return new Response(null, { status: 204 });
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
  const [, config] = await Promise.all([requireBucket(ctx), notificationConfig(ctx)]);
  const deleted: Record<string, string>[] = [];
  const errors: Record<string, string>[] = [];
  for (const o of objects) {
    const key = typeof o === "object" && o !== null ? (o as Record<string, unknown>).Key : undefined;
    if (typeof key !== "string" || key === "") throw new S3Error("MalformedXML");
    if (utf8(key).length > MAX_KEY_BYTES) {
      errors.push({ Key: key, Code: "KeyTooLongError", Message: "Your key is too long." });
      continue;
    }
    // Each key is a DeleteObject of its own; a denied one is an error entry, as S3 reports it.
    try {
      await ctx.authorize("s3:DeleteObject", s3Arn(ctx.bucket, key));
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
    const events = await requestEvents(ctx, "s3:ObjectRemoved:Delete", key, undefined, config);
    const r = await ctx.deps.meta.deleteObject(ctx.bucket, key, events, cond);
    if (!r.ok && r.reason === "SlowDown") {
      errors.push({ Key: key, Code: "SlowDown", Message: "A notification target's queue is full; the object was not deleted." });
      continue;
    }
    if (!r.ok && (r.reason === "PreconditionFailed" || cond?.ifMatch !== undefined)) {
      const code = r.reason;
      errors.push({ Key: key, Code: code, Message: S3_ERRORS[code][1] });
      continue;
    }
    if (!quiet) deleted.push({ Key: key });
  }
  return xmlResponse("DeleteResult", { Deleted: deleted, Error: errors });
};
