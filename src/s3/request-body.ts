// Request bodies as the signature declared them: plain, or aws-chunked with signatures/trailers.
import { S3Error } from "../xml/errors.ts";
import { decodeAwsChunked } from "../auth/chunked.ts";
import { fromBase64, toHex } from "../util/hash.ts";
import type { ReqCtx } from "./context.ts";
import { BodyTooLarge, readCapped } from "../http/pipeline.ts";

export interface UploadBody {
  stream: ReadableStream<Uint8Array> | null;
  /** Declared length; undefined for a Transfer-Encoding: chunked body (read up to the size limit). */
  size?: number;
  trailers?: Record<string, string>;
}

function declaredLength(v: string | null, name: string): number | undefined {
  if (v === null) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new S3Error("InvalidArgument", { message: `Invalid ${name}`, extra: { ArgumentName: name } });
  return Number(v);
}

/**
 * Whether the body is aws-chunked framed: a streaming signature says so, or an unsigned body
 * that names aws-chunked and its decoded length. `Content-Encoding: gzip, aws-chunked` on a
 * plain body (no decoded length) is a plain gzip body: S3 stores it as `gzip` (issue 12 #9).
 */
const awsChunked = (ctx: ReqCtx) => ctx.payload.kind === "streaming"
  || (/aws-chunked/i.test(ctx.headers.get("content-encoding") ?? "") && ctx.headers.has("x-amz-decoded-content-length"));

/** The object bytes of a PUT/UploadPart: a declared length, or a chunked body (below). */
export function uploadBody(ctx: ReqCtx): UploadBody {
  const h = ctx.headers;
  const contentLength = declaredLength(h.get("content-length"), "Content-Length");
  const p = ctx.payload;
  if (awsChunked(ctx)) {
    const decoded = declaredLength(h.get("x-amz-decoded-content-length"), "x-amz-decoded-content-length");
    if (decoded === undefined) throw new S3Error("MissingContentLength", { message: "You must provide the x-amz-decoded-content-length header." });
    const mode = p.kind === "streaming" ? p : { signed: false, trailer: h.has("x-amz-trailer"), seed: undefined };
    const out = decodeAwsChunked(ctx.req.body ?? new ReadableStream({ start: (c) => c.close() }), {
      seed: mode.seed, trailer: mode.trailer, decodedLength: decoded, sha256: () => ctx.deps.hasher("sha256"),
    });
    return { stream: out.body, size: decoded, trailers: out.trailers };
  }
  if (contentLength === undefined) {
    // S3 wants a length; MinIO and Ceph also take a chunked body (curl -T -, streaming tools).
    // Its size is checked as it arrives (ingest: EntityTooLarge past the limit).
    if (/\bchunked\b/i.test(h.get("transfer-encoding") ?? "") && ctx.req.body) return { stream: ctx.req.body };
    throw new S3Error("MissingContentLength");
  }
  return { stream: ctx.req.body, size: contentLength };
}

/** Content-MD5 header as bytes (InvalidDigest when malformed). */
export function contentMd5(h: Headers): Uint8Array | undefined {
  const v = h.get("content-md5");
  if (v === null) return undefined;
  const b = fromBase64(v.trim());
  if (!b || b.length !== 16) throw new S3Error("InvalidDigest");
  return b;
}

/** Reads a small request body (XML) with a cap, verifying Content-MD5 and x-amz-content-sha256. */
export async function smallBody(ctx: ReqCtx, limit = 1024 * 1024): Promise<Uint8Array> {
  const body = uploadBodyLenient(ctx);
  const out = await readCapped(body.stream, body.size, limit).catch((e) => {
    throw e instanceof BodyTooLarge ? new S3Error("MalformedXML", { message: "Request body too large" }) : e;
  });
  const md5 = contentMd5(ctx.headers);
  if (md5) {
    const h = ctx.deps.hasher("md5");
    h.update(out);
    if (toHex(await h.digest()) !== toHex(md5)) throw new S3Error("BadDigest");
  }
  if (ctx.payload.kind === "sha256") {
    const h = ctx.deps.hasher("sha256");
    h.update(out);
    if (toHex(await h.digest()) !== ctx.payload.hex) throw new S3Error("XAmzContentSHA256Mismatch");
  }
  return out;
}

function uploadBodyLenient(ctx: ReqCtx): { stream: ReadableStream<Uint8Array> | null; size?: number } {
  const h = ctx.headers;
  if (awsChunked(ctx)) return uploadBody(ctx);
  const cl = h.get("content-length");
  return { stream: ctx.req.body, size: cl === null ? undefined : declaredLength(cl, "Content-Length") };
}

export async function smallText(ctx: ReqCtx, limit?: number): Promise<string> {
  return new TextDecoder().decode(await smallBody(ctx, limit));
}
