// A request body stored as chunks, read as its signature (aws-chunked, trailers) and headers
// (Content-MD5, x-amz-checksum-*) describe it: what PutObject and UploadPart share.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "./context.ts";
import type { ChecksumAlgorithm } from "../store/types.ts";
import { contentMd5, uploadBody } from "./request-body.ts";
import { ingest, type IngestOptions, type Ingested } from "./ingest.ts";
import { checksumRequest } from "./checksum.ts";

/** Reads and stores a request body as the signature and headers describe it. */
export async function ingestRequestBody(ctx: ReqCtx, opts: { maxSize: number; allowInline: boolean; uploadChecksum?: ChecksumAlgorithm; seal?: IngestOptions["seal"] }): Promise<Ingested> {
  const md5 = contentMd5(ctx.headers);
  const ck = checksumRequest(ctx.headers, opts.uploadChecksum);
  const body = uploadBody(ctx);
  if (body.size !== undefined && body.size > opts.maxSize) {
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
    seal: opts.seal,
  });
}
