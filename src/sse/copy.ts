// Copies where either side is encrypted (CopyObject, UploadPartCopy): the chunks cannot be
// shared, since a sealed chunk opens only under its own root, so the source's plaintext streams
// through (one chunk in memory) into chunks sealed for the destination, or stored in clear.
import type { ReqCtx } from "../s3/context.ts";
import type { ObjectRecord } from "../store/types.ts";
import { ingest, type Ingested } from "../s3/ingest.ts";
import { objectStream, type ByteRange } from "../s3/object-body.ts";
import { sealedStream } from "./read.ts";
import type { Opener, Sealer } from "./request.ts";

/** Whether a copy must rewrite the data rather than share the source's chunks. */
export const mustReseal = (from: Opener | null, to: Sealer | null) => from !== null || to !== null;

/** The source's bytes (or `range` of them), stored anew for the request's bucket; an inclusive range. */
export async function resealCopy(ctx: ReqCtx, src: ObjectRecord, from: Opener | null, to: Sealer | null, range?: ByteRange): Promise<Ingested> {
  const start = range?.start ?? 0, end = range ? range.end : src.size - 1;
  const length = Math.max(0, end - start + 1);
  const r = { start, end };
  const body = length === 0 ? null : from ? sealedStream(ctx.deps, src, from.root, r) : objectStream(ctx.deps, src, r);
  return ingest(ctx.deps, body, { bucket: ctx.bucket, expectedSize: length, maxSize: ctx.deps.config.maxPutSize, allowInline: !to, seal: to?.seal });
}

/** The fields of a copied version that follow from the resealed data. */
export async function resealedFields(data: Ingested, to: Sealer | null): Promise<Partial<ObjectRecord>> {
  return {
    size: data.size, etag: to ? await to.etag(data.md5Hex) : `"${data.md5Hex}"`, inline: data.inline, manifest: data.manifest,
    sse: to?.record, parts: undefined, content: undefined,
  };
}
