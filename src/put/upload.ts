// `s3edge put`'s engine: hash first, try an instant upload (s3/instant-upload.ts), send only
// if the gateway needs the bytes — one PUT for a small file, a multipart upload streamed part by
// part for a large one — and resume an interrupted multipart upload of the same key by sending
// only the parts ListParts does not already hold with the local part's MD5 as ETag.
//
// Runtime-neutral (fetch, aws4fetch, web streams): the file is a PutSource and the digests come
// from `hasher`, so the CLI (src/cli/put.ts) gives Bun's and the unit tests an in-memory file.
import type { AwsClient } from "aws4fetch";
import { XMLParser } from "fast-xml-parser";
import { toBase64, toHex } from "../util/hash.ts";

/** The bytes to upload: `slice(start, end)` (end exclusive) streams that range of the file. */
export interface PutSource {
  size: number;
  slice(start: number, end: number): ReadableStream<Uint8Array>;
}

export interface PutHasher { update(data: Uint8Array): void; digest(): Uint8Array | Promise<Uint8Array> }

export type PutPhase = "hash" | "upload";

export interface PutOptions {
  client: AwsClient;
  /** The gateway's base URL, e.g. http://127.0.0.1:9000 (path-style addressing). */
  endpoint: string;
  bucket: string;
  key: string;
  source: PutSource;
  hasher(alg: "sha256" | "md5"): PutHasher;
  /** Files larger than this go multipart (default 64 MiB). */
  multipartThreshold?: number;
  /** Part size (default 16 MiB; raised so no upload needs more than 10,000 parts). */
  partSize?: number;
  /** Parts in flight at once (default 4). */
  concurrency?: number;
  /** Skip the instant upload attempt. */
  noInstant?: boolean;
  contentType?: string;
  /** Upload at most this many bytes per second (curl's --limit-rate). */
  limitRate?: number;
  onProgress?(phase: PutPhase, done: number, total: number): void;
  log?(msg: string): void;
  /** A clock in ms (pacing only). */
  now?(): number;
  /** The HTTP client (default: the global fetch). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface PutResult {
  /** How the object was created. */
  mode: "instant" | "single" | "multipart";
  etag: string;
  versionId?: string;
  sha256: string;
  uploadId?: string;
  /** Multipart: parts sent now, and parts an earlier interrupted run had already sent. */
  partsSent?: number;
  partsReused?: number;
}

export class PutError extends Error {
  constructor(message: string, readonly status?: number, readonly code?: string) { super(message); }
}

export const MiB = 1024 * 1024;
const MIN_PART = 5 * MiB;
const MAX_PARTS = 10_000;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const UNSIGNED = "UNSIGNED-PAYLOAD";
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (n) => n === "Upload" || n === "Part" });

/** The part size used for a file: the requested one, at least 5 MiB and enough for 10,000 parts. */
export function partSizeFor(size: number, requested = 16 * MiB): number {
  const floor = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return Math.max(MIN_PART, requested, floor);
}

/** The parts of a file: [number, start, end) each. */
export function partRanges(size: number, partSize: number): { number: number; start: number; end: number }[] {
  const out = [];
  for (let n = 1, start = 0; start < size || (size === 0 && n === 1); n++, start += partSize) {
    out.push({ number: n, start, end: Math.min(size, start + partSize) });
    if (size === 0) break;
  }
  return out;
}

/** Digests of a byte stream (SHA-256 and, if asked, MD5), hex. */
export async function digestStream(stream: ReadableStream<Uint8Array>, hashers: PutHasher[], onBytes?: (n: number) => void): Promise<string[]> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const h of hashers) h.update(value);
    onBytes?.(value.length);
  }
  return Promise.all(hashers.map(async (h) => toHex(await h.digest())));
}

const hexToB64 = (hex: string) => toBase64(Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16)));
const unquote = (etag: string | null) => (etag ?? "").replace(/^"|"$/g, "");

export async function putFile(o: PutOptions): Promise<PutResult> {
  const size = o.source.size;
  const now = o.now ?? (() => Date.now());
  const objectUrl = `${o.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(o.bucket)}/${o.key.split("/").map(encodeURIComponent).join("/")}`;
  const bucketUrl = `${o.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(o.bucket)}`;

  const send = async (url: string, init: { method: string; headers?: Record<string, string>; body?: ReadableStream<Uint8Array> | string }) => {
    const headers = { "x-amz-content-sha256": init.body === undefined ? EMPTY_SHA256 : UNSIGNED, ...init.headers };
    const signed = await o.client.sign(url, { method: init.method, headers });
    return (o.fetch ?? fetch)(signed.url, { method: init.method, headers: signed.headers, body: init.body, duplex: "half" } as RequestInit);
  };
  const fail = async (what: string, res: Response): Promise<never> => {
    const text = await res.text().catch(() => "");
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    throw new PutError(`${what}: HTTP ${res.status}${code ? ` ${code}` : ""}${/<Message>([^<]*)</.exec(text)?.[1] ? `: ${/<Message>([^<]*)</.exec(text)![1]}` : ""}`, res.status, code);
  };

  // Upload pacing and progress, shared by every body in flight.
  let sent = 0;
  let started = 0; // the first byte sent (pacing counts from there, not from the hashing)
  const counted = (stream: ReadableStream<Uint8Array>, md5?: PutHasher): ReadableStream<Uint8Array> =>
    stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      async transform(piece, ctl) {
        md5?.update(piece);
        if (!started) started = now();
        sent += piece.length;
        o.onProgress?.("upload", sent, size);
        if (o.limitRate) {
          const ahead = (sent / o.limitRate) * 1000 - (now() - started);
          if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
        }
        ctl.enqueue(piece);
      },
    }));

  // 1. Hash: the instant upload names the content by it, and the gateway verifies it on upload.
  let hashed = 0;
  const [sha256] = await digestStream(o.source.slice(0, size), [o.hasher("sha256")], (n) => { hashed += n; o.onProgress?.("hash", hashed, size); });
  const shaB64 = hexToB64(sha256);
  const base = { ...(o.contentType ? { "content-type": o.contentType } : {}) };

  // 2. Instant upload. A gateway without it (plain S3) checks x-amz-checksum-sha256 against the
  // empty body and refuses (BadDigest / checksum mismatch): never an empty object by mistake.
  if (!o.noInstant && size > 0) {
    const res = await send(objectUrl, { method: "PUT", headers: { ...base, "x-s3edge-instant": String(size), "x-amz-checksum-sha256": shaB64, "content-length": "0" }, body: "" });
    if (res.ok) {
      await res.body?.cancel();
      o.log?.("instant upload: the content was already stored, no bytes sent");
      return { mode: "instant", etag: unquote(res.headers.get("etag")), versionId: res.headers.get("x-amz-version-id") ?? undefined, sha256 };
    }
    const text = await res.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    if (res.status === 412 && code === "ContentNotStored") o.log?.("instant upload: content not stored yet, sending it");
    else if (res.status === 400 || res.status === 501) o.log?.(`instant upload not supported here (${code ?? res.status}), sending the bytes`);
    else throw new PutError(`instant upload: HTTP ${res.status}${code ? ` ${code}` : ""}`, res.status, code);
  }

  // 3a. One PUT, with the SHA-256 the gateway verifies and then can find the object by.
  if (size <= (o.multipartThreshold ?? 64 * MiB)) {
    const md5 = o.hasher("md5");
    const res = await send(objectUrl, {
      method: "PUT", headers: { ...base, "content-length": String(size), "x-amz-checksum-sha256": shaB64 }, body: counted(o.source.slice(0, size), md5),
    });
    if (!res.ok) return fail("PutObject", res);
    await res.body?.cancel();
    const etag = unquote(res.headers.get("etag"));
    const local = toHex(await md5.digest());
    if (etag !== local) throw new PutError(`PutObject: the gateway's ETag ${etag} is not the file's MD5 ${local}`);
    return { mode: "single", etag, versionId: res.headers.get("x-amz-version-id") ?? undefined, sha256 };
  }

  // 3b. Multipart: resume the newest open upload of this key, or start one.
  const partSize = partSizeFor(size, o.partSize);
  const ranges = partRanges(size, partSize);
  let uploadId = await findUpload();
  const have = new Map<number, { etag: string; size: number }>();
  if (uploadId) {
    for (const p of await listParts(uploadId)) have.set(p.number, p);
    o.log?.(`resuming upload ${uploadId}: ${have.size} part(s) already sent`);
  } else {
    const res = await send(`${objectUrl}?uploads`, { method: "POST", headers: base });
    if (!res.ok) return fail("CreateMultipartUpload", res);
    uploadId = xml.parse(await res.text()).InitiateMultipartUploadResult?.UploadId as string;
    if (!uploadId) throw new PutError("CreateMultipartUpload: no UploadId in the answer");
  }

  // A part sent before counts only if it has this run's size and the local bytes' MD5.
  const etags = new Map<number, string>();
  let reused = 0;
  for (const r of ranges) {
    const p = have.get(r.number);
    if (!p || p.size !== r.end - r.start) continue;
    const [md5] = await digestStream(o.source.slice(r.start, r.end), [o.hasher("md5")]);
    if (md5 === p.etag) { etags.set(r.number, md5); reused++; sent += r.end - r.start; }
  }
  o.onProgress?.("upload", sent, size);

  const todo = ranges.filter((r) => !etags.has(r.number));
  const uploadPart = async (r: (typeof ranges)[number]) => {
    for (let attempt = 1; ; attempt++) {
      const before = sent;
      const md5 = o.hasher("md5");
      try {
        const res = await send(`${objectUrl}?partNumber=${r.number}&uploadId=${encodeURIComponent(uploadId!)}`, {
          method: "PUT", headers: { "content-length": String(r.end - r.start) }, body: counted(o.source.slice(r.start, r.end), md5),
        });
        if (!res.ok) {
          if (res.status >= 500 && attempt < 3) { await res.body?.cancel(); sent = before; continue; }
          return fail(`UploadPart ${r.number}`, res);
        }
        await res.body?.cancel();
        const etag = unquote(res.headers.get("etag"));
        const local = toHex(await md5.digest());
        if (etag !== local) throw new PutError(`UploadPart ${r.number}: ETag ${etag} is not the part's MD5 ${local}`);
        etags.set(r.number, etag);
        return;
      } catch (e) {
        if (e instanceof PutError || attempt >= 3) throw e;
        sent = before; // a dropped connection: send the part again
      }
    }
  };
  let next = 0;
  const worker = async () => { while (next < todo.length) await uploadPart(todo[next++]); };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, todo.length) }, worker));

  const body = `<CompleteMultipartUpload>${ranges.map((r) => `<Part><PartNumber>${r.number}</PartNumber><ETag>"${etags.get(r.number)}"</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  // x-s3edge-content-sha256: the gateway verifies it, so this object can be found by content too.
  const res = await send(`${objectUrl}?uploadId=${encodeURIComponent(uploadId)}`, { method: "POST", headers: { "content-type": "application/xml", "x-s3edge-content-sha256": shaB64 }, body });
  const text = res.ok ? await res.text() : "";
  if (!res.ok) return fail("CompleteMultipartUpload", res);
  const done = xml.parse(text).CompleteMultipartUploadResult;
  if (!done) throw new PutError(`CompleteMultipartUpload: ${text.slice(0, 200)}`);
  return { mode: "multipart", etag: unquote(done.ETag), versionId: res.headers.get("x-amz-version-id") ?? undefined, sha256, uploadId, partsSent: todo.length, partsReused: reused };

  async function findUpload(): Promise<string | undefined> {
    let keyMarker = "", idMarker = "";
    let best: { id: string; initiated: string } | undefined;
    for (;;) {
      const q = new URLSearchParams({ uploads: "", prefix: o.key, ...(keyMarker ? { "key-marker": keyMarker, "upload-id-marker": idMarker } : {}) });
      const res = await send(`${bucketUrl}?${q.toString().replace("uploads=", "uploads")}`, { method: "GET" });
      if (!res.ok) return fail("ListMultipartUploads", res);
      const doc = xml.parse(await res.text()).ListMultipartUploadsResult ?? {};
      for (const u of doc.Upload ?? []) {
        if (u.Key !== o.key) continue;
        if (!best || String(u.Initiated) > best.initiated) best = { id: String(u.UploadId), initiated: String(u.Initiated) };
      }
      if (doc.IsTruncated !== "true") return best?.id;
      keyMarker = doc.NextKeyMarker ?? "";
      idMarker = doc.NextUploadIdMarker ?? "";
      if (!keyMarker) return best?.id;
    }
  }

  async function listParts(id: string): Promise<{ number: number; etag: string; size: number }[]> {
    const out = [];
    let marker = "0";
    for (;;) {
      const res = await send(`${objectUrl}?uploadId=${encodeURIComponent(id)}&part-number-marker=${marker}`, { method: "GET" });
      if (!res.ok) return fail("ListParts", res);
      const doc = xml.parse(await res.text()).ListPartsResult ?? {};
      for (const p of doc.Part ?? []) out.push({ number: Number(p.PartNumber), etag: unquote(String(p.ETag)), size: Number(p.Size) });
      if (doc.IsTruncated !== "true" || !doc.NextPartNumberMarker) return out;
      marker = String(doc.NextPartNumberMarker);
    }
  }
}
