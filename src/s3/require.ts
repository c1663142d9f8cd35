// The bucket or object a request names, or the S3 error for its absence.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "./context.ts";
import type { ObjectRecord } from "../store/types.ts";
import { DELETE_MARKER_HEADER, requestedVersion, VERSION_ID_HEADER } from "./versioning.ts";
import { httpDate } from "./object-headers.ts";

export async function requireBucket(ctx: ReqCtx) {
  const b = ctx.bucketState?.bucket ?? (await ctx.deps.meta.getBucket(ctx.bucket));
  if (!b) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  return b;
}

/**
 * The object version a request reads: the request's own (its bucket, key and ?versionId) or,
 * with `source`, another one (a copy source). A current delete marker is NoSuchKey, a marker
 * named by id MethodNotAllowed, both with x-amz-delete-marker (S3); an unknown id NoSuchVersion.
 */
export async function requireObject(ctx: ReqCtx, source?: { bucket: string; key: string; versionId?: string }): Promise<ObjectRecord> {
  const { bucket, key, versionId } = source ?? { bucket: ctx.bucket, key: ctx.key, versionId: requestedVersion(ctx) };
  const obj = await ctx.deps.meta.getObject(bucket, key, versionId);
  if (obj && !obj.deleteMarker) return obj;
  if (obj) {
    const headers = { [DELETE_MARKER_HEADER]: "true", [VERSION_ID_HEADER]: obj.versionId, ...(versionId !== undefined ? { "last-modified": httpDate(obj.lastModified) } : {}) };
    if (versionId !== undefined) throw new S3Error("MethodNotAllowed", { headers, extra: { Method: ctx.req.method, ResourceType: "DeleteMarker" } });
    throw new S3Error("NoSuchKey", { headers, extra: { Key: key } });
  }
  const exists = bucket === ctx.bucket && ctx.bucketState ? true : !!(await ctx.deps.meta.getBucket(bucket));
  if (!exists) throw new S3Error("NoSuchBucket", { extra: { BucketName: bucket } });
  if (versionId !== undefined) throw new S3Error("NoSuchVersion", { extra: { Key: key, VersionId: versionId } });
  throw new S3Error("NoSuchKey", { extra: { Key: key } });
}
