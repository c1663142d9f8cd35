// CopyObject and UploadPartCopy (as Garage copy.rs): metadata operations; the new version or
// part shares the source's chunks.
import { S3Error } from "../xml/errors.ts";
import { xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { ChunkRef, ObjectRecord } from "../store/types.ts";
import { checkKey } from "./names.ts";
import { requireObject } from "./require.ts";
import { checkCopySourceConditions, writeConditions } from "./conditions.ts";
import { storedHeaders } from "./object-headers.ts";
import { objectAclHeaders } from "./acl-handlers.ts";
import { OBJECT_ACL_HEADER } from "./acl.ts";
import { requestTags } from "./request-tags.ts";
import { putError } from "./put-error.ts";
import { storageClass } from "./storage-class.ts";
import { safeDecode } from "../auth/authenticate.ts";
import { checksumHeaders } from "./checksum.ts";
import { readExactly, restoreChunks } from "./chunk-copy.ts";
import { manifestSlices, objectStream } from "./object-body.ts";
import { storeChunk } from "./ingest.ts";
import { commitError, partNumber, requireUpload } from "./upload.ts";
import { toHex } from "../util/hash.ts";
import { newSession } from "../store/session.ts";
import { requestEvents } from "./event-source.ts";
import { s3Arn } from "../auth/authorize.ts";
import { checkVersionId, versionIdHeader, versioningStatus, writeVersionId } from "./versioning.ts";
import { writeLock } from "./object-lock.ts";
import { expirationHeaders } from "./expiration-header.ts";
import { asksEncryption, readEncryption, uploadEncryption, writeEncryption } from "../sse/request.ts";
import { mustReseal, resealCopy, resealedFields } from "../sse/copy.ts";

/** `x-amz-copy-source: /bucket/key?versionId=…` (URL-encoded). */
export function parseCopySource(v: string): { bucket: string; key: string; versionId?: string } {
  let s = v;
  const qi = s.indexOf("?");
  let versionId: string | undefined;
  if (qi >= 0) {
    const vid = new URLSearchParams(s.slice(qi + 1)).get("versionId");
    if (vid !== null) versionId = checkVersionId(vid, "x-amz-copy-source");
    s = s.slice(0, qi);
  }
  s = safeDecode(s);
  if (s.startsWith("/")) s = s.slice(1);
  const i = s.indexOf("/");
  if (i <= 0 || i === s.length - 1) throw new S3Error("InvalidArgument", { message: "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", extra: { ArgumentName: "x-amz-copy-source" } });
  return { bucket: s.slice(0, i), key: s.slice(i + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

export async function copySourceObject(ctx: ReqCtx): Promise<ObjectRecord> {
  const src = parseCopySource(ctx.headers.get("x-amz-copy-source")!);
  // Reading the source is a permission of its own, asked before its existence is told.
  await ctx.authorize(src.versionId === undefined ? "s3:GetObject" : "s3:GetObjectVersion", s3Arn(src.bucket, src.key));
  let obj: ObjectRecord;
  try {
    obj = await requireObject(ctx, src);
  } catch (e) {
    // S3: a copy may not name a delete marker by id (400, not GET's 405).
    if (e instanceof S3Error && e.code === "MethodNotAllowed") {
      throw new S3Error("InvalidRequest", { message: "The source of a copy request may not specifically refer to a delete marker by version id." });
    }
    throw e;
  }
  checkCopySourceConditions(ctx.headers, obj);
  return obj;
}

/** x-amz-copy-source-version-id: the source's version, when it has one or the request named it. */
function copySourceVersionHeader(ctx: ReqCtx, src: ObjectRecord): Record<string, string> {
  const named = parseCopySource(ctx.headers.get("x-amz-copy-source")!).versionId !== undefined;
  return src.versionId !== "null" || named ? { "x-amz-copy-source-version-id": src.versionId } : {};
}

function withoutAcl(h: Record<string, string>): Record<string, string> {
  const { [OBJECT_ACL_HEADER]: _, ...rest } = h;
  return rest;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const copyObject: Handler = async (ctx) => {
  checkKey(ctx.key);
  const src = await copySourceObject(ctx);
  const directive = (ctx.headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  const tagDirective = (ctx.headers.get("x-amz-tagging-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") throw new S3Error("InvalidArgument", { message: "Unknown metadata directive.", extra: { ArgumentName: "x-amz-metadata-directive" } });
  if (tagDirective !== "COPY" && tagDirective !== "REPLACE") throw new S3Error("InvalidArgument", { message: "Unknown tagging directive.", extra: { ArgumentName: "x-amz-tagging-directive" } });
  const srcRef = parseCopySource(ctx.headers.get("x-amz-copy-source")!);
  // Copying an older version onto its own key is how a version is restored (S3 allows it).
  const sameKey = srcRef.bucket === ctx.bucket && srcRef.key === ctx.key && srcRef.versionId === undefined;
  const cls = ctx.headers.has("x-amz-storage-class") ? storageClass(ctx.headers) : src.storageClass;
  // Either side encrypted (src/sse): the data is rewritten, opened with the source's key
  // (x-amz-copy-source-server-side-encryption-customer-*) and sealed as the destination asks.
  const from = await readEncryption(ctx, src, true);
  const to = await writeEncryption(ctx);
  const encryptionChanges = asksEncryption(ctx.headers) || (src.sse?.mode ?? "") !== (to?.record.mode ?? "");
  if (sameKey && directive === "COPY" && !ctx.headers.has("x-amz-storage-class") && tagDirective === "COPY" && !encryptionChanges) {
    throw new S3Error("InvalidRequest", {
      message: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
  }
  const resealed = mustReseal(from, to) ? await resealCopy(ctx, src, from, to) : null;
  const now = ctx.deps.clock.now();
  const status = await versioningStatus(ctx);
  // S3 copies no lock: the copy gets the request's, or the destination bucket's default.
  const lock = { retention: undefined, legalHold: undefined, ...(await writeLock(ctx)) };
  const obj: ObjectRecord = {
    ...src, ...lock,
    ...(resealed ? await resealedFields(resealed, to) : {}),
    bucket: ctx.bucket,
    key: ctx.key,
    versionId: writeVersionId(status),
    lastModified: now,
    // The copy is a new object: private unless the request names an ACL (S3 copies no ACL).
    headers: { ...withoutAcl(directive === "REPLACE" ? storedHeaders(ctx.headers) : src.headers), ...(await objectAclHeaders(ctx)) },
    tags: tagDirective === "REPLACE" ? await requestTags(ctx) : src.tags,
    storageClass: cls,
  };
  const cond = writeConditions(ctx.headers);
  const events = await requestEvents(ctx, "s3:ObjectCreated:Copy", ctx.key, obj);
  let res = await ctx.deps.meta.putObject(obj, { cond, events, session: resealed?.session });
  if (!res.ok && resealed) await ctx.deps.meta.releaseSession(resealed.session).catch(() => {});
  if (!res.ok && !resealed && res.reason === "ChunkMissing" && srcRef.bucket !== ctx.bucket && obj.manifest?.length) {
    // The destination does not hold the source's chunks (a store sharded by bucket): copy the data.
    const session = newSession(ctx.bucket);
    try {
      res = await ctx.deps.meta.putObject({ ...obj, manifest: await restoreChunks(ctx.deps, session, obj.manifest) }, { session, cond, events });
    } finally {
      if (!res.ok) await ctx.deps.meta.releaseSession(session).catch(() => {});
    }
  }
  // A chunk gone at commit means the source was deleted (and collected) during the copy.
  if (!res.ok) throw res.reason === "ChunkMissing" ? new S3Error("NoSuchKey") : putError(res.reason);
  const ck = src.checksum ? { [`Checksum${src.checksum.algorithm}`]: src.checksum.value } : {};
  return xmlResponse("CopyObjectResult", { LastModified: iso(now), ETag: obj.etag, ...ck }, {
    headers: {
      ...checksumHeaders(src.checksum && { algorithm: src.checksum.algorithm, value: src.checksum.value }),
      ...versionIdHeader(obj.versionId, status), ...copySourceVersionHeader(ctx, src), ...expirationHeaders(ctx, obj), ...to?.headers,
    },
  });
};

function copyRange(h: Headers, size: number): { start: number; end: number } {
  const v = h.get("x-amz-copy-source-range");
  if (v === null) return { start: 0, end: size - 1 };
  const m = /^bytes=(\d+)-(\d+)$/.exec(v.trim());
  if (!m) throw new S3Error("InvalidArgument", { message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", extra: { ArgumentName: "x-amz-copy-source-range", ArgumentValue: v } });
  const start = Number(m[1]), end = Number(m[2]);
  if (start > end || end >= size) throw new S3Error("InvalidRange", { message: "The requested range is not satisfiable", extra: { RangeRequested: v, ActualObjectSize: String(size) } });
  return { start, end };
}

/**
 * UploadPartCopy: whole source chunks are shared by reference; only the (at most two)
 * partially covered edge chunks are rewritten. The part ETag is the MD5 of the range, so the
 * range is read once to hash it unless the source's own ETag already is that MD5.
 */
export const uploadPartCopy: Handler = async (ctx) => {
  const n = partNumber(ctx.query);
  const upload = await requireUpload(ctx);
  const src = await copySourceObject(ctx);
  const { start, end } = copyRange(ctx.headers, src.size);
  const length = src.size === 0 ? 0 : end - start + 1;
  if (length > ctx.deps.config.maxPutSize) throw new S3Error("EntityTooLarge");
  const from = await readEncryption(ctx, src, true);
  const to = await uploadEncryption(ctx, upload);
  if (mustReseal(from, to)) return resealedPartCopy(ctx, n, upload.uploadId, src, from, to, { start, end });
  const session = newSession(ctx.bucket);
  const manifest: ChunkRef[] = [];
  const wholeSimple = start === 0 && length === src.size && !src.etag.includes("-");
  const md5 = wholeSimple ? null : ctx.deps.hasher("md5");
  try {
    if (src.inline) {
      const data = src.inline.subarray(start, start + length);
      md5?.update(data);
      if (data.length) manifest.push(await storeChunk(ctx.deps, session, data));
    } else if (length > 0) {
      for (const s of manifestSlices(src.manifest ?? [], start, end)) {
        const partial = s.offset !== 0 || s.length !== s.chunk.size;
        if (!partial && !md5) { manifest.push(s.chunk); continue; }
        const one = { manifest: [s.chunk], size: s.chunk.size };
        const bytes = await readExactly(objectStream(ctx.deps, one, { start: s.offset, end: s.offset + s.length - 1 }), s.length);
        md5?.update(bytes);
        manifest.push(partial ? await storeChunk(ctx.deps, session, bytes) : s.chunk);
      }
    }
    const etag = md5 ? `"${toHex(await md5.digest())}"` : src.etag;
    const now = ctx.deps.clock.now();
    const part = { uploadId: upload.uploadId, number: n, size: length, etag, lastModified: now, manifest };
    let res = await ctx.deps.meta.putPart(ctx.bucket, part, { session });
    if (!res.ok && res.reason === "ChunkMissing" && src.bucket !== ctx.bucket) {
      // The destination does not hold the source's chunks (a store sharded by bucket): copy the data.
      res = await ctx.deps.meta.putPart(ctx.bucket, { ...part, manifest: await restoreChunks(ctx.deps, session, manifest) }, { session });
    }
    // A chunk gone at commit means the source was deleted (and collected) during the copy.
    if (!res.ok) throw res.reason === "ChunkMissing" ? new S3Error("NoSuchKey") : commitError(res.reason, upload.uploadId);
    return xmlResponse("CopyPartResult", { LastModified: iso(now), ETag: etag }, { headers: copySourceVersionHeader(ctx, src) });
  } catch (e) {
    await ctx.deps.meta.releaseSession(session);
    throw e;
  }
};

/** UploadPartCopy where the source or the upload is encrypted: the range's bytes are rewritten (src/sse/copy.ts). */
async function resealedPartCopy(ctx: ReqCtx, n: number, uploadId: string, src: ObjectRecord,
  from: Awaited<ReturnType<typeof readEncryption>>, to: Awaited<ReturnType<typeof uploadEncryption>>, range: { start: number; end: number }): Promise<Response> {
  const data = await resealCopy(ctx, src, from, to, src.size === 0 ? undefined : range);
  const etag = to ? await to.etag(data.md5Hex) : `"${data.md5Hex}"`;
  const now = ctx.deps.clock.now();
  const res = await ctx.deps.meta.putPart(ctx.bucket, { uploadId, number: n, size: data.size, etag, lastModified: now, manifest: data.manifest ?? [] }, { session: data.session });
  if (!res.ok) {
    await ctx.deps.meta.releaseSession(data.session);
    throw commitError(res.reason, uploadId);
  }
  return xmlResponse("CopyPartResult", { LastModified: iso(now), ETag: etag }, { headers: { ...copySourceVersionHeader(ctx, src), ...to?.headers } });
}
