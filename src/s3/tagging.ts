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
import { s3Arn } from "../auth/authorize.ts";
import { tagConditions } from "../auth/conditions.ts";
import { requestedVersion, versionIdHeader } from "./versioning.ts";

/** S3 names the version a tagging call read or changed, when the request named one or it has an id. */
const versionHeader = (ctx: ReqCtx, versionId: string) => versionIdHeader(versionId, requestedVersion(ctx) !== undefined);

/** Replaces the tags, with the tagging event committed alongside (MinIO's ObjectCreated:PutTagging/DeleteTagging). */
async function setTags(ctx: ReqCtx, tags: Record<string, string>, eventName: EventName): Promise<Record<string, string>> {
  const [obj, config] = await Promise.all([requireObject(ctx), notificationConfig(ctx)]);
  const events = await requestEvents(ctx, eventName, ctx.key, obj, config);
  const versionId = requestedVersion(ctx);
  const r = await ctx.deps.meta.updateObjectTags(ctx.bucket, ctx.key, tags, events, versionId);
  if (!r.ok) throw r.reason === "SlowDown" ? outboxFull() : new S3Error(r.reason, { extra: { Key: ctx.key, ...(versionId ? { VersionId: versionId } : {}) } });
  return versionHeader(ctx, obj.versionId);
}

export const getObjectTagging: Handler = async (ctx) => {
  const obj = await requireObject(ctx);
  return xmlResponse("Tagging", { TagSet: { Tag: Object.entries(obj.tags).map(([Key, Value]) => ({ Key, Value })) } }, { headers: versionHeader(ctx, obj.versionId) });
};

export const putObjectTagging: Handler = async (ctx) => {
  const action = requestedVersion(ctx) === undefined ? "s3:PutObjectTagging" : "s3:PutObjectVersionTagging";
  let tags: Record<string, string>;
  try {
    tags = await requestedTags(ctx);
  } catch (e) {
    // A caller who may not tag at all learns that, not what is wrong with the body (as S3 answers).
    await ctx.authorize(action, s3Arn(ctx.bucket, ctx.key));
    throw e;
  }
  // Authorized here, not by the pipeline: the tags are condition keys (api.ts PER_KEY).
  await ctx.authorize(action, s3Arn(ctx.bucket, ctx.key), tagConditions("s3:RequestObjectTag", tags));
  return new Response(null, { status: 200, headers: await setTags(ctx, tags, "s3:ObjectCreated:PutTagging") });
};

/** The tag set of a PutObjectTagging body, validated. */
async function requestedTags(ctx: ReqCtx): Promise<Record<string, string>> {
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
  return tags;
}

export const deleteObjectTagging: Handler = async (ctx) => {
  return new Response(null, { status: 204, headers: await setTags(ctx, {}, "s3:ObjectCreated:DeleteTagging") });
};
