// PutObject: stream → chunks → one commit.
import { S3Error } from "../xml/errors.ts";
import type { Handler } from "./context.ts";
import { requireBucket } from "./require.ts";
import { ingestRequestBody } from "./ingest-request.ts";
import { putError } from "./put-error.ts";
import { storageClass } from "./storage-class.ts";
import { checkKey } from "./names.ts";
import { checksumHeaders } from "./checksum.ts";
import { storedHeaders } from "./object-headers.ts";
import { requestTags } from "./request-tags.ts";
import { writeConditions } from "./conditions.ts";
import type { ObjectRecord } from "../store/types.ts";
import { requestEvents } from "./event-source.ts";
import { objectAclHeaders } from "./acl-handlers.ts";
import { versionIdHeader, versioningStatus, writeVersionId } from "./versioning.ts";
import { writeLock } from "./object-lock.ts";
import { expirationHeaders } from "./expiration-header.ts";
import { bodyContent, instantCommitError, instantUploadData, isInstantUpload } from "./instant-upload.ts";
import { writeEncryption } from "../sse/request.ts";

export const putObject: Handler = async (ctx) => {
  checkKey(ctx.key);
  const headers = { ...storedHeaders(ctx.headers), ...(await objectAclHeaders(ctx)) };
  const tags = await requestTags(ctx);
  const cls = storageClass(ctx.headers);
  const cond = writeConditions(ctx.headers);
  await requireBucket(ctx);
  const lock = await writeLock(ctx, { body: true }); // Object Lock: stated, or the bucket's default
  // Server-side encryption (src/sse): the request's, else the bucket default; null: in clear.
  const enc = await writeEncryption(ctx);
  // An encrypted object is never made from stored plaintext: the client sends the bytes.
  if (enc && isInstantUpload(ctx)) throw new S3Error("ContentNotStored");
  // Instant upload: the content named by hash and size, found in the bucket, not sent.
  const data = isInstantUpload(ctx) ? await instantUploadData(ctx) : await ingestRequestBody(ctx, { maxSize: ctx.deps.config.maxPutSize, allowInline: !enc, seal: enc?.seal });
  const etag = enc ? await enc.etag(data.md5Hex) : `"${data.md5Hex}"`;
  const status = await versioningStatus(ctx);
  const versionId = writeVersionId(status);
  const obj: ObjectRecord = {
    bucket: ctx.bucket, key: ctx.key, versionId, size: data.size, etag, lastModified: ctx.deps.clock.now(),
    headers, tags, checksum: data.checksum && { ...data.checksum, type: "FULL_OBJECT" }, storageClass: cls, ...lock,
    inline: data.inline, manifest: data.manifest, content: enc ? undefined : await bodyContent(ctx, data),
    ...(enc ? { sse: enc.record } : {}),
  };
  const events = await requestEvents(ctx, "s3:ObjectCreated:Put", ctx.key, obj);
  const res = await ctx.deps.meta.putObject(obj, { session: data.session, cond, events });
  if (!res.ok) {
    await ctx.deps.meta.releaseSession(data.session);
    // If-Match names an object to replace: with none there, S3 answers NoSuchKey, not 412.
    const current = res.reason === "PreconditionFailed" && cond?.ifMatch !== undefined ? await ctx.deps.meta.getObject(ctx.bucket, ctx.key) : undefined;
    if (current === null || current?.deleteMarker) {
      throw new S3Error("NoSuchKey", { extra: { Key: ctx.key } });
    }
    throw instantCommitError(ctx, res.reason) ?? putError(res.reason);
  }
  return new Response(null, { status: 200, headers: { etag, ...checksumHeaders(data.checksum), ...versionIdHeader(versionId, status), ...expirationHeaders(ctx, obj), ...enc?.headers } });
};
