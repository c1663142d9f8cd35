// Server-side encryption as requests ask for it (S3's headers and errors, MinIO's codes where S3
// documents none): what a write seals with, what a read or a copy's source opens with, and the
// x-amz-server-side-encryption* headers answered.
import { S3Error } from "../xml/errors.ts";
import type { ReqCtx } from "../s3/context.ts";
import type { ChunkSealer } from "../s3/ingest.ts";
import type { ObjectRecord, SseRecord, UploadRecord } from "../store/types.ts";
import { ENCRYPTION_CONFIG, type EncryptionRule } from "../s3/bucket-configs.ts";
import { fromBase64, fromHex, toBase64, toHex } from "../util/hash.ts";
import { derive, sameBytes, sealedAddress } from "./crypto.ts";
import { chunkCrypto } from "./chunks.ts";
import { bucketKey, contextRoot, kmsKeyName, masterKey, recordedBucketKey, ssecCheck, ssecRoot } from "./keys.ts";
import { kmsKey } from "./key-ring.ts";

export const SSE_HEADER = "x-amz-server-side-encryption";
export const KMS_KEY_HEADER = "x-amz-server-side-encryption-aws-kms-key-id";
export const CONTEXT_HEADER = "x-amz-server-side-encryption-context";
export const BUCKET_KEY_HEADER = "x-amz-server-side-encryption-bucket-key-enabled";
const CUSTOMER = "x-amz-server-side-encryption-customer-";
const COPY_CUSTOMER = "x-amz-copy-source-server-side-encryption-customer-";

/** How a write seals its chunks. */
export interface Sealer {
  record: SseRecord;
  /** Seals each chunk of the write (ingest.ts): convergently for SSE-S3/KMS, with a random prefix for SSE-C. */
  seal: ChunkSealer;
  /** The ETag of a body with this MD5: the MD5 for SSE-S3; for SSE-KMS and SSE-C not (as S3), a keyed hash of it. */
  etag(md5Hex: string): Promise<string>;
  /** The response headers that say how the object is encrypted. */
  headers: Record<string, string>;
}

/** How a read opens an object's chunks. */
export interface Opener { root: Uint8Array; headers: Record<string, string> }

const invalidArgument = (message: string, name: string) => new S3Error("InvalidArgument", { message, extra: { ArgumentName: name } });

export function sseHeaders(rec: SseRecord, customerKeyMd5?: string): Record<string, string> {
  if (rec.mode === "SSE-C") {
    return { [`${CUSTOMER}algorithm`]: "AES256", ...(customerKeyMd5 ? { [`${CUSTOMER}key-MD5`]: customerKeyMd5 } : {}) };
  }
  if (rec.mode === "SSE-KMS") {
    // Every SSE-KMS object here is sealed under a bucket key (whatever the request said), and says so as S3 does.
    return { [SSE_HEADER]: "aws:kms", [KMS_KEY_HEADER]: `arn:aws:kms:${rec.keyId}`, [BUCKET_KEY_HEADER]: "true", ...(rec.context ? { [CONTEXT_HEADER]: rec.context } : {}) };
  }
  return { [SSE_HEADER]: "AES256" };
}

interface CustomerKey { key: Uint8Array; md5: string }

/** The customer key of SSE-C headers (`prefix`: the object's or a copy source's), checked as S3 checks it; null when none was sent. */
async function customerKey(ctx: ReqCtx, prefix: string): Promise<CustomerKey | null> {
  const h = ctx.headers;
  const alg = h.get(`${prefix}algorithm`), key = h.get(`${prefix}key`), md5 = h.get(`${prefix}key-md5`);
  if (alg === null && key === null && md5 === null) return null;
  // The key would travel in clear: refused before anything else (S3), unless a loopback test allows it.
  if (ctx.url.protocol !== "https:" && !ctx.deps.config.insecureSseC) {
    throw new S3Error("InvalidRequest", { message: "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." });
  }
  if (alg?.trim() !== "AES256") throw invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", `${prefix}algorithm`);
  if (key === null) throw invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", `${prefix}key`);
  if (md5 === null) throw invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.", `${prefix}key-MD5`);
  const bytes = fromBase64(key.trim());
  if (!bytes || bytes.length !== 32) throw invalidArgument("The secret key was invalid for the specified algorithm.", `${prefix}key`);
  const hasher = ctx.deps.hasher("md5");
  await hasher.update(bytes);
  const actual = toBase64(await hasher.digest());
  if (actual !== md5.trim()) throw invalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.", `${prefix}key-MD5`);
  return { key: bytes, md5: actual };
}

function sealer(ctx: Pick<ReqCtx, "deps">, record: SseRecord, root: Uint8Array, headers: Record<string, string>): Sealer {
  const cc = chunkCrypto(ctx.deps), convergent = record.mode !== "SSE-C";
  return {
    record, headers,
    // Convergent for SSE-S3/KMS (keyed by the chunk's hash), random for SSE-C; off-thread where the runtime can (chunks.ts).
    seal: {
      convergent,
      async seal(chunk, sha256) {
        const data = await cc.seal(root, chunk, convergent, sha256);
        return { data, hash: sealedAddress(data)! }; // a sealed chunk is never shorter than its overhead
      },
      // Straight into the chunk's blob, where the runtime can seal in steps (chunks.ts).
      ...(cc.sealInSteps ? { sealInSteps: (frame, write, sha256) => cc.sealInSteps!(root, frame, convergent, sha256, write) } : {}),
      frames: cc.frames,
    },
    async etag(md5Hex) {
      if (record.mode === "SSE-S3") return `"${md5Hex}"`;
      return `"${toHex((await derive(root, "etag", fromHex(md5Hex))).subarray(0, 16))}"`;
    },
  };
}

async function customerSealer(ctx: ReqCtx, given: CustomerKey): Promise<Sealer> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const record: SseRecord = { mode: "SSE-C", salt: toBase64(salt), keyCheck: toBase64(await ssecCheck(given.key, salt)) };
  return sealer(ctx, record, await ssecRoot(given.key, salt), sseHeaders(record, given.md5));
}

async function managedSealer(ctx: ReqCtx, algorithm: "AES256" | "aws:kms", keyId: string | undefined, context?: string): Promise<Sealer> {
  const master = masterKey(ctx);
  // The key ring (key-ring.ts): the master key's name or a created key; SSE-S3 uses the master key.
  const wrapping = algorithm === "aws:kms" && keyId !== undefined ? await kmsKey(ctx.deps, kmsKeyName(keyId)) : master;
  if (!wrapping) throw new S3Error("KMS.NotFoundException", { extra: { KeyId: keyId! } });
  const bk = await bucketKey(ctx, wrapping, wrapping.id !== master.id);
  const record: SseRecord = { mode: algorithm === "aws:kms" ? "SSE-KMS" : "SSE-S3", keyId: bk.keyId, wrappedKey: bk.wrapped, ...(context !== undefined ? { context } : {}) };
  return sealer(ctx, record, await contextRoot(bk.key, context), sseHeaders(record));
}

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings (S3), kept as sent; undefined when absent. */
function encryptionContext(h: Headers): string | undefined {
  const raw = h.get(CONTEXT_HEADER);
  if (raw === null) return undefined;
  const bytes = fromBase64(raw.trim());
  let ok = false;
  try {
    const v: unknown = bytes ? JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)) : null;
    ok = typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
  } catch { /* not JSON */ }
  if (!ok || raw.length > 8192) throw invalidArgument("The encryption context must be base64 of a JSON object of string values.", CONTEXT_HEADER);
  return raw.trim();
}

/** x-amz-server-side-encryption-bucket-key-enabled: checked, then moot (a bucket key is always used). */
function checkBucketKeyEnabled(h: Headers): void {
  const v = h.get(BUCKET_KEY_HEADER);
  if (v !== null && !["true", "false"].includes(v.trim().toLowerCase())) throw invalidArgument("Bucket key enabled must be true or false.", BUCKET_KEY_HEADER);
}

/** The bucket's default encryption (PutBucketEncryption), if any. */
export function bucketDefault(ctx: ReqCtx): EncryptionRule | null {
  const raw = ctx.bucketState?.configs[ENCRYPTION_CONFIG];
  return raw ? (JSON.parse(raw) as EncryptionRule) : null;
}

/**
 * What a new object (PutObject, CopyObject's destination, CreateMultipartUpload, a POST form) is
 * sealed with: its SSE-C or SSE headers, else the bucket's default; null: stored in clear.
 * `h` defaults to the request's headers (a POST form passes its fields).
 */
export async function writeEncryption(ctx: ReqCtx, h: Headers = ctx.headers): Promise<Sealer | null> {
  const c = h === ctx.headers ? ctx : { ...ctx, headers: h };
  const given = await customerKey(c, CUSTOMER);
  const alg = h.get(SSE_HEADER)?.trim();
  const keyId = h.get(KMS_KEY_HEADER) ?? undefined;
  const context = encryptionContext(h);
  checkBucketKeyEnabled(h);
  const contextNeedsKms = () => invalidArgument("An encryption context requires x-amz-server-side-encryption: aws:kms", CONTEXT_HEADER);
  if (given) {
    if (alg !== undefined || keyId !== undefined || context !== undefined) throw invalidArgument("Server Side Encryption with Customer provided key is incompatible with the encryption method specified", SSE_HEADER);
    return customerSealer(ctx, given);
  }
  if (alg !== undefined) {
    if (alg !== "AES256" && alg !== "aws:kms") throw invalidArgument("The encryption method specified is not supported", SSE_HEADER);
    if (keyId !== undefined && alg !== "aws:kms") throw invalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", KMS_KEY_HEADER);
    if (context !== undefined && alg !== "aws:kms") throw contextNeedsKms();
    return managedSealer(ctx, alg, keyId, context);
  }
  if (keyId !== undefined) throw invalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", KMS_KEY_HEADER);
  const rule = bucketDefault(ctx);
  if (context !== undefined && rule?.algorithm !== "aws:kms") throw contextNeedsKms();
  return rule ? managedSealer(ctx, rule.algorithm, rule.kmsKeyId, context) : null;
}

/** Whether a request names an encryption of its own (a copy onto itself that changes it is legal). */
export const asksEncryption = (h: Headers) => h.has(SSE_HEADER) || h.has(`${CUSTOMER}algorithm`) || h.has(`${CUSTOMER}key`);

/** UploadPart: the upload's sealing; SSE-C parts must bring the upload's key. */
export async function uploadEncryption(ctx: ReqCtx, upload: UploadRecord): Promise<Sealer | null> {
  const sse = upload.sse;
  const given = await customerKey(ctx, CUSTOMER);
  if (!sse) {
    if (given) throw new S3Error("InvalidRequest", { message: "The encryption parameters are not applicable to this object." });
    return null;
  }
  if (sse.mode === "SSE-C") {
    if (!given) throw new S3Error("InvalidRequest", { message: "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters." });
    const salt = fromBase64(sse.salt ?? "")!;
    if (!sameBytes(await ssecCheck(given.key, salt), fromBase64(sse.keyCheck ?? "") ?? new Uint8Array(0))) {
      throw invalidArgument("The provided encryption parameters did not match the ones used originally.", `${CUSTOMER}key`);
    }
    return sealer(ctx, sse, await ssecRoot(given.key, salt), sseHeaders(sse, given.md5));
  }
  if (given) throw new S3Error("InvalidRequest", { message: "The encryption parameters are not applicable to this object." });
  return sealer(ctx, sse, await contextRoot(await recordedBucketKey(ctx, upload.bucket, sse.keyId, sse.wrappedKey), sse.context), sseHeaders(sse));
}

/**
 * GET/HEAD (or, with `copySource`, a copy's source): the key `obj` opens with, from its record
 * and the request's SSE-C headers; null for an object stored in clear.
 */
export async function readEncryption(ctx: ReqCtx, obj: Pick<ObjectRecord, "bucket" | "sse">, copySource = false): Promise<Opener | null> {
  const given = await customerKey(ctx, copySource ? COPY_CUSTOMER : CUSTOMER);
  const sse = obj.sse;
  if (!sse || sse.mode !== "SSE-C") {
    if (given) throw new S3Error("InvalidRequest", { message: "The encryption parameters are not applicable to this object." });
    if (!sse) return null;
    return { root: await contextRoot(await recordedBucketKey(ctx, obj.bucket, sse.keyId, sse.wrappedKey), sse.context), headers: sseHeaders(sse) };
  }
  if (!given) throw new S3Error("InvalidRequest", { message: "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object." });
  const salt = fromBase64(sse.salt ?? "")!;
  // A wrong key is Access Denied (S3 and MinIO), told by the stored check, before any data is read.
  if (!sameBytes(await ssecCheck(given.key, salt), fromBase64(sse.keyCheck ?? "") ?? new Uint8Array(0))) throw new S3Error("AccessDenied");
  return { root: await ssecRoot(given.key, salt), headers: sseHeaders(sse, given.md5) };
}

/** The headers that describe a stored object's encryption without its key (ListParts, GetObjectAttributes, Complete). */
export const recordHeaders = (rec: SseRecord | undefined): Record<string, string> => (rec ? sseHeaders(rec) : {});

/** PutBucketEncryption: a default the gateway can apply (a KMS configured, a key of the key ring named). */
export async function checkEncryptionRule(ctx: ReqCtx, rule: EncryptionRule): Promise<void> {
  masterKey(ctx);
  if (rule.algorithm === "aws:kms" && rule.kmsKeyId !== undefined && !(await kmsKey(ctx.deps, kmsKeyName(rule.kmsKeyId)))) {
    throw new S3Error("KMS.NotFoundException", { extra: { KeyId: rule.kmsKeyId } });
  }
}
