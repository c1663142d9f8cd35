// DeleteObject and DeleteObjects (quiet and verbose).
import { S3Error } from "../xml/errors.ts";
import { parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler } from "./context.ts";
import { requireBucket } from "./require.ts";
import { s3Arn } from "../auth/authorize.ts";
import { smallText } from "./request-body.ts";
import { MAX_KEY_BYTES } from "./names.ts";
import { utf8 } from "../util/hash.ts";
import { outboxFull, pendingEvents, readNotificationConfig } from "../events/emit.ts";

export const deleteObject: Handler = async (ctx) => {
  const [, config] = await Promise.all([requireBucket(ctx), readNotificationConfig(ctx)]);
  // Deleting a missing key succeeds (S3 is idempotent here); only a real removal is an event.
  const events = await pendingEvents(ctx, "s3:ObjectRemoved:Delete", ctx.key, undefined, config);
  if ((await ctx.deps.meta.deleteObject(ctx.bucket, ctx.key, events)) === "SlowDown") throw outboxFull();
  return new Response(null, { status: 204 });
};

export const deleteObjects: Handler = async (ctx) => {
  const doc = parseXml(await smallText(ctx, 2 * 1024 * 1024));
  const del = doc.Delete;
  if (!del || typeof del !== "object") throw new S3Error("MalformedXML");
  const objects: unknown[] = del.Object ?? [];
  if (objects.length === 0 || objects.length > 1000) throw new S3Error("MalformedXML");
  const quiet = String(del.Quiet ?? "false").trim().toLowerCase() === "true";
  const [, config] = await Promise.all([requireBucket(ctx), readNotificationConfig(ctx)]);
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
    const events = await pendingEvents(ctx, "s3:ObjectRemoved:Delete", key, undefined, config);
    if ((await ctx.deps.meta.deleteObject(ctx.bucket, key, events)) === "SlowDown") {
      errors.push({ Key: key, Code: "SlowDown", Message: "A notification target's queue is full; the object was not deleted." });
      continue;
    }
    if (!quiet) deleted.push({ Key: key });
  }
  return xmlResponse("DeleteResult", { Deleted: deleted, Error: errors });
};
