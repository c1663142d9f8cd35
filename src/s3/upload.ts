// What the multipart operations (and UploadPartCopy beside CopyObject) share about an upload.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "./context.ts";
import type { PutResult, UploadRecord } from "../store/types.ts";
import { requireBucket } from "./require.ts";
import { putError } from "./put-error.ts";

export const MAX_PARTS = 10000;

export function commitError(reason: Exclude<PutResult, { ok: true }>["reason"], uploadId: string): S3Error {
  if (reason === "NoSuchUpload") return new S3Error("NoSuchUpload", { extra: { UploadId: uploadId } });
  return putError(reason);
}

export async function requireUpload(ctx: ReqCtx): Promise<UploadRecord> {
  const id = ctx.query.get("uploadId") ?? "";
  const u = id ? await ctx.deps.meta.getUpload(ctx.bucket, id) : null;
  if (!u || u.key !== ctx.key) {
    await requireBucket(ctx);
    throw new S3Error("NoSuchUpload", { extra: { UploadId: id } });
  }
  return u;
}

export function partNumber(q: URLSearchParams): number {
  const v = q.get("partNumber") ?? "";
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > MAX_PARTS) {
    throw new S3Error("InvalidArgument", { message: "Part number must be an integer between 1 and 10000, inclusive", extra: { ArgumentName: "partNumber", ArgumentValue: v } });
  }
  return n;
}
