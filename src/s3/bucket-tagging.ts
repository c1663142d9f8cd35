// Get/Put/DeleteBucketTagging: the bucket's tag set, stored as a bucket configuration (JSON).
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./require.ts";
import { smallText } from "./request-body.ts";

export const BUCKET_TAGGING_CONFIG = "tagging";

// S3's limits for bucket tags: 50 per bucket, keys of 1–128 and values of 0–256 Unicode characters.
const MAX_BUCKET_TAGS = 50;

function storedTags(ctx: ReqCtx): Promise<string | null> | string | null {
  return ctx.bucketState ? (ctx.bucketState.configs[BUCKET_TAGGING_CONFIG] ?? null) : ctx.deps.meta.getBucketConfig(ctx.bucket, BUCKET_TAGGING_CONFIG);
}

async function saveTags(ctx: ReqCtx, tags: [string, string][] | null) {
  const value = tags ? JSON.stringify(tags) : null;
  if (!(await ctx.deps.meta.putBucketConfig(ctx.bucket, BUCKET_TAGGING_CONFIG, value)).ok) {
    throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  }
}

/** The tag set of a `<Tagging>` body, in the order sent; InvalidTag as S3 answers for each limit. */
export function parseBucketTagging(text: string): [string, string][] {
  const doc = parseXml(text);
  const tagSet = doc.Tagging?.TagSet;
  if (doc.Tagging === undefined || tagSet === undefined || (!isBlank(tagSet) && typeof tagSet !== "object")) throw new S3Error("MalformedXML");
  const tags = new Map<string, string>();
  for (const t of (typeof tagSet === "object" ? tagSet.Tag : undefined) ?? []) {
    if (typeof t !== "object" || typeof t.Key !== "string") throw new S3Error("MalformedXML");
    const value = t.Value === undefined ? "" : String(t.Value);
    if (tags.has(t.Key)) throw new S3Error("InvalidTag", { message: "Cannot provide multiple Tags with the same key" });
    if (!t.Key.length || [...t.Key].length > 128) throw new S3Error("InvalidTag", { message: "The TagKey you have provided is invalid" });
    if ([...value].length > 256) throw new S3Error("InvalidTag", { message: "The TagValue you have provided is too long" });
    // aws: is reserved for tags AWS itself sets (aws:cloudformation:stack-name, …).
    if (t.Key.toLowerCase().startsWith("aws:")) throw new S3Error("InvalidTag", { message: "System tags cannot be added/updated by requester" });
    tags.set(t.Key, value);
  }
  if (tags.size > MAX_BUCKET_TAGS) throw new S3Error("InvalidTag", { message: "Bucket tag count cannot be greater than 50" });
  return [...tags];
}

export const getBucketTagging: Handler = async (ctx) => {
  await requireBucket(ctx);
  const raw = await storedTags(ctx);
  // No tags is NoSuchTagSet, not an empty set (Terraform's aws provider reads exactly this).
  if (raw === null) throw new S3Error("NoSuchTagSet", { extra: { BucketName: ctx.bucket } });
  const tags = JSON.parse(raw) as [string, string][];
  return xmlResponse("Tagging", { TagSet: { Tag: tags.map(([Key, Value]) => ({ Key, Value })) } });
};

export const putBucketTagging: Handler = async (ctx) => {
  await requireBucket(ctx);
  const tags = parseBucketTagging(await smallText(ctx, 64 * 1024));
  // An empty TagSet removes the tags, as S3 does (a GET after it is NoSuchTagSet).
  await saveTags(ctx, tags.length ? tags : null);
  return new Response(null, { status: 204 });
};

export const deleteBucketTagging: Handler = async (ctx) => {
  await requireBucket(ctx);
  await saveTags(ctx, null);
  return new Response(null, { status: 204 });
};
