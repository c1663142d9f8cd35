// Get/Put/DeleteObjectTagging.
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import { requireObject } from "./require.ts";
import { validateTags } from "./object-headers.ts";
import { smallText } from "./request-body.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { outboxFull } from "../events/emit.ts";
import { notificationConfig, requestEvents } from "./event-source.ts";
import type { EventName } from "../events/names.ts";

/** Replaces the tags, with the tagging event committed alongside (MinIO's ObjectCreated:PutTagging/DeleteTagging). */
async function setTags(ctx: ReqCtx, tags: Record<string, string>, eventName: EventName) {
  const [obj, config] = await Promise.all([requireObject(ctx), notificationConfig(ctx)]);
  const events = await requestEvents(ctx, eventName, ctx.key, obj, config);
  const r = await ctx.deps.meta.updateObjectTags(ctx.bucket, ctx.key, tags, events);
  if (!r.ok) throw r.reason === "SlowDown" ? outboxFull() : new S3Error("NoSuchKey", { extra: { Key: ctx.key } });
}

export const getObjectTagging: Handler = async (ctx) => {
  const obj = await requireObject(ctx);
  return xmlResponse("Tagging", { TagSet: { Tag: Object.entries(obj.tags).map(([Key, Value]) => ({ Key, Value })) } });
};

export const putObjectTagging: Handler = async (ctx) => {
  const doc = parseXml(await smallText(ctx, 64 * 1024));
  const tagSet = doc.Tagging?.TagSet;
  if (doc.Tagging === undefined || (!isBlank(tagSet) && typeof tagSet !== "object")) throw new S3Error("MalformedXML");
  const tags: Record<string, string> = {};
  for (const t of (typeof tagSet === "object" ? tagSet.Tag : undefined) ?? []) {
    if (typeof t !== "object" || typeof t.Key !== "string") throw new S3Error("MalformedXML");
    const value = t.Value === undefined ? "" : String(t.Value);
    if (t.Key in tags) throw new S3Error("InvalidTag", { message: "Cannot provide multiple Tags with the same key" });
    tags[t.Key] = value;
  }
  validateTags(tags);
  await setTags(ctx, tags, "s3:ObjectCreated:PutTagging");
  return new Response(null, { status: 200 });
};

export const deleteObjectTagging: Handler = async (ctx) => {
  await setTags(ctx, {}, "s3:ObjectCreated:DeleteTagging");
  return new Response(null, { status: 204 });
};
