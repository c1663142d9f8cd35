// GetObjectAttributes: HeadObject and ListParts of the completed object in one call.
import { S3Error } from "../xml/errors.ts";
import { xmlResponse } from "../xml/xml.ts";
import type { Handler } from "./context.ts";
import { requireObject } from "./require.ts";
import { httpDate } from "./object-headers.ts";
import { s3Arn } from "../auth/authorize.ts";
import type { ObjectRecord } from "../store/types.ts";
import { requestedVersion, versionIdHeader, versioningStatus } from "./versioning.ts";
import { readEncryption } from "../sse/request.ts";

const ATTRIBUTES = new Set(["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]);

/** The names x-amz-object-attributes lists (comma separated; SDKs send one header, joined). */
export function requestedAttributes(h: Headers): Set<string> {
  const raw = h.get("x-amz-object-attributes") ?? "";
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  // S3 (and versitygw, which is tested against it) tells a missing list from a wrong name.
  if (!names.length) {
    throw new S3Error("InvalidRequest", { message: "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty" });
  }
  for (const n of names) if (!ATTRIBUTES.has(n)) throw new S3Error("InvalidArgument", { message: "Invalid attribute name specified.", extra: { ArgumentName: "x-amz-object-attributes", ArgumentValue: n } });
  return new Set(names);
}

function intHeader(h: Headers, name: string, fallback: number): number {
  const v = h.get(name);
  if (v === null || v.trim() === "") return fallback;
  if (!/^\d+$/.test(v.trim()) || Number(v) > 2147483647) {
    throw new S3Error("InvalidArgument", { message: `Argument ${name.replace(/^x-amz-/, "")} must be an integer between 0 and 2147483647`, extra: { ArgumentName: name, ArgumentValue: v } });
  }
  return Number(v);
}

/**
 * ObjectParts as S3 gives it for general purpose buckets: the part count always, the parts
 * themselves (number, size, checksum) only when the object has an additional checksum.
 */
function objectParts(obj: ObjectRecord, max: number, marker: number): Record<string, unknown> | undefined {
  if (!obj.parts?.length) return undefined; // not a multipart object: no ObjectParts at all
  const alg = obj.checksum?.algorithm;
  if (!alg) return { PartsCount: obj.parts.length };
  const after = obj.parts.filter((p) => p.number > marker);
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  return {
    PartNumberMarker: marker,
    NextPartNumberMarker: page.length ? page[page.length - 1].number : marker,
    MaxParts: max,
    IsTruncated: truncated,
    Part: page.map((p) => ({ ...(p.checksum ? { [`Checksum${alg}`]: p.checksum } : {}), PartNumber: p.number, Size: p.size })),
    PartsCount: obj.parts.length,
  };
}

export const getObjectAttributes: Handler = async (ctx) => {
  const wanted = requestedAttributes(ctx.headers);
  const max = Math.min(intHeader(ctx.headers, "x-amz-max-parts", 1000), 1000);
  const marker = intHeader(ctx.headers, "x-amz-part-number-marker", 0);
  // S3 asks for s3:GetObject as well as s3:GetObjectAttributes (s3:GetObjectVersion for a version).
  await ctx.authorize(requestedVersion(ctx) === undefined ? "s3:GetObject" : "s3:GetObjectVersion", s3Arn(ctx.bucket, ctx.key));
  const obj = await requireObject(ctx);
  // As GetObject: an SSE-C object's attributes need its key; the encryption is answered (src/sse).
  const sse = (await readEncryption(ctx, obj))?.headers;
  const body: Record<string, unknown> = {};
  // Here S3 gives the ETag without its quotes.
  if (wanted.has("ETag")) body.ETag = obj.etag.replace(/^"|"$/g, "");
  if (wanted.has("Checksum") && obj.checksum) {
    // A composite value without HeadObject's "-N" suffix: the part count is in ObjectParts.
    body.Checksum = { [`Checksum${obj.checksum.algorithm}`]: obj.checksum.value.replace(/-\d+$/, ""), ChecksumType: obj.checksum.type };
  }
  if (wanted.has("ObjectParts")) {
    const parts = objectParts(obj, max, marker);
    if (parts) body.ObjectParts = parts;
  }
  if (wanted.has("StorageClass")) body.StorageClass = obj.storageClass;
  if (wanted.has("ObjectSize")) body.ObjectSize = obj.size;
  const versionHeader = versionIdHeader(obj.versionId, (await versioningStatus(ctx)) ?? requestedVersion(ctx) !== undefined);
  return xmlResponse("GetObjectAttributesResponse", body, { headers: { "last-modified": httpDate(obj.lastModified), ...versionHeader, ...sse } });
};
