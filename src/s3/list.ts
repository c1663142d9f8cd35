// ListObjects (v1) and ListObjectsV2: prefix, delimiter, markers, max-keys, encoding-type=url.
import { S3Error } from "../xml/errors.ts";
import { xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { ObjectSummary } from "../store/types.ts";
import { requireBucket } from "./require.ts";
import { maxKeys } from "./params.ts";
import { commonPrefixOf, isCommonPrefixMarker } from "./common-prefix.ts";
import { ownerOf } from "./owner.ts";
import { awsUriEncode } from "../auth/sigv4.ts";
import { prefixUpperBound } from "../util/keys.ts";
import { fromBase64, toBase64, utf8 } from "../util/hash.ts";

interface Page { contents: ObjectSummary[]; prefixes: string[]; truncated: boolean; next?: string }

/** Walks the index from `after`, folding keys under the delimiter into common prefixes. */
export async function listPage(ctx: ReqCtx, prefix: string, delimiter: string, after: string, max: number): Promise<Page> {
  const contents: ObjectSummary[] = [];
  const prefixes: string[] = [];
  let start = after;
  let inclusive = false;
  // A marker inside a common prefix we already returned resumes after that whole prefix.
  if (isCommonPrefixMarker(after, prefix, delimiter)) {
    const up = prefixUpperBound(after);
    if (up === null) return { contents, prefixes, truncated: false };
    start = up;
    inclusive = true;
  }
  let last = "";
  if (max === 0) return { contents, prefixes, truncated: false };
  for (;;) {
    const want = Math.min(max - contents.length - prefixes.length + 1, 1001);
    const rows = await ctx.deps.meta.listObjects(ctx.bucket, { prefix, start, inclusive, limit: want });
    let folded = false;
    for (const r of rows) {
      if (contents.length + prefixes.length === max) return { contents, prefixes, truncated: true, next: last };
      const cp = commonPrefixOf(r.key, prefix, delimiter);
      if (cp !== null) {
        prefixes.push(cp);
        last = cp;
        const up = prefixUpperBound(cp);
        if (up === null) return { contents, prefixes, truncated: false };
        start = up;
        inclusive = true;
        folded = true;
        break; // re-query past every key under this prefix
      }
      contents.push(r);
      last = r.key;
    }
    if (folded) continue;
    if (rows.length < want) return { contents, prefixes, truncated: false };
    start = last;
    inclusive = false;
  }
}

export function encoder(q: URLSearchParams): (s: string) => string {
  const t = q.get("encoding-type");
  if (t === null) return (s) => s;
  if (t.toLowerCase() !== "url") throw new S3Error("InvalidEncodingType", { extra: { ArgumentName: "encoding-type", ArgumentValue: t } });
  return (s) => awsUriEncode(s, true);
}

const iso = (ms: number) => new Date(ms).toISOString();

function entries(ctx: ReqCtx, page: Page, enc: (s: string) => string, withOwner: boolean) {
  const owner = ownerOf(ctx);
  return {
    Contents: page.contents.map((o) => ({
      Key: enc(o.key), LastModified: iso(o.lastModified), ETag: o.etag, Size: o.size,
      ...(withOwner ? { Owner: owner } : {}), StorageClass: o.storageClass,
    })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  };
}

export const listObjects: Handler = async (ctx) => {
  const q = ctx.query;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const marker = q.get("marker") ?? "";
  const max = maxKeys(q);
  const enc = encoder(q);
  await requireBucket(ctx);
  const page = await listPage(ctx, prefix, delimiter, marker, max);
  const body: Record<string, unknown> = {
    Name: ctx.bucket, Prefix: enc(prefix), Marker: enc(marker), MaxKeys: max,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    IsTruncated: page.truncated,
    // NextMarker is only returned with a delimiter (clients use the last key otherwise).
    ...(page.truncated && delimiter ? { NextMarker: enc(page.next!) } : {}),
    ...entries(ctx, page, enc, true),
    ...(q.has("encoding-type") ? { EncodingType: "url" } : {}),
  };
  return xmlResponse("ListBucketResult", body);
};

export const encodeToken = (key: string) => toBase64(utf8(key));
export function decodeToken(t: string): string {
  const b = fromBase64(t);
  if (!b) throw new S3Error("InvalidArgument", { message: "The continuation token provided is incorrect", extra: { ArgumentName: "continuation-token" } });
  return new TextDecoder().decode(b);
}

export const listObjectsV2: Handler = async (ctx) => {
  const q = ctx.query;
  if (q.get("list-type") !== "2") throw new S3Error("InvalidArgument", { message: "Invalid List Type specified in Request", extra: { ArgumentName: "list-type" } });
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const startAfter = q.get("start-after") ?? "";
  const token = q.get("continuation-token");
  const max = maxKeys(q);
  const enc = encoder(q);
  const fetchOwner = q.get("fetch-owner") === "true";
  await requireBucket(ctx);
  const after = token !== null ? decodeToken(token) : startAfter;
  const page = await listPage(ctx, prefix, delimiter, after, max);
  const body: Record<string, unknown> = {
    Name: ctx.bucket, Prefix: enc(prefix), MaxKeys: max, KeyCount: page.contents.length + page.prefixes.length,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    IsTruncated: page.truncated,
    ...(token !== null ? { ContinuationToken: token } : {}),
    ...(page.truncated ? { NextContinuationToken: encodeToken(page.next!) } : {}),
    ...(startAfter ? { StartAfter: enc(startAfter) } : {}),
    ...entries(ctx, page, enc, fetchOwner),
    ...(q.has("encoding-type") ? { EncodingType: "url" } : {}),
  };
  return xmlResponse("ListBucketResult", body);
};
