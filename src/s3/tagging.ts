// Get/Put/DeleteObjectTagging.
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler } from "./context.ts";
import { requireObject } from "./object-get.ts";
import { validateTags } from "./object-headers.ts";
import { smallText } from "./request-body.ts";
import { aclResponse } from "./bucket.ts";

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
  await requireObject(ctx);
  if (!(await ctx.deps.meta.updateObjectTags(ctx.bucket, ctx.key, tags))) throw new S3Error("NoSuchKey");
  return new Response(null, { status: 200 });
};

export const deleteObjectTagging: Handler = async (ctx) => {
  await requireObject(ctx);
  await ctx.deps.meta.updateObjectTags(ctx.bucket, ctx.key, {});
  return new Response(null, { status: 204 });
};

export const getObjectAcl: Handler = async (ctx) => {
  await requireObject(ctx);
  return aclResponse(ctx);
};
