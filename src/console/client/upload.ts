// Uploads with progress and cancel: XMLHttpRequest (fetch has no upload progress), signed by
// aws4fetch. Files above MULTIPART_THRESHOLD go as multipart, a few parts at a time, so a large
// file never needs one huge request (Workers caps a request body at 100 MB).
import { ConsoleError, toConsoleError } from "./errors.ts";
import type { S3 } from "./s3.ts";
import { readError } from "./session.ts";
import { textOf } from "./xml.ts";

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

export function startUpload(s3: S3, bucket: string, key: string, file: Blob, onChange: (s: UploadState) => void): Upload {
  const state: UploadState = { id: nextId++, key, size: file.size, loaded: 0, status: "uploading" };
  const abort = new AbortController();
  const update = (patch: Partial<UploadState>) => { Object.assign(state, patch); onChange({ ...state }); };
  const contentType = file.type || "application/octet-stream";
  let uploadId = "";

  const single = async () => {
    const target = s3.url(bucket, key);
    const headers = await s3.signedHeaders("PUT", target, { "content-type": contentType });
    await xhrPut(target, headers, file, (loaded) => update({ loaded }), abort.signal);
  };

  const multipart = async () => {
    const created = await s3.xml(await s3.call("POST", s3.url(bucket, key, { uploads: "" }), { headers: { "content-type": contentType } }));
    uploadId = textOf(created, "UploadId");
    const partSize = Math.max(PART_SIZE, Math.ceil(file.size / 10_000));
    const count = Math.ceil(file.size / partSize);
    const loaded = new Array<number>(count).fill(0);
    const etags = new Array<string>(count);
    let next = 0;
    const worker = async () => {
      while (next < count && !abort.signal.aborted) {
        const i = next++;
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
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, count) }, worker));
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const done = await s3.call("POST", s3.url(bucket, key, { uploadId }), { body, headers: { "content-type": "application/xml" } });
    // CompleteMultipartUpload may fail with 200 and an <Error> body (S3 semantics).
    const doc = await s3.xml(done);
    if (doc.documentElement?.nodeName === "Error") throw new ConsoleError(textOf(doc, "Code"), textOf(doc, "Message"));
  };

  (async () => {
    try {
      await (file.size > MULTIPART_THRESHOLD ? multipart() : single());
      update({ loaded: file.size, status: "done" });
    } catch (e) {
      const err = toConsoleError(e);
      update(err.code === "Cancelled" || abort.signal.aborted ? { status: "cancelled" } : { status: "failed", error: err });
      // Leave no parts behind; best effort (the upload may not exist yet).
      if (uploadId) await s3.call("DELETE", s3.url(bucket, key, { uploadId })).catch(() => {});
    }
  })();

  return { state, cancel: () => abort.abort() };
}
