// Uploads with progress and cancel: XMLHttpRequest (fetch has no upload progress), signed by
// aws4fetch. Files above MULTIPART_THRESHOLD go as multipart, a few parts at a time, so a large
// file never needs one huge request (Workers caps a request body at 100 MB). A failed multipart
// upload is left on the gateway, not aborted, so it can be resumed — in the page, or after a
// reload by choosing the same file again: ListMultipartUploads finds it, ListParts says which
// parts are there, and only the others are sent (nothing is kept in the browser's storage).
import { ConsoleError, toConsoleError } from "./errors.ts";
import type { S3 } from "./s3.ts";
import { readError } from "./session.ts";
import { elements, textOf } from "./xml.ts";

const MiB = 1024 * 1024;
export const MULTIPART_THRESHOLD = 16 * MiB;
const PART_SIZE = 8 * MiB;
const PARALLEL_PARTS = 3;
// A part that fails with a 5xx or a dropped connection is sent again, as S3 SDKs retry
// (wrangler dev answers an occasional 503 under parallel part uploads).
const PART_ATTEMPTS = 3;
const retryable = (e: unknown) => e instanceof ConsoleError && (e.code === "NetworkError" || e.status >= 500);

export interface UploadState {
  id: number;
  key: string;
  size: number;
  loaded: number;
  status: "uploading" | "done" | "failed" | "cancelled";
  error?: ConsoleError;
  /** The multipart upload (while it runs, and the one a failure left behind, to resume). */
  uploadId?: string;
}

/** An unfinished multipart upload (ListMultipartUploads). */
export interface Unfinished { key: string; uploadId: string; initiated: string }

/** Part size for a file: 8 MiB, or more when 10,000 parts would not hold it (S3's limit). */
export const partSizeFor = (size: number): number => Math.max(PART_SIZE, Math.ceil(size / 10_000));

/** The unfinished multipart uploads under a prefix, oldest first (one page of 1,000). */
export async function listUnfinished(s3: S3, bucket: string, prefix: string): Promise<Unfinished[]> {
  const doc = await s3.xml(await s3.call("GET", s3.url(bucket, "", { uploads: "", prefix })));
  return elements(doc, "Upload").map((u) => ({ key: textOf(u, "Key"), uploadId: textOf(u, "UploadId"), initiated: textOf(u, "Initiated") }));
}

/** The parts an upload already has, by number (ListParts, every page). */
async function listParts(s3: S3, bucket: string, key: string, uploadId: string): Promise<Map<number, { etag: string; size: number }>> {
  const out = new Map<number, { etag: string; size: number }>();
  for (let marker = "0"; ;) {
    const doc = await s3.xml(await s3.call("GET", s3.url(bucket, key, { uploadId, "part-number-marker": marker })));
    for (const p of elements(doc, "Part")) out.set(Number(textOf(p, "PartNumber")), { etag: textOf(p, "ETag"), size: Number(textOf(p, "Size")) });
    if (textOf(doc, "IsTruncated") !== "true") return out;
    marker = textOf(doc, "NextPartNumberMarker");
  }
}

export interface Upload { state: UploadState; cancel(): void }

function xhrPut(target: string, headers: [string, string][], body: Blob, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", target);
    // host is the page's own; content-length is the browser's to set.
    for (const [k, v] of headers) if (k !== "host" && k !== "content-length") xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.getResponseHeader("etag") ?? "");
      reject(await readError(new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText })));
    };
    xhr.onerror = () => reject(new ConsoleError("NetworkError", "The upload was interrupted."));
    xhr.onabort = () => reject(new DOMException("cancelled", "AbortError"));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

let nextId = 1;

/** Uploads `file` as `key`; with `resumeId`, the parts that unfinished upload lacks, then completes it. */
export function startUpload(s3: S3, bucket: string, key: string, file: Blob, onChange: (s: UploadState) => void, resumeId?: string): Upload {
  const state: UploadState = { id: nextId++, key, size: file.size, loaded: 0, status: "uploading" };
  const abort = new AbortController();
  const update = (patch: Partial<UploadState>) => { Object.assign(state, patch); onChange({ ...state }); };
  const contentType = file.type || "application/octet-stream";
  let uploadId = resumeId ?? "";

  const single = async () => {
    const target = s3.url(bucket, key);
    const headers = await s3.signedHeaders("PUT", target, { "content-type": contentType });
    await xhrPut(target, headers, file, (loaded) => update({ loaded }), abort.signal);
  };

  const multipart = async () => {
    const partSize = partSizeFor(file.size);
    const count = Math.ceil(file.size / partSize);
    const sizeOf = (i: number) => Math.min(file.size, (i + 1) * partSize) - i * partSize;
    const loaded = new Array<number>(count).fill(0);
    const etags = new Array<string>(count);
    if (uploadId) {
      // Resuming: the parts there must be this file's (same part size and count), the rest go now.
      for (const [n, p] of await listParts(s3, bucket, key, uploadId)) {
        if (n > count || p.size !== sizeOf(n - 1)) throw new ConsoleError("FileMismatch", `This file (${file.size} bytes) is not the one this upload was started with: choose the same file again.`);
        etags[n - 1] = p.etag;
        loaded[n - 1] = p.size;
      }
      update({ loaded: loaded.reduce((a, b) => a + b, 0) });
    } else {
      const created = await s3.xml(await s3.call("POST", s3.url(bucket, key, { uploads: "" }), { headers: { "content-type": contentType } }));
      uploadId = textOf(created, "UploadId");
    }
    update({ uploadId });
    const todo = Array.from({ length: count }, (_, i) => i).filter((i) => !etags[i]);
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !abort.signal.aborted) {
        const i = todo[next++]!;
        const target = s3.url(bucket, key, { partNumber: String(i + 1), uploadId });
        for (let attempt = 1; ; attempt++) {
          try {
            const headers = await s3.signedHeaders("PUT", target);
            etags[i] = await xhrPut(target, headers, file.slice(i * partSize, Math.min(file.size, (i + 1) * partSize)), (n) => {
              loaded[i] = n;
              update({ loaded: loaded.reduce((a, b) => a + b, 0) });
            }, abort.signal);
            break;
          } catch (e) {
            if (attempt >= PART_ATTEMPTS || !retryable(e) || abort.signal.aborted) throw e;
            loaded[i] = 0;
            await new Promise((r) => setTimeout(r, 300 * attempt));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, todo.length) }, worker));
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const done = await s3.call("POST", s3.url(bucket, key, { uploadId }), { body, headers: { "content-type": "application/xml" } });
    // CompleteMultipartUpload may fail with 200 and an <Error> body (S3 semantics).
    const doc = await s3.xml(done);
    if (doc.documentElement?.nodeName === "Error") throw new ConsoleError(textOf(doc, "Code"), textOf(doc, "Message"));
  };

  (async () => {
    try {
      await (resumeId || file.size > MULTIPART_THRESHOLD ? multipart() : single());
      update({ loaded: file.size, status: "done", uploadId: undefined });
    } catch (e) {
      const err = toConsoleError(e);
      const cancelled = err.code === "Cancelled" || abort.signal.aborted;
      // A failure keeps its parts for a resume; a cancel leaves none behind (best effort: the
      // upload may not exist yet).
      update(cancelled ? { status: "cancelled" } : { status: "failed", error: err, ...(uploadId && err.code !== "NoSuchUpload" ? { uploadId } : {}) });
      if (cancelled && uploadId) await s3.call("DELETE", s3.url(bucket, key, { uploadId })).catch(() => {});
    }
  })();

  return { state, cancel: () => abort.abort() };
}
