// BlobStore on any S3-compatible upstream (AWS S3, R2, MinIO, Ceph, Garage, another s3edge),
// through fetch + aws4fetch only, so it runs on Bun and Workers alike (on Bun, `s3edge serve`
// passes a fetch that sends GET and HEAD over pooled sockets: src/runtime/bun/upstream-fetch.ts).
// Chunks are written once under a unique id (ingest.ts), so a blob never changes: a retried put
// sends the same bytes.
//
// - put: one PUT of known length (S3 stores a PUT whole or not at all: a body cut short is
//   refused, so a failed put leaves nothing). Bytes are retried; a stream is sent once.
// - get: a ranged GET; the blob's size comes from Content-Range (206) or Content-Length (200).
// - delete: DeleteObjects in batches of 1,000 (falling back to single DELETEs where the
//   upstream has no DeleteObjects, e.g. GCS's XML API).
// - list: ListObjectsV2 with StartAfter, so the cursor is the last key, as on the fs store.
import type { BlobRange, BlobStore } from "../types.ts";
import { BlobStoreUnavailable, createUpstream, UpstreamError, type UpstreamOptions } from "./upstream.ts";
import { toBase64 } from "../../util/hash.ts";

export { BlobStoreUnavailable, UpstreamError };

export interface S3BlobStoreOptions extends UpstreamOptions {
  /** MD5 for DeleteObjects' Content-MD5 (older S3s and MinIO require it); WebCrypto has none. */
  md5?: (data: Uint8Array) => Uint8Array;
}

export interface S3BlobStore extends BlobStore {
  /** One cheap signed call (a one-key listing): resolves when the bucket answers, throws why not. */
  probe(): Promise<void>;
  /** Keys under the store's prefix with their Last-Modified (ms), a page at a time (orphan sweeps). */
  listDated(opts: { cursor?: string; limit?: number }): Promise<{ items: { key: string; modified: number }[]; cursor?: string }>;
}

const DELETE_BATCH = 1000;
const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);
const xmlUnescape = (s: string) => s.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
  e === "lt" ? "<" : e === "gt" ? ">" : e === "amp" ? "&" : e === "apos" ? "'" : e === "quot" ? '"'
    : String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1))));

/** The `<tag>` values of an XML body, in order (upstream listings are flat enough for this). */
const all = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => xmlUnescape(m[1]));

/** A body of exactly `size` bytes, or an error in the stream (so the upload is cut short and refused). */
function exactly(body: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctrl) {
      seen += chunk.length;
      if (seen > size) throw new Error(`blob longer than its declared ${size} bytes`);
      ctrl.enqueue(chunk);
    },
    flush() { if (seen !== size) throw new Error(`short blob: ${seen} of ${size} bytes`); },
  }));
}

export function createS3BlobStore(opts: S3BlobStoreOptions): S3BlobStore {
  const up = createUpstream(opts);
  const sizeOf = (res: Response): number => {
    const range = res.headers.get("content-range");
    const total = range ? /\/(\d+)\s*$/.exec(range)?.[1] : res.headers.get("content-length");
    if (total === undefined || total === null) throw new UpstreamError(res.status, "", "GET blob (no size in the answer)");
    return Number(total);
  };

  const listPage = async (o: { prefix?: string; cursor?: string; limit?: number }) => {
    const query: Record<string, string> = { "list-type": "2", prefix: opts.prefix + (o.prefix ?? ""), "max-keys": String(Math.min(o.limit ?? 1000, 1000)) };
    if (o.cursor) query["start-after"] = opts.prefix + o.cursor;
    const res = await up.send({ method: "GET", query, idempotent: true, what: "list" });
    const xml = await res.text();
    const contents = all(xml, "Contents");
    const items = contents.map((c) => ({ key: all(c, "Key")[0] ?? "", modified: Date.parse(all(c, "LastModified")[0] ?? "") }))
      .filter((i) => i.key.startsWith(opts.prefix))
      .map((i) => ({ key: i.key.slice(opts.prefix.length), modified: i.modified }));
    const truncated = /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(xml);
    return { items, cursor: truncated && items.length ? items[items.length - 1].key : undefined };
  };

  const deleteOne = async (key: string) => {
    await up.send({ method: "DELETE", key, idempotent: true, what: "DELETE blob" }, (s) => s < 300 || s === 404);
  };

  const deleteBatch = async (keys: string[]) => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${
      keys.map((k) => `<Object><Key>${xmlEscape(opts.prefix + k)}</Key></Object>`).join("")}</Delete>`;
    const body = new TextEncoder().encode(xml);
    const headers: Record<string, string> = {
      "content-type": "application/xml",
      "content-length": String(body.length),
      // S3 wants an integrity header on DeleteObjects: Content-MD5, or a flexible checksum.
      "x-amz-checksum-sha256": toBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", body))),
      "x-amz-sdk-checksum-algorithm": "SHA256",
    };
    if (opts.md5) headers["content-md5"] = toBase64(opts.md5(body));
    let res: Response;
    try {
      res = await up.send({ method: "POST", query: { delete: "" }, headers, body, idempotent: true, what: "DeleteObjects" });
    } catch (e) {
      // No DeleteObjects there: one DELETE per key (a delete is idempotent; a missing key is fine).
      if (e instanceof UpstreamError && (e.status === 501 || e.code === "NotImplemented")) {
        for (const k of keys) await deleteOne(k);
        return;
      }
      throw e;
    }
    const text = await res.text();
    const failed = all(text, "Error").map((e) => ({ key: all(e, "Key")[0], code: all(e, "Code")[0] ?? "" })).filter((e) => e.code !== "NoSuchKey");
    if (failed.length) {
      if (failed.some((f) => ["SlowDown", "InternalError", "ServiceUnavailable"].includes(f.code))) throw new BlobStoreUnavailable(new Error(`DeleteObjects: ${failed[0].code}`));
      throw new UpstreamError(res.status, failed[0].code, `DeleteObjects (${failed.length} keys not deleted)`);
    }
  };

  return {
    async put(key, body, { size }) {
      if (body instanceof Uint8Array) {
        if (body.length !== size) throw new Error(`blob size mismatch: ${body.length} of ${size}`);
        await up.send({ method: "PUT", key, body, headers: { "content-length": String(size) }, idempotent: true, what: "PUT blob" });
        return;
      }
      await up.send({ method: "PUT", key, body: exactly(body, size), headers: { "content-length": String(size) }, idempotent: false, what: "PUT blob" });
    },

    async get(key, o) {
      const r: BlobRange | undefined = o?.range;
      if (r && r.length === 0) {
        // An empty range has no Range header form: the size alone.
        const h = await this.head(key);
        return h ? { size: h.size, body: new ReadableStream({ start: (c) => c.close() }) } : null;
      }
      const headers: Record<string, string> = r ? { range: `bytes=${r.offset}-${r.offset + r.length - 1}` } : {};
      const res = await up.send({ method: "GET", key, headers, idempotent: true, what: "GET blob" }, (s) => s < 300 || s === 404);
      if (res.status === 404) { await res.body?.cancel(); return null; }
      const size = sizeOf(res);
      return { size, body: up.watchBody(res.body ?? new ReadableStream({ start: (c) => c.close() })) };
    },

    async head(key) {
      const res = await up.send({ method: "HEAD", key, idempotent: true, what: "HEAD blob" }, (s) => s < 300 || s === 404);
      await res.body?.cancel();
      if (res.status === 404) return null;
      return { size: Number(res.headers.get("content-length") ?? 0) };
    },

    async delete(keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) await deleteBatch(keys.slice(i, i + DELETE_BATCH));
    },

    async list(o) {
      const page = await listPage(o ?? {});
      return { keys: page.items.map((i) => i.key), cursor: page.cursor };
    },

    listDated: (o) => listPage(o),

    async probe() {
      const res = await up.send({ method: "GET", query: { "list-type": "2", "max-keys": "1", prefix: opts.prefix }, idempotent: true, what: "list (probe)" });
      await res.body?.cancel();
    },
  };
}
