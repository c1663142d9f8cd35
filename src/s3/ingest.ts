// Streams a body into content-addressed chunks while hashing it (garage put.rs):
// at most two chunk buffers live at once (one filling, one being stored).
import { S3Error } from "../xml/errors.ts";
import type { Deps, Hasher } from "../deps.ts";
import type { ChecksumAlgorithm, ChunkRef } from "../store/types.ts";
import { checksumHasher } from "./checksum.ts";
import { toBase64, toHex } from "../util/hash.ts";
import { newSession } from "../store/session.ts";

const BULK_MD5_MIN = 1024 * 1024;

/** Awaits only real promises: most hashers are synchronous and this is the per-read hot path. */
const settle = (r: void | Promise<void>) => r;

export interface IngestOptions {
  /** The bucket the data is for: chunks are pinned in its session. */
  bucket: string;
  /** Declared length (Content-Length or x-amz-decoded-content-length). */
  expectedSize?: number;
  maxSize: number;
  contentMd5?: Uint8Array;
  sha256Hex?: string;
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string; trailer?: () => string | undefined };
  allowInline: boolean;
}

export interface Ingested {
  size: number;
  md5Hex: string;
  inline?: Uint8Array;
  manifest?: ChunkRef[];
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** Pins on the new chunks; pass to the commit, which drops them. */
  session: string;
}

export async function ingest(deps: Deps, body: ReadableStream<Uint8Array> | null, opts: IngestOptions): Promise<Ingested> {
  const session = newSession(opts.bucket);
  const { chunkSize, inlineLimit } = deps.config;
  // Large bodies hash MD5 per chunk on the bulk hasher (off-thread on Bun); small ones inline.
  const bulk = deps.bulkMd5 && (opts.expectedSize ?? 0) >= BULK_MD5_MIN ? deps.bulkMd5() : null;
  const md5 = bulk ?? deps.hasher("md5");
  const sha = opts.sha256Hex ? deps.hasher("sha256") : null;
  const ck: Hasher | null = opts.checksum ? checksumHasher(deps, opts.checksum.algorithm) : null;
  const manifest: ChunkRef[] = [];
  let size = 0;
  const firstSize = opts.expectedSize !== undefined ? Math.min(opts.expectedSize, chunkSize) : chunkSize;
  let buf: Uint8Array = new Uint8Array(Math.max(firstSize, 0));
  let spare: Uint8Array | null = null;
  let fill = 0;
  let pending: Promise<void> | null = null;

  const store = (data: Uint8Array) => storeChunk(deps, session, data);

  const flush = async () => {
    if (pending) await pending;
    const data = buf.subarray(0, fill);
    const idx = manifest.length;
    manifest.push({ h: "", b: "", n: fill });
    const full = buf;
    pending = Promise.all([store(data), bulk?.update(data)]).then(([ref]) => { manifest[idx] = ref; spare = full; });
    buf = spare && spare.length === chunkSize ? spare : new Uint8Array(chunkSize);
    spare = null;
    fill = 0;
  };

  try {
    if (body) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > opts.maxSize) { reader.cancel().catch(() => {}); throw new S3Error("EntityTooLarge"); }
        if (opts.expectedSize !== undefined && size > opts.expectedSize) { reader.cancel().catch(() => {}); throw new S3Error("IncompleteBody", { message: "Body is longer than Content-Length" }); }
        if (!bulk) await settle(md5.update(value));
        if (sha) await settle(sha.update(value));
        if (ck) await settle(ck.update(value));
        let off = 0;
        while (off < value.length) {
          if (fill === buf.length) {
            if (buf.length < chunkSize) { // declared size was wrong; grow to a full chunk
              const b = new Uint8Array(chunkSize);
              b.set(buf.subarray(0, fill));
              buf = b;
            } else await flush();
          }
          const n = Math.min(buf.length - fill, value.length - off);
          buf.set(value.subarray(off, off + n), fill);
          fill += n;
          off += n;
        }
      }
    }
    if (opts.expectedSize !== undefined && size !== opts.expectedSize) throw new S3Error("IncompleteBody");
    const inline = opts.allowInline && manifest.length === 0 && size <= inlineLimit;
    if (!inline && fill > 0) await flush();
    if (inline) await bulk?.update(buf.subarray(0, fill));
    await pending;
    const md5Bytes = await md5.digest();
    if (opts.contentMd5 && toBase64(md5Bytes) !== toBase64(opts.contentMd5)) throw new S3Error("BadDigest");
    if (sha && toHex(await sha.digest()) !== opts.sha256Hex) throw new S3Error("XAmzContentSHA256Mismatch");
    let checksum: Ingested["checksum"];
    if (opts.checksum && ck) {
      const value = toBase64(await ck.digest());
      const expected = opts.checksum.expected ?? opts.checksum.trailer?.();
      if (opts.checksum.trailer && expected === undefined) {
        throw new S3Error("InvalidRequest", { message: "Missing trailer checksum" });
      }
      if (expected !== undefined && expected !== value) {
        throw new S3Error("BadDigest", { message: `The ${opts.checksum.algorithm} you specified did not match the calculated checksum.` });
      }
      checksum = { algorithm: opts.checksum.algorithm, value };
    }
    if (inline) return { size, md5Hex: toHex(md5Bytes), inline: buf.slice(0, fill), checksum, session };
    return { size, md5Hex: toHex(md5Bytes), manifest, checksum, session };
  } catch (e) {
    await (pending as Promise<void> | null)?.catch(() => {});
    md5.dispose?.();
    await deps.meta.releaseSession(session).catch(() => {});
    throw e;
  }
}


/** Stores one chunk under its content hash, reusing an existing copy (dedup). */
export async function storeChunk(deps: Deps, session: string, data: Uint8Array): Promise<ChunkRef> {
  const hash = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource)));
  let blob = await deps.meta.acquireChunk(session, hash);
  if (blob === null) {
    const id = `${hash.slice(0, 16)}-${crypto.randomUUID()}`;
    await deps.blobs.put(id, data, { size: data.length });
    blob = await deps.meta.registerChunk(session, hash, id, data.length);
    if (blob !== id) await deps.blobs.delete([id]); // another writer stored it first: dedup
  }
  return { h: hash, b: blob, n: data.length };
}
