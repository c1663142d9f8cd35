// ListObjectVersions (GET /bucket?versions): every version and delete marker, by key then
// newest first, with prefix, delimiter, key-marker + version-id-marker, max-keys, encoding-type.
// An unversioned bucket answers too: each object is its key's one, null, version.
import { S3Error } from "../xml/errors.ts";
import { buildXml, xmlFragment } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { VersionSummary } from "../store/types.ts";
import { requireBucket } from "./require.ts";
import { maxKeys } from "./params.ts";
import { commonPrefixOf, isCommonPrefixMarker } from "./common-prefix.ts";
import { ownerOf } from "./owner.ts";
import { encoder } from "./list.ts";
import { prefixUpperBound } from "../util/keys.ts";
import { checkVersionId } from "./versioning.ts";

interface VersionPage {
  entries: VersionSummary[];
  prefixes: string[];
  truncated: boolean;
  next?: { key: string; versionId?: string };
}

/** Walks the versions from (keyMarker, versionIdMarker), folding keys under the delimiter into common prefixes. */
export async function listVersionsPage(
  ctx: ReqCtx, prefix: string, delimiter: string, keyMarker: string, versionIdMarker: string | undefined, max: number,
): Promise<VersionPage> {
  const entries: VersionSummary[] = [];
  const prefixes: string[] = [];
  let start = keyMarker;
  let inclusive = false;
  let marker = versionIdMarker;
  // A marker that is a common prefix we returned resumes after that whole prefix.
  if (isCommonPrefixMarker(keyMarker, prefix, delimiter)) {
    const up = prefixUpperBound(keyMarker);
    if (up === null) return { entries, prefixes, truncated: false };
    start = up;
    inclusive = true;
    marker = undefined;
  }
  if (max === 0) return { entries, prefixes, truncated: false };
  let last: VersionPage["next"];
  for (;;) {
    const want = Math.min(max - entries.length - prefixes.length + 1, 1001);
    const rows = await ctx.deps.meta.listObjectVersions(ctx.bucket, { prefix, start, inclusive, versionIdMarker: marker, limit: want });
    marker = undefined;
    let folded = false;
    for (const r of rows) {
      if (entries.length + prefixes.length === max) return { entries, prefixes, truncated: true, next: last };
      const cp = commonPrefixOf(r.key, prefix, delimiter);
      if (cp !== null) {
        prefixes.push(cp);
        last = { key: cp };
        const up = prefixUpperBound(cp);
        if (up === null) return { entries, prefixes, truncated: false };
        start = up;
        inclusive = true;
        folded = true;
        break; // re-query past every version under this prefix
      }
      entries.push(r);
      last = { key: r.key, versionId: r.versionId };
    }
    if (folded) continue;
    if (rows.length < want) return { entries, prefixes, truncated: false };
    start = last!.key;
    marker = last!.versionId;
    inclusive = false;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export const listObjectVersions: Handler = async (ctx) => {
  const q = ctx.query;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const keyMarker = q.get("key-marker") ?? "";
  const rawVersionMarker = q.get("version-id-marker");
  const max = maxKeys(q);
  const enc = encoder(q);
  let versionIdMarker: string | undefined;
  if (rawVersionMarker) {
    if (!keyMarker) {
      throw new S3Error("InvalidArgument", { message: "A version-id marker cannot be specified without a key marker.", extra: { ArgumentName: "version-id-marker", ArgumentValue: rawVersionMarker } });
    }
    versionIdMarker = checkVersionId(rawVersionMarker, "version-id-marker");
  }
  await requireBucket(ctx);
  const page = await listVersionsPage(ctx, prefix, delimiter, keyMarker, versionIdMarker, max);
  const owner = ownerOf(ctx);
  const body: Record<string, unknown> = {
    Name: ctx.bucket, Prefix: enc(prefix), KeyMarker: enc(keyMarker), VersionIdMarker: rawVersionMarker ?? "",
    ...(page.truncated && page.next ? {
      NextKeyMarker: enc(page.next.key), ...(page.next.versionId !== undefined ? { NextVersionIdMarker: page.next.versionId } : {}),
    } : {}),
    MaxKeys: max,
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    IsTruncated: page.truncated,
    [ENTRIES]: "",
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
    ...(q.has("encoding-type") ? { EncodingType: "url" } : {}),
  };
  // S3 interleaves Version and DeleteMarker in listing order (key, then newest first); the
  // builder writes an object's keys as groups, so the entries are written one by one here.
  const entries = page.entries.map((e) => e.deleteMarker
    ? xmlFragment("DeleteMarker", { Owner: owner, Key: enc(e.key), VersionId: e.versionId, IsLatest: e.isLatest, LastModified: iso(e.lastModified) })
    : xmlFragment("Version", {
      Key: enc(e.key), VersionId: e.versionId, IsLatest: e.isLatest, LastModified: iso(e.lastModified), ETag: e.etag,
      Size: e.size, Owner: owner, StorageClass: e.storageClass,
    })).join("");
  const xml = buildXml("ListVersionsResult", body).replace(`<${ENTRIES}></${ENTRIES}>`, () => entries);
  return new Response(xml, { headers: { "content-type": "application/xml" } });
};

/** Where the entries go in the document (an element name no S3 document has). */
const ENTRIES = "S3edgeVersionEntries";
