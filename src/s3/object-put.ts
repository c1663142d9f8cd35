// PutObject: stream → chunks → one commit.
import { S3Error } from "../xml/errors.ts";
import type { Handler, ReqCtx } from "./context.ts";
import { requireBucket } from "./bucket.ts";
import { checkKey } from "./names.ts";
import { contentMd5, objectBody } from "./request-body.ts";
import { ingest, type Ingested } from "./ingest.ts";
import { checksumHeaders, checksumRequest } from "./checksum.ts";
import { parseTaggingHeader, storedHeaders } from "./object-headers.ts";
import { writeConditions } from "./conditions.ts";
import type { ChecksumAlgorithm, ObjectRecord, PutResult } from "../store/types.ts";
import { outboxFull, pendingEvents } from "../events/emit.ts";

export const STORAGE_CLASSES = new Set(["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE"]);

export function storageClass(h: Headers): string {
  const v = h.get("x-amz-storage-class") ?? "STANDARD";
  if (!STORAGE_CLASSES.has(v)) throw new S3Error("InvalidStorageClass");
  return v;
}

/** Reads and stores a request body as the signature and headers describe it. */
export async function ingestRequestBody(ctx: ReqCtx, opts: { maxSize: number; allowInline: boolean; uploadChecksum?: ChecksumAlgorithm }): Promise<Ingested> {
  const md5 = contentMd5(ctx.headers);
  const ck = checksumRequest(ctx.headers, opts.uploadChecksum);
  const body = objectBody(ctx);
  if (body.size > opts.maxSize) {
    await ctx.req.body?.cancel().catch(() => {});
    throw new S3Error("EntityTooLarge", { extra: { ProposedSize: String(body.size), MaxSizeAllowed: String(opts.maxSize) } });
  }
  if (ck?.trailer && !body.trailers) throw new S3Error("InvalidRequest", { message: "x-amz-trailer requires an aws-chunked body" });
  return ingest(ctx.deps, body.stream, {
    bucket: ctx.bucket,
    expectedSize: body.size,
    maxSize: opts.maxSize,
    contentMd5: md5,
    sha256Hex: ctx.payload.kind === "sha256" ? ctx.payload.hex : undefined,
    checksum: ck && {
      algorithm: ck.algorithm,
      expected: ck.expected,
      trailer: ck.trailer ? () => body.trailers?.[ck.trailer!] : undefined,
    },
    allowInline: opts.allowInline,
  });
}

export const putObject: Handler = async (ctx) => {
  checkKey(ctx.key);
  const headers = storedHeaders(ctx.headers);
  const tags = parseTaggingHeader(ctx.headers.get("x-amz-tagging"));
  const cls = storageClass(ctx.headers);
  const cond = writeConditions(ctx.headers);
  await requireBucket(ctx);
  const data = await ingestRequestBody(ctx, { maxSize: ctx.deps.config.maxPutSize, allowInline: true });
  const etag = `"${data.md5Hex}"`;
  const obj: ObjectRecord = {
    bucket: ctx.bucket, key: ctx.key, versionId: "null", size: data.size, etag, lastModified: ctx.deps.clock.now(),
    headers, tags, checksum: data.checksum && { ...data.checksum, type: "FULL_OBJECT" }, storageClass: cls,
    inline: data.inline, manifest: data.manifest,
  };
  const events = await pendingEvents(ctx, "s3:ObjectCreated:Put", ctx.key, obj);
  const res = await ctx.deps.meta.putObject(obj, { session: data.session, cond, events });
  if (!res.ok) {
    await ctx.deps.meta.releaseSession(data.session);
    throw putError(res.reason);
  }
  return new Response(null, { status: 200, headers: { etag, ...checksumHeaders(data.checksum) } });
};

/** Maps a failed commit to its S3 error. */
export function putError(reason: Exclude<PutResult, { ok: true }>["reason"]): S3Error {
  switch (reason) {
    case "NoSuchBucket": return new S3Error("NoSuchBucket");
    case "PreconditionFailed": return new S3Error("PreconditionFailed");
    case "InvalidPart": return new S3Error("InvalidPart");
    case "NoSuchUpload": return new S3Error("NoSuchUpload");
    case "SlowDown": return outboxFull();
    // Our own pins expired (an upload slower than the session TTL): retryable.
    case "ChunkMissing": return new S3Error("InternalError", { message: "Upload took too long; please retry." });
  }
}
