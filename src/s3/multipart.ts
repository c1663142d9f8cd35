// Multipart uploads: parts are chunked as they arrive; Complete concatenates manifests in one
// transaction (no merge copy), so the object is readable at once.
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { Handler, ReqCtx } from "./context.ts";
import type { ObjectRecord, PartRecord, UploadRecord } from "../store/types.ts";
import { requireBucket } from "./require.ts";
import { checkKey } from "./names.ts";
import { ingestRequestBody } from "./ingest-request.ts";
import { storageClass } from "./storage-class.ts";
import { storedHeaders } from "./object-headers.ts";
import { objectAclHeaders } from "./acl-handlers.ts";
import { requestTags } from "./request-tags.ts";
import { CHECKSUM_ALGORITHMS, checksumHeaders, compositeChecksum, parseAlgorithm } from "./checksum.ts";
import { bigToBytes, bytesToBig, crcCombine, CRC_PARAMS } from "../util/crc-combine.ts";
import { smallText } from "./request-body.ts";
import { ownerOf } from "./owner.ts";
import { writeConditions } from "./conditions.ts";
import { fromBase64, fromHex, toBase64, toHex } from "../util/hash.ts";
import { maxKeys } from "./params.ts";
import { prefixUpperBound } from "../util/keys.ts";
import { initiateUploadEvents, requestEvents } from "./event-source.ts";
import { commitError, partNumber, requireUpload } from "./upload.ts";
import { commonPrefixOf, isCommonPrefixMarker } from "./common-prefix.ts";
import { versionIdHeader, versioningStatus, writeVersionId } from "./versioning.ts";
import { completeLock, writeLock } from "./object-lock.ts";
import { expirationHeaders } from "./expiration-header.ts";
import { completedContent } from "./instant-upload.ts";
import { recordHeaders, uploadEncryption, writeEncryption } from "../sse/request.ts";

const MIN_PART_SIZE = 5 * 1024 * 1024;
const iso = (ms: number) => new Date(ms).toISOString();

export const createMultipartUpload: Handler = async (ctx) => {
  checkKey(ctx.key);
  const algorithm = parseAlgorithm(ctx.headers.get("x-amz-checksum-algorithm"));
  const typeHeader = ctx.headers.get("x-amz-checksum-type")?.toUpperCase();
  if (typeHeader && typeHeader !== "COMPOSITE" && typeHeader !== "FULL_OBJECT") throw new S3Error("InvalidRequest", { message: "Value for x-amz-checksum-type header is invalid." });
  if (typeHeader === "FULL_OBJECT" && algorithm && !(algorithm in CRC_PARAMS)) {
    throw new S3Error("InvalidRequest", { message: `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.` });
  }
  // S3 allows CRC64NVME only as a full-object checksum, and defaults it to that.
  if (typeHeader === "COMPOSITE" && algorithm === "CRC64NVME") {
    throw new S3Error("InvalidRequest", { message: "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm." });
  }
  const defaultType = algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
  const enc = await writeEncryption(ctx); // parts are sealed as they arrive (src/sse)
  const lock = await writeLock(ctx, { defaults: false }); // the default applies at Complete
  const upload: UploadRecord = {
    ...lock, bucket: ctx.bucket, key: ctx.key, uploadId: crypto.randomUUID().replace(/-/g, "") + toHex(crypto.getRandomValues(new Uint8Array(8))),
    initiated: ctx.deps.clock.now(), headers: { ...storedHeaders(ctx.headers), ...(await objectAclHeaders(ctx)) }, tags: await requestTags(ctx),
    checksumAlgorithm: algorithm, checksumType: algorithm ? ((typeHeader as "COMPOSITE" | "FULL_OBJECT" | undefined) ?? defaultType) : undefined,
    storageClass: storageClass(ctx.headers), owner: ownerOf(ctx).ID, ...(enc ? { sse: enc.record } : {}),
  };
  // Ceph's topics hear ObjectCreated:Post at the start. Persistent ones are queued first: a full
  // outbox refuses the upload with nothing created; only a bucket deleted in between leaves a
  // notice of an upload that never was.
  const post = await initiateUploadEvents(ctx, ctx.key, { size: 0, etag: "", headers: upload.headers, tags: upload.tags, versionId: "" });
  if (post.length && !(await ctx.deps.meta.appendEvents(ctx.bucket, post))) throw new S3Error("SlowDown");
  if (!(await ctx.deps.meta.createUpload(upload)).ok) throw new S3Error("NoSuchBucket", { extra: { BucketName: ctx.bucket } });
  const headers: Record<string, string> = { ...enc?.headers };
  if (algorithm) { headers["x-amz-checksum-algorithm"] = algorithm; headers["x-amz-checksum-type"] = upload.checksumType!; }
  return xmlResponse("InitiateMultipartUploadResult", { Bucket: ctx.bucket, Key: ctx.key, UploadId: upload.uploadId }, { headers });
};

export const uploadPart: Handler = async (ctx) => {
  const n = partNumber(ctx.query);
  const upload = await requireUpload(ctx);
  const enc = await uploadEncryption(ctx, upload);
  const data = await ingestRequestBody(ctx, { maxSize: ctx.deps.config.maxPutSize, allowInline: false, uploadChecksum: upload.checksumAlgorithm, seal: enc?.seal });
  if (upload.checksumAlgorithm && data.checksum && data.checksum.algorithm !== upload.checksumAlgorithm) {
    await ctx.deps.meta.releaseSession(data.session);
    throw new S3Error("InvalidRequest", { message: `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${data.checksum.algorithm.toLowerCase()}` });
  }
  const etag = enc ? await enc.etag(data.md5Hex) : `"${data.md5Hex}"`;
  const res = await ctx.deps.meta.putPart(ctx.bucket, {
    uploadId: upload.uploadId, number: n, size: data.size, etag, lastModified: ctx.deps.clock.now(),
    checksum: data.checksum?.value, manifest: data.manifest ?? [],
  }, { session: data.session });
  if (!res.ok) {
    await ctx.deps.meta.releaseSession(data.session);
    throw commitError(res.reason, upload.uploadId);
  }
  return new Response(null, { status: 200, headers: { etag, ...checksumHeaders(data.checksum), ...enc?.headers } });
};

async function allParts(ctx: ReqCtx, uploadId: string): Promise<PartRecord[]> {
  const out: PartRecord[] = [];
  for (let after = 0; ;) {
    const page = await ctx.deps.meta.listParts(ctx.bucket, uploadId, { after, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    after = page[page.length - 1].number;
  }
}

const normEtag = (e: string) => `"${e.trim().replace(/^"+|"+$/g, "").replace(/&quot;/g, "")}"`;

/** The answer of a Complete, the same for the first request and for a retry of it. */
function completeResult(ctx: ReqCtx, etag: string, checksum: ObjectRecord["checksum"], headers: Record<string, string> = {}): Response {
  const ck = checksum ? { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } : {};
  return xmlResponse("CompleteMultipartUploadResult", {
    Location: `${ctx.url.origin}/${ctx.bucket}/${ctx.key.split("/").map(encodeURIComponent).join("/")}`,
    Bucket: ctx.bucket, Key: ctx.key, ETag: etag, ...ck,
  }, { headers });
}

export const completeMultipartUpload: Handler = async (ctx) => {
  let upload: UploadRecord;
  try {
    upload = await requireUpload(ctx);
  } catch (e) {
    // An SDK retrying a Complete whose answer was lost gets the same answer, as from S3.
    if (!(e instanceof S3Error) || e.code !== "NoSuchUpload") throw e;
    const done = await ctx.deps.meta.getCompletedUpload(ctx.bucket, ctx.query.get("uploadId") ?? "");
    if (!done || done.key !== ctx.key) throw e;
    await smallText(ctx, 4 * 1024 * 1024); // read, so the connection stays usable
    return completeResult(ctx, done.etag, done.checksum, done.versionId ? versionIdHeader(done.versionId, await versioningStatus(ctx)) : {});
  }
  const doc = parseXml(await smallText(ctx, 4 * 1024 * 1024));
  const root = doc.CompleteMultipartUpload;
  if (root === undefined || (typeof root !== "object" && !isBlank(root))) throw new S3Error("MalformedXML");
  const requested: Record<string, unknown>[] = typeof root === "object" ? (root.Part ?? []) : [];
  if (!requested.length) throw new S3Error("MalformedXML", { message: "You must specify at least one part" });
  const stored = new Map((await allParts(ctx, upload.uploadId)).map((p) => [p.number, p]));
  const chosen: PartRecord[] = [];
  let prev = 0;
  for (const r of requested) {
    const num = Number(r.PartNumber);
    if (!Number.isInteger(num) || typeof r.ETag !== "string") throw new S3Error("MalformedXML");
    if (num <= prev) throw new S3Error("InvalidPartOrder");
    prev = num;
    const p = stored.get(num);
    if (!p || p.etag !== normEtag(r.ETag)) throw new S3Error("InvalidPart", { extra: { UploadId: upload.uploadId, PartNumber: String(num) } });
    if (upload.checksumAlgorithm && upload.checksumType === "COMPOSITE") {
      const given = r[`Checksum${upload.checksumAlgorithm}`];
      if (typeof given === "string" && p.checksum && given !== p.checksum) throw new S3Error("InvalidPart", { extra: { PartNumber: String(num) } });
    }
    chosen.push(p);
  }
  for (let i = 0; i < chosen.length - 1; i++) {
    if (chosen[i].size < MIN_PART_SIZE) {
      throw new S3Error("EntityTooSmall", { extra: { ProposedSize: String(chosen[i].size), MinSizeAllowed: String(MIN_PART_SIZE), PartNumber: String(chosen[i].number), ETag: chosen[i].etag } });
    }
  }
  const size = chosen.reduce((a, p) => a + p.size, 0);
  if (size > ctx.deps.config.maxObjectSize) throw new S3Error("EntityTooLarge");
  const md5 = ctx.deps.hasher("md5");
  for (const p of chosen) md5.update(fromHex(p.etag.slice(1, -1)));
  const etag = `"${toHex(await md5.digest())}-${chosen.length}"`;
  const checksum = await objectChecksum(ctx, upload, chosen, root);
  const status = await versioningStatus(ctx);
  const obj: ObjectRecord = {
    bucket: ctx.bucket, key: ctx.key, versionId: writeVersionId(status), size, etag, lastModified: ctx.deps.clock.now(),
    headers: upload.headers, tags: upload.tags, storageClass: upload.storageClass, checksum, ...(await completeLock(ctx, upload)),
    parts: chosen.map((p) => ({ number: p.number, size: p.size, etag: p.etag, checksum: p.checksum })),
    manifest: chosen.flatMap((p) => p.manifest ?? []), ...(upload.sse ? { sse: upload.sse } : {}),
  };
  if (!upload.sse) obj.content = await completedContent(ctx, obj); // (sealed chunks: never found by content) // x-s3edge-content-sha256: verified, findable by instant upload
  const events = await requestEvents(ctx, "s3:ObjectCreated:CompleteMultipartUpload", ctx.key, obj);
  const res = await ctx.deps.meta.completeUpload(upload.uploadId, obj, writeConditions(ctx.headers), events);
  if (!res.ok) throw res.reason === "ChunkMissing" ? new S3Error("InvalidPart") : commitError(res.reason, upload.uploadId);
  return completeResult(ctx, etag, checksum, { ...versionIdHeader(obj.versionId, status), ...expirationHeaders(ctx, obj), ...recordHeaders(upload.sse) });
};

/** The object's checksum from its parts' (COMPOSITE: checksum of checksums; FULL_OBJECT: CRC combine). */
async function objectChecksum(ctx: ReqCtx, upload: UploadRecord, parts: PartRecord[], body: Record<string, unknown>): Promise<ObjectRecord["checksum"]> {
  const alg = upload.checksumAlgorithm;
  if (!alg || !parts.every((p) => p.checksum)) return undefined;
  let value: string;
  if (upload.checksumType === "FULL_OBJECT") {
    const { width, poly } = CRC_PARAMS[alg as keyof typeof CRC_PARAMS];
    let crc = 0n;
    for (const p of parts) crc = crcCombine(crc, bytesToBig(fromBase64(p.checksum!)!), p.size, width, poly);
    value = toBase64(bigToBytes(crc, width / 8));
  } else {
    value = await compositeChecksum(ctx.deps, alg, parts.map((p) => p.checksum!));
  }
  // The client may state the expected whole-object value in the body or a header.
  const stated = body[`Checksum${alg}`] ?? ctx.headers.get(CHECKSUM_ALGORITHMS[alg].header) ?? undefined;
  if (typeof stated === "string" && stated !== value && stated.split("-")[0] !== value.split("-")[0]) {
    throw new S3Error("BadDigest", { message: `The ${alg} you specified did not match the calculated checksum.` });
  }
  return { algorithm: alg, type: upload.checksumType ?? "COMPOSITE", value };
}

export const abortMultipartUpload: Handler = async (ctx) => {
  const upload = await requireUpload(ctx);
  if (!(await ctx.deps.meta.abortUpload(ctx.bucket, upload.uploadId)).ok) throw new S3Error("NoSuchUpload", { extra: { UploadId: upload.uploadId } });
  return new Response(null, { status: 204 });
};

export const listParts: Handler = async (ctx) => {
  const upload = await requireUpload(ctx);
  const q = ctx.query;
  const markerV = q.get("part-number-marker") ?? "0";
  if (!/^\d+$/.test(markerV)) throw new S3Error("InvalidArgument", { message: "Invalid part-number-marker", extra: { ArgumentName: "part-number-marker" } });
  const marker = Number(markerV);
  const max = maxKeys(q, "max-parts");
  const rows = await ctx.deps.meta.listParts(ctx.bucket, upload.uploadId, { after: marker, limit: max + 1 });
  const truncated = rows.length > max;
  const page = rows.slice(0, max);
  const owner = ownerOf(ctx);
  const alg = upload.checksumAlgorithm;
  return xmlResponse("ListPartsResult", {
    Bucket: ctx.bucket, Key: ctx.key, UploadId: upload.uploadId, Initiator: owner, Owner: owner, StorageClass: upload.storageClass,
    PartNumberMarker: marker, NextPartNumberMarker: page.length ? page[page.length - 1].number : 0, MaxParts: max, IsTruncated: truncated,
    Part: page.map((p) => ({
      PartNumber: p.number, LastModified: iso(p.lastModified), ETag: p.etag, Size: p.size,
      ...(alg && p.checksum ? { [`Checksum${alg}`]: p.checksum } : {}),
    })),
    ...(alg ? { ChecksumAlgorithm: alg, ChecksumType: upload.checksumType } : {}),
  }, { headers: recordHeaders(upload.sse) });
};

export const listMultipartUploads: Handler = async (ctx) => {
  await requireBucket(ctx);
  const q = ctx.query;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const keyMarker = q.get("key-marker") ?? "";
  const uploadIdMarker = keyMarker ? (q.get("upload-id-marker") ?? "") : "";
  const max = maxKeys(q, "max-uploads");
  const owner = ownerOf(ctx);
  const uploads: UploadRecord[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let cursor = { key: keyMarker, id: uploadIdMarker || (keyMarker ? "\u{10FFFF}" : "") };
  // A key-marker that is a common prefix we returned resumes after everything under it.
  if (isCommonPrefixMarker(keyMarker, prefix, delimiter)) {
    const up = prefixUpperBound(keyMarker);
    cursor = up === null ? { key: keyMarker, id: "\u{10FFFF}" } : { key: up, id: "" };
  }
  let next = { key: "", id: "" };
  outer: for (;;) {
    const rows = await ctx.deps.meta.listUploads(ctx.bucket, { prefix, keyMarker: cursor.key, uploadIdMarker: cursor.id, limit: 1000 });
    for (const u of rows) {
      cursor = { key: u.key, id: u.uploadId };
      const cp = commonPrefixOf(u.key, prefix, delimiter);
      if (cp && prefixes[prefixes.length - 1] === cp) continue;
      if (uploads.length + prefixes.length === max) { truncated = true; break outer; }
      if (cp) { prefixes.push(cp); next = { key: cp, id: "" }; }
      else { uploads.push(u); next = { key: u.key, id: u.uploadId }; }
    }
    if (rows.length < 1000) break;
  }
  return xmlResponse("ListMultipartUploadsResult", {
    Bucket: ctx.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker,
    NextKeyMarker: truncated ? next.key : "", NextUploadIdMarker: truncated ? next.id : "",
    ...(delimiter ? { Delimiter: delimiter } : {}), Prefix: prefix, MaxUploads: max, IsTruncated: truncated,
    Upload: uploads.map((u) => ({
      Key: u.key, UploadId: u.uploadId, Initiator: owner, Owner: owner, StorageClass: u.storageClass, Initiated: iso(u.initiated),
      ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm } : {}),
    })),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
  });
};

