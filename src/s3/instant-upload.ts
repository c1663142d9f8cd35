// Instant upload (osproxy's 秒传): a PutObject that names its content by SHA-256 and size and
// sends no bytes, answered from an object the bucket already holds with that content. The new
// version references the same chunks (their counts go up at its commit), so the same file
// under many names is stored once and GC frees a chunk only once no version references it.
//
// The request: `x-s3edge-instant: <size>`, `x-amz-checksum-sha256: <base64>`, an empty body
// (Content-Length: 0), and optionally Content-MD5 (the content's, not the empty body's). A hit
// answers as that PUT with the bytes would (200, ETag = the content's MD5, version id); a miss
// is 412 ContentNotStored and the client sends the bytes.
//
// Who may learn what: a principal allowed to PUT here could otherwise probe the gateway for
// any content whose hash it knows, or obtain a copy it could not read (a hash is no proof of
// possession: the "Dropship" attack on deduplicating stores). So a lookup only looks in the
// request's own bucket, and a stored object counts only if the caller may s3:GetObject it; a
// miss and an object it may not read answer the same. Only content the gateway verified while
// the bytes passed through counts (versionContent below); a claimed hash is never trusted.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "./context.ts";
import type { ContentDigests, ObjectRecord } from "../store/types.ts";
import type { Ingested } from "./ingest.ts";
import { fromBase64, fromHex, toBase64, toHex } from "../util/hash.ts";
import { uploadBody, contentMd5 } from "./request-body.ts";
import { s3Arn } from "../auth/authorize.ts";
import { newSession } from "../store/session.ts";

/** The request header that asks for an instant upload; its value is the content's size in bytes. */
export const INSTANT_HEADER = "x-s3edge-instant";
/** CompleteMultipartUpload: the whole object's SHA-256 (base64), verified before the commit so the object can be found. */
export const CONTENT_SHA256_HEADER = "x-s3edge-content-sha256";
const SHA256_HEADER = "x-amz-checksum-sha256";
/** SHA-256 of no bytes: what a signed empty body declares. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** Objects with the same content looked at per request: the caller may be refused some. */
const CANDIDATES = 16;

/** An ingest result together with the content it names (instant upload or a verified body). */
export type PutData = Ingested & { content?: ContentDigests };

export const isInstantUpload = (ctx: ReqCtx): boolean => ctx.headers.has(INSTANT_HEADER);

/** What an instant PutObject names, validated (400 for a malformed request, never a miss). */
function instantRequest(ctx: ReqCtx): { sha256: string; size: number; md5?: string } {
  const v = ctx.headers.get(INSTANT_HEADER)!.trim();
  if (!/^\d{1,16}$/.test(v) || Number(v) > ctx.deps.config.maxPutSize) {
    throw new S3Error("InvalidArgument", { message: `${INSTANT_HEADER} must be the object's size in bytes.`, extra: { ArgumentName: INSTANT_HEADER, ArgumentValue: v } });
  }
  const sha = fromBase64(ctx.headers.get(SHA256_HEADER)?.trim() ?? "");
  if (!sha || sha.length !== 32) throw new S3Error("InvalidRequest", { message: `An instant upload needs ${SHA256_HEADER} (base64 SHA-256 of the content).` });
  const md5 = contentMd5(ctx.headers);
  return { sha256: toHex(sha), size: Number(v), ...(md5 ? { md5: toHex(md5) } : {}) };
}

/**
 * The stored data an instant PutObject stands for, in the shape of an ingested body, so the PUT
 * handler commits it as it would the bytes (versioning, conditions, events, headers alike).
 * Throws ContentNotStored when no object the caller may read holds this content.
 */
export async function instantUploadData(ctx: ReqCtx): Promise<PutData> {
  const want = instantRequest(ctx);
  const body = uploadBody(ctx);
  if (body.size !== 0) {
    await ctx.req.body?.cancel().catch(() => {});
    throw new S3Error("InvalidRequest", { message: "An instant upload sends no body (Content-Length: 0)." });
  }
  await body.stream?.cancel().catch(() => {});
  if (ctx.payload.kind === "sha256" && ctx.payload.hex !== EMPTY_SHA256) throw new S3Error("XAmzContentSHA256Mismatch");
  const source = await readableSource(ctx, want);
  if (!source) throw new S3Error("ContentNotStored", { extra: { ChecksumSHA256: toBase64(fromHex(want.sha256)), Size: String(want.size) } });
  return {
    // A session of its own pins nothing (the chunks are referenced, not written), but routes the
    // handler's releaseSession on a refused commit to this bucket's store like any other.
    size: source.size, md5Hex: source.content!.md5, session: newSession(ctx.bucket),
    inline: source.inline, manifest: source.manifest, content: source.content,
    checksum: { algorithm: "SHA256", value: toBase64(fromHex(want.sha256)) },
  };
}

/** The first object with the content that the caller may read, or null. */
async function readableSource(ctx: ReqCtx, want: { sha256: string; size: number; md5?: string }): Promise<ObjectRecord | null> {
  const found = await ctx.deps.meta.findObjectsByContent(ctx.bucket, want.sha256, want.size, CANDIDATES);
  for (const o of found) {
    if (!o.content || (want.md5 !== undefined && o.content.md5 !== want.md5)) continue;
    // Sealed chunks (src/sse: a copy re-encrypted keeps the source's digests) are not these bytes.
    if (o.sse || Object.keys(o.headers).some((h) => h.startsWith("x-amz-server-side-encryption"))) continue;
    try {
      await ctx.authorize("s3:GetObject", s3Arn(ctx.bucket, o.key));
      return o;
    } catch (e) {
      if (e instanceof S3Error && e.code === "AccessDenied") continue;
      throw e;
    }
  }
  return null;
}

/** A commit refused for a missing chunk: the source went (deleted and collected) meanwhile. */
export function instantCommitError(ctx: ReqCtx, reason: string): S3Error | null {
  return isInstantUpload(ctx) && reason === "ChunkMissing" ? new S3Error("ContentNotStored") : null;
}

/**
 * The whole content's digests of a PUT body, where the gateway knows them without another pass:
 * a SHA-256 it verified (x-amz-checksum-sha256, or a signed payload's x-amz-content-sha256), or
 * the data itself is one chunk (its content address). Otherwise none: the object cannot be found
 * by content (hashing every body twice would cost every PUT). Nor is an object small enough to be
 * stored inline: sending it costs about what asking does, and the content index would cost
 * every small PUT a B-tree insert (+~15 % CPU per 4 KiB PUT, measured with bench/compare.ts).
 */
export async function bodyContent(ctx: ReqCtx, data: PutData): Promise<ContentDigests | undefined> {
  if (data.inline || data.size <= ctx.deps.config.inlineLimit) return undefined;
  if (data.content) return data.content;
  const md5 = data.md5Hex;
  if (data.checksum?.algorithm === "SHA256") return { sha256: toHex(fromBase64(data.checksum.value)!), md5 };
  if (ctx.payload.kind === "sha256") return { sha256: ctx.payload.hex, md5 };
  if (data.manifest?.length === 1) return { sha256: data.manifest[0].hash, md5 };
  return undefined;
}

/**
 * CompleteMultipartUpload with x-s3edge-content-sha256: reads the assembled object once to
 * verify the claim (and take its MD5, the ETag an instant upload of it answers), so a multipart
 * object can be found by content too. A wrong claim is BadDigest and nothing is committed: an
 * unverified hash would let one writer plant other bytes under someone else's file's hash.
 */
export async function completedContent(ctx: ReqCtx, obj: Pick<ObjectRecord, "bucket" | "key" | "size" | "manifest">): Promise<ContentDigests | undefined> {
  const claim = ctx.headers.get(CONTENT_SHA256_HEADER);
  if (claim === null) return undefined;
  const want = fromBase64(claim.trim());
  if (!want || want.length !== 32) throw new S3Error("InvalidArgument", { message: `${CONTENT_SHA256_HEADER} must be a base64 SHA-256.`, extra: { ArgumentName: CONTENT_SHA256_HEADER } });
  const sha = ctx.deps.hasher("sha256");
  const md5 = ctx.deps.bulkMd5?.() ?? ctx.deps.hasher("md5");
  const feed = async (piece: Uint8Array) => {
    // The MD5 may hash off-thread, reading the piece until its update resolves: both settle first.
    await Promise.all([sha.update(piece), md5.update(piece)]);
  };
  // The chunks' blobs read straight, the next one opened while this one is hashed. Not through
  // objectStream: its per-chunk SHA-256 check would hash every byte a third time, and a damaged
  // chunk fails the whole-object check here anyway.
  const chunks = obj.manifest ?? [];
  const open = (i: number) => (i < chunks.length ? ctx.deps.blobs.get(chunks[i].blob) : Promise.resolve(null));
  let next = open(0);
  for (let i = 0; i < chunks.length; i++) {
    const blob = await next;
    next = open(i + 1);
    if (!blob || blob.size !== chunks[i].size) {
      next.then((b) => b?.body.cancel(), () => {});
      throw new S3Error("InternalError", { message: "Object data is missing or damaged" });
    }
    const reader = blob.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await feed(value);
    }
  }
  const got = toHex(await sha.digest());
  const md5Hex = toHex(await md5.digest());
  if (got !== toHex(want)) throw new S3Error("BadDigest", { message: `The ${CONTENT_SHA256_HEADER} you specified did not match the object's content.` });
  return { sha256: got, md5: md5Hex };
}

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
