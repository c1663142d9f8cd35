// GetObject and HeadObject: conditions, Range / partNumber, response overrides.
import { S3Error } from "../xml/errors.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { ObjectRecord } from "../store/types.ts";
import { checkReadConditions } from "./conditions.ts";
import { applyResponseOverrides, objectHeaders } from "./object-headers.ts";
import { objectBody, parseRange, type ByteRange } from "./object-body.ts";
import { CHECKSUM_ALGORITHMS } from "./checksum.ts";
import { notificationConfig, requestEvents } from "./event-source.ts";
import { requireObject } from "./require.ts";
import { requestedVersion, versionIdHeader, versioningStatus } from "./versioning.ts";
import { lockResponseHeaders } from "./object-lock.ts";
import { expirationHeaders } from "./expiration-header.ts";
import { readEncryption } from "../sse/request.ts";
import { sealedBody } from "../sse/read.ts";

function partRange(obj: ObjectRecord, n: number): ByteRange {
  const parts = obj.parts;
  if (!parts) {
    if (n !== 1) throw new S3Error("InvalidPartNumber");
    return { start: 0, end: obj.size - 1 };
  }
  if (n > parts.length) throw new S3Error("InvalidPartNumber");
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += parts[i].size;
  return { start, end: start + parts[n - 1].size - 1 };
}

function setPartChecksum(h: Headers, obj: ObjectRecord, n: number) {
  const c = obj.checksum;
  if (!c) return;
  if (!obj.parts) {
    h.set(CHECKSUM_ALGORITHMS[c.algorithm].header, c.value);
    return;
  }
  const part = obj.parts[n - 1];
  if (part?.checksum && c.type === "COMPOSITE") h.set(CHECKSUM_ALGORITHMS[c.algorithm].header, part.checksum);
}

async function read(ctx: ReqCtx, withBody: boolean): Promise<Response> {
  const q = ctx.query;
  const partParam = q.get("partNumber");
  const partNumber = partParam === null ? undefined : Number(partParam);
  if (partNumber !== undefined && (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000)) {
    throw new S3Error("InvalidArgument", { message: "Part number must be an integer between 1 and 10000, inclusive", extra: { ArgumentName: "partNumber", ArgumentValue: partParam! } });
  }
  if (partNumber !== undefined && ctx.headers.has("range")) {
    throw new S3Error("InvalidRequest", { message: "Cannot specify both Range header and partNumber query parameter" });
  }
  // requireObject tells NoSuchBucket from NoSuchKey; the configuration is read alongside.
  const [obj, config, versioning] = await Promise.all([requireObject(ctx), notificationConfig(ctx), versioningStatus(ctx)]);
  // An SSE-C object needs its key (400 without, 403 with a wrong one) before anything is told of it.
  const dec = obj.deleteMarker ? null : await readEncryption(ctx, obj);
  checkReadConditions(ctx.headers, obj);
  // An access is reported once it is answered (a failed read is no access); the outbox append
  // runs after the response, and a full outbox drops the access event rather than fail a read.
  const events = await requestEvents(ctx, withBody ? "s3:ObjectAccessed:Get" : "s3:ObjectAccessed:Head", ctx.key, obj, config);
  if (events.length) {
    ctx.after(() => ctx.deps.meta.appendEvents(ctx.bucket, events).then((ok) => {
      if (!ok) ctx.deps.log.warn("access event dropped: a target's queue is full", { bucket: ctx.bucket });
    }));
  }

  const checksumMode = ctx.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  // A range has no stored checksum (S3 silently drops them on range requests); a part has its own.
  const h = objectHeaders(obj, { checksums: checksumMode && partNumber === undefined && !ctx.headers.has("range") });
  if (checksumMode && partNumber !== undefined) setPartChecksum(h, obj, partNumber);
  for (const [k, v] of Object.entries(versionIdHeader(obj.versionId, versioning ?? requestedVersion(ctx) !== undefined))) h.set(k, v);
  applyResponseOverrides(h, q);
  for (const [k, v] of Object.entries({ ...(await lockResponseHeaders(ctx, obj)), ...expirationHeaders(ctx, obj, requestedVersion(ctx)) })) h.set(k, v);
  if (dec) for (const [k, v] of Object.entries(dec.headers)) h.set(k, v);
  let range: ByteRange | undefined;
  if (partNumber !== undefined) {
    if (obj.size > 0 || obj.parts) range = partRange(obj, partNumber);
    h.set("x-amz-mp-parts-count", String(obj.parts?.length ?? 1));
  } else {
    range = parseRange(ctx.headers.get("range"), obj.size);
  }
  let status = 200;
  let length = obj.size;
  if (range) {
    length = range.end - range.start + 1;
    // partNumber answers 206 only for real parts, like S3.
    if (partNumber === undefined || obj.parts) {
      status = 206;
      h.set("content-range", `bytes ${range.start}-${range.end}/${obj.size}`);
    }
  }
  h.set("content-length", String(length));
  if (!withBody) return new Response(null, { status, headers: h });
  // An inline object is answered as bytes: no stream to build, and the runtime knows its length.
  const body = length === 0 ? null : dec ? await sealedBody(ctx.deps, obj, dec.root, range)
    : obj.inline ? obj.inline.subarray(range?.start ?? 0, range ? range.end + 1 : obj.size) as Uint8Array<ArrayBuffer> : await objectBody(ctx.deps, obj, range);
  return new Response(body, { status, headers: h });
}

export const getObject: Handler = (ctx) => read(ctx, true);
export const headObject: Handler = (ctx) => read(ctx, false);
