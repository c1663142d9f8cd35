// Streams a body into content-addressed chunks while hashing it (garage put.rs).
//
// With a declared size (every S3 PUT and UploadPart has one) each chunk is written straight to
// its blob as the bytes arrive: no chunk-sized buffer, no copy. The chunk's SHA-256 is known only
// at its end, so the blob id is random and the MetaStore maps hash → blob at registerChunk; when
// another writer already stored that content, registerChunk answers its blob and ours is deleted
// (stored once). Each blob id is recorded with the session before its first byte (intendBlob),
// so a crash between the put and the registration leaves a blob GC deletes, not a leak. Every
// blob put has a known length (R2 needs one). Memory per upload: the pieces
// queued towards the blob store (STREAM_HIGH_WATER) and whatever the MD5 hasher stages.
//
// Without a declared size, or for a body that may go inline, the bytes are buffered one chunk at
// a time and stored whole (storeChunk).
import { S3Error } from "../xml/errors.ts";
import type { Deps, Hasher } from "../deps.ts";
import type { ChecksumAlgorithm, ChunkRef } from "../store/types.ts";
import { checksumHasher } from "./checksum.ts";
import { toBase64, toHex } from "../util/hash.ts";
import { newSession } from "../store/session.ts";
import { PREFIX, TAG } from "../sse/crypto.ts";

const BULK_MD5_MIN = 1024 * 1024;
/** Bytes queued towards a blob put before reading more of the body waits for it. */
const STREAM_HIGH_WATER = 1024 * 1024;

/**
 * Reads shorter than GATHER_PASS are copied together into buffers of GATHER bytes before they are
 * hashed and written. Every piece costs a hasher update per digest and a stream write (on
 * workerd, native calls and promises), and workerd hands request bodies over in pieces of a few
 * KiB; a copy is cheaper. Bun's reads (128–512 KiB) pass through as they are.
 */
const GATHER_PASS = 64 * 1024;
const GATHER = 256 * 1024;

/** Awaits only real promises: most hashers are synchronous and this is the per-read hot path. */

/**
 * Sealed chunks from this size on are sealed on their way into the blob (ChunkSealer.sealInSteps)
 * where the runtime can: smaller ones are stored whole, after the dedup check their address allows.
 */
const SEAL_IN_STEPS_MIN = 64 * 1024;

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
  /**
   * Server-side encryption (src/sse): each chunk is sealed whole before it is stored, so the body
   * is buffered a chunk at a time and never inline; manifest sizes stay in plaintext bytes.
   */
  seal?: ChunkSealer;
}

/** How IngestOptions.seal seals a chunk (src/sse/request.ts Sealer). */
export interface ChunkSealer {
  /**
   * Whether the seal is keyed by the plaintext's SHA-256 (convergent, SSE-S3/KMS): then the
   * chunk is hashed here as it is buffered, each piece while it is still in cache, rather than
   * read again whole by the seal.
   */
  convergent: boolean;
  /** Takes `chunk` until it settles (it may move to another thread, or be sealed in place: src/sse/chunks.ts). */
  seal(chunk: Uint8Array, sha256?: Uint8Array): Promise<SealedChunk>;
  /**
   * Where the runtime can (src/sse/chunks.ts sealInSteps): seals `frame` (PREFIX bytes of room,
   * the chunk, TAG bytes of room) in place, handing each step's sealed bytes to `write` as they
   * are sealed; answers the content address.
   */
  sealInSteps?(frame: Uint8Array, write: (piece: Uint8Array) => void | Promise<void>, sha256?: Uint8Array): Promise<string>;
  /** Chunk buffers lent across writes (src/sse/chunks.ts FramePool); given back only when nothing holds them. */
  frames?: { take(bytes: number): Uint8Array | undefined; give(frame: Uint8Array): void };
}

/** A sealed chunk and its content address (src/sse/crypto.ts sealedAddress), which the seal knows: it is stored under it, not hashed again. */
export interface SealedChunk { data: Uint8Array; hash: string }

export interface Ingested {
  size: number;
  md5Hex: string;
  inline?: Uint8Array;
  manifest?: ChunkRef[];
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** Pins on the new chunks; pass to the commit, which drops them. */
  session: string;
}

/** Where the body's bytes go: streamed into blobs, or buffered chunk by chunk. */
interface ChunkSink {
  write(piece: Uint8Array): Promise<void> | void;
  /** After the whole body: stores what is left; the inline bytes when the body may stay inline. */
  end(inline: boolean): Promise<Uint8Array | undefined>;
  abort(e: unknown): Promise<void>;
  manifest: ChunkRef[];
}

export async function ingest(deps: Deps, body: ReadableStream<Uint8Array> | null, opts: IngestOptions): Promise<Ingested> {
  const session = newSession(opts.bucket);
  const { chunkSize, inlineLimit } = deps.config;
  // Large bodies hash MD5 on the bulk hasher (off-thread on Bun); small ones inline.
  const bulk = deps.bulkMd5 && (opts.expectedSize ?? 0) >= BULK_MD5_MIN ? deps.bulkMd5() : null;
  const md5 = bulk ?? deps.hasher("md5");
  const sha = opts.sha256Hex ? deps.hasher("sha256") : null;
  const ck: Hasher | null = opts.checksum ? checksumHasher(deps, opts.checksum.algorithm) : null;
  const expected = opts.expectedSize;
  const mayInline = opts.allowInline && !opts.seal && (expected === undefined || expected <= inlineLimit);
  const sink = expected !== undefined && expected > 0 && !mayInline && !opts.seal
    ? streamingSink(deps, session, expected)
    : bufferingSink(deps, session, expected, opts.seal);
  let size = 0;
  const consume = async (piece: Uint8Array) => {
    await md5.update(piece);
    if (sha) await sha.update(piece);
    if (ck) await ck.update(piece);
    await sink.write(piece);
  };
  // Small reads are gathered into one buffer first (see GATHER).
  let gather: Uint8Array | null = null;
  let gathered = 0;
  const take = () => {
    const g = gather!.subarray(0, gathered);
    gather = null; // handed on: the blob stream may still hold it
    gathered = 0;
    return consume(g);
  };

  try {
    if (body) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > opts.maxSize) { reader.cancel().catch(() => {}); throw new S3Error("EntityTooLarge"); }
        if (expected !== undefined && size > expected) { reader.cancel().catch(() => {}); throw new S3Error("IncompleteBody", { message: "Body is longer than Content-Length" }); }
        if (value.length >= GATHER_PASS) {
          if (gathered) await take();
          await consume(value);
          continue;
        }
        if (gather && gathered + value.length > gather.length) await take();
        // Sized to what is still expected, so a 4 KiB PUT does not allocate a gather buffer.
        gather ??= new Uint8Array(Math.min(GATHER, expected === undefined ? GATHER : Math.max(value.length, expected - (size - value.length))));
        gather.set(value, gathered);
        gathered += value.length;
      }
      if (gathered) await take();
    }
    if (expected !== undefined && size !== expected) throw new S3Error("IncompleteBody");
    const inline = await sink.end(opts.allowInline && !opts.seal && sink.manifest.length === 0 && size <= inlineLimit);
    const md5Bytes = await md5.digest();
    if (opts.contentMd5 && toBase64(md5Bytes) !== toBase64(opts.contentMd5)) throw new S3Error("BadDigest");
    if (sha && toHex(await sha.digest()) !== opts.sha256Hex) throw new S3Error("XAmzContentSHA256Mismatch");
    let checksum: Ingested["checksum"];
    if (opts.checksum && ck) {
      const value = toBase64(await ck.digest());
      const expectedCk = opts.checksum.expected ?? opts.checksum.trailer?.();
      if (opts.checksum.trailer && expectedCk === undefined) {
        throw new S3Error("InvalidRequest", { message: "Missing trailer checksum" });
      }
      if (expectedCk !== undefined && expectedCk !== value) {
        throw new S3Error("BadDigest", { message: `The ${opts.checksum.algorithm} you specified did not match the calculated checksum.` });
      }
      checksum = { algorithm: opts.checksum.algorithm, value };
    }
    if (inline) return { size, md5Hex: toHex(md5Bytes), inline, checksum, session };
    return { size, md5Hex: toHex(md5Bytes), manifest: sink.manifest, checksum, session };
  } catch (e) {
    await sink.abort(e);
    md5.dispose?.();
    await deps.meta.releaseSession(session).catch(() => {});
    throw e;
  }
}

/** Buffers up to one chunk and stores it whole once full (or at the end, unless inline). */
function bufferingSink(deps: Deps, session: string, expected: number | undefined, seal?: IngestOptions["seal"]): ChunkSink {
  const { chunkSize } = deps.config;
  const manifest: ChunkRef[] = [];
  // Sealed, a chunk is buffered with room for the seal's prefix before it and its tag after
  // (src/sse/crypto.ts), so the seal may write in place (sse-pool.ts; on Bun in steps straight
  // into the blob, storeSealedInSteps), and the buffers are used
  // again chunk after chunk: a fresh 8 MiB buffer costs a page fault per 4 KiB at its first
  // touch, more than the copy into it.
  const before = seal ? PREFIX : 0, after = seal ? TAG : 0;
  const newFrame = (n: number) => seal?.frames?.take(n) ?? new Uint8Array(n);
  let frame: Uint8Array = newFrame(before + Math.max(0, Math.min(expected ?? 64 * 1024, chunkSize)) + after);
  let buf = frame.subarray(before, frame.length - after);
  let fill = 0;
  const spare: Uint8Array[] = []; // sealed: frames whose chunk is stored, to fill again
  const giveBack = (b: ArrayBufferLike) => { if (b.byteLength === frame.length && spare.length < 2) spare.push(new Uint8Array(b)); };
  let sealing: Promise<void> | null = null; // the previous sealed chunk, stored while the next one fills
  let sha: Hasher | null = seal?.convergent ? deps.hasher("sha256") : null; // of the chunk being buffered
  const flush = async () => {
    const plain = buf.subarray(0, fill);
    if (!seal) {
      manifest.push(await storeChunk(deps, session, plain));
      fill = 0;
      return;
    }
    // Sealed (src/sse): the chunk is sealed and stored while the next one fills, at most one
    // behind; its manifest entry keeps the plaintext size.
    const i = manifest.push({ hash: "", blob: "", size: fill }) - 1;
    const prev = sealing, size = fill;
    const digest = sha?.digest();
    if (sha) sha = deps.hasher("sha256");
    if (seal.sealInSteps && size >= SEAL_IN_STEPS_MIN) {
      const sealedFrame = frame.subarray(0, before + size + after);
      sealing = (async () => {
        const sha256 = await digest;
        await prev;
        manifest[i] = { ...(await storeSealedInSteps(deps, session, sealedFrame, (write) => seal.sealInSteps!(sealedFrame, write, sha256))), size };
        giveBack(sealedFrame.buffer); // the blob store is done with its pieces
      })();
    } else sealing = (async () => {
      const sealed = await seal.seal(plain, await digest);
      // Its buffer is ours again: kept (sealed elsewhere), or back with the sealed bytes (in place).
      if (plain.buffer.byteLength) giveBack(plain.buffer);
      await prev;
      manifest[i] = { ...(await storeChunk(deps, session, sealed.data, sealed.hash)), size };
      if (sealed.data.buffer !== plain.buffer) giveBack(sealed.data.buffer);
    })();
    sealing.catch(() => {});
    fill = 0;
    if (prev) await prev; // then its frame is spare
    frame = spare.pop() ?? newFrame(frame.length);
    buf = frame.subarray(before, frame.length - after);
  };
  return {
    manifest,
    async write(value) {
      let off = 0;
      while (off < value.length) {
        if (fill === buf.length) {
          if (buf.length < chunkSize) { // no (or a wrong) declared size: grow to a full chunk
            const f = new Uint8Array(before + Math.min(chunkSize, Math.max(buf.length * 2, 64 * 1024)) + after);
            f.set(buf.subarray(0, fill), before);
            frame = f;
            buf = f.subarray(before, f.length - after);
            spare.length = 0;
          } else await flush();
        }
        const n = Math.min(buf.length - fill, value.length - off);
        const piece = n === value.length ? value : value.subarray(off, off + n);
        buf.set(piece, fill);
        if (sha) { const p = sha.update(piece); if (p) await p; }
        fill += n;
        off += n;
      }
    },
    async end(inline) {
      if (inline) return buf.slice(0, fill);
      if (fill > 0) await flush();
      sha?.dispose?.();
      await sealing;
      // Every chunk is stored: no blob put holds a frame any more (after a failure one might, and
      // none is given back). Only whole-chunk frames: the size every large upload asks for.
      if (seal?.frames) for (const f of [frame, ...spare]) if (f.length === before + chunkSize + after) seal.frames.give(f);
      return undefined;
    },
    async abort() {
      sha?.dispose?.();
      await sealing?.catch(() => {});
    },
  };
}

interface OpenChunk {
  id: string;
  size: number;
  fill: number;
  index: number;
  sha: Hasher;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  put: Promise<void>;
}

/** Writes each chunk straight into a blob of its (known) size while hashing it. */
function streamingSink(deps: Deps, session: string, expected: number): ChunkSink {
  const { chunkSize } = deps.config;
  const manifest: ChunkRef[] = [];
  let cur: OpenChunk | null = null;
  let opened = 0; // bytes assigned to chunks so far
  let finishing: Promise<void> | null = null; // the previous chunk's put and registration

  const open = async (): Promise<OpenChunk> => {
    const size = Math.min(chunkSize, expected - opened);
    opened += size;
    const id = crypto.randomUUID();
    // Recorded before the first byte: a crash midway leaves a blob GC finds and deletes.
    await deps.meta.intendBlob(session, id);
    const pipe = new TransformStream<Uint8Array, Uint8Array>(undefined, new ByteLengthQueuingStrategy({ highWaterMark: STREAM_HIGH_WATER }));
    const writer = pipe.writable.getWriter();
    const put = deps.blobs.put(id, pipe.readable, { size });
    // A put that fails early must not leave us waiting for backpressure that never eases.
    put.catch((e) => { writer.abort(e).catch(() => {}); });
    manifest.push({ hash: "", blob: "", size: size });
    return { id, size, fill: 0, index: manifest.length - 1, sha: deps.hasher("sha256"), writer, put };
  };

  /** Closes the chunk; its put completes and it is registered while the next one fills. */
  const close = async (c: OpenChunk) => {
    cur = null;
    const prev = finishing;
    const closed = c.writer.close();
    const done = (async () => {
      closed.catch(() => {}); // a failed stream fails the put: its error is the one to report
      await c.put; // a failed put stores nothing
      await closed;
      let blob: string, hash: string;
      try {
        hash = toHex(await c.sha.digest());
        await prev;
        blob = await deps.meta.registerChunk(session, hash, c.id, c.size);
      } catch (e) {
        await deps.blobs.delete([c.id]).catch(() => {}); // unregistered: nobody else would delete it
        throw e;
      }
      // Already stored (another writer or an earlier chunk): dedup. Best effort: the blob's
      // intent stays recorded, so GC deletes it if this does not; the upload has not failed.
      if (blob !== c.id) await deps.blobs.delete([c.id]).catch(() => {});
      manifest[c.index] = { hash: hash, blob: blob, size: c.size };
    })();
    done.catch(() => {});
    finishing = done;
    // At most one chunk finishing behind the one being written.
    if (prev) await prev;
  };

  const writePiece = async (c: OpenChunk, piece: Uint8Array) => {
    await c.sha.update(piece);
    if ((c.writer.desiredSize ?? 0) <= 0) {
      // When the blob store stops reading, report why its put failed, not the stream's state.
      try { await c.writer.ready; } catch (e) { throw await c.put.then(() => e, (putError: unknown) => putError); }
    }
    c.writer.write(piece).catch(() => {}); // a failed write fails the put, observed at close
    c.fill += piece.length;
    if (c.fill === c.size) await close(c);
  };

  return {
    manifest,
    async write(value) {
      let off = 0;
      while (off < value.length) {
        const c = cur ?? (cur = await open());
        const n = Math.min(c.size - c.fill, value.length - off);
        await writePiece(c, n === value.length ? value : value.subarray(off, off + n));
        off += n;
      }
    },
    async end() {
      await finishing;
      return undefined;
    },
    async abort(e) {
      const c = cur;
      cur = null;
      if (c) {
        await c.writer.abort(e).catch(() => {});
        await c.put.catch(() => {}); // the blob store drops a put whose stream failed
        c.sha.dispose?.();
      }
      await finishing?.catch(() => {});
    },
  };
}

/**
 * Stores a sealed chunk as it is sealed (ChunkSealer.sealInSteps, its steps streamed into a blob
 * of its known size, so each is written while in cache), then registers it under the address the
 * seal answers — as streamingSink does a plain chunk: under a random blob id recorded before the
 * first byte (a crash leaves a blob GC deletes), and when the content is already stored
 * (convergent seals of equal chunks are equal), the existing blob is kept and ours deleted.
 */
async function storeSealedInSteps(deps: Deps, session: string, frame: Uint8Array,
  sealInto: (write: (piece: Uint8Array) => void | Promise<void>) => Promise<string>): Promise<Omit<ChunkRef, "size">> {
  const id = crypto.randomUUID();
  await deps.meta.intendBlob(session, id);
  const pipe = new TransformStream<Uint8Array, Uint8Array>(undefined, new ByteLengthQueuingStrategy({ highWaterMark: STREAM_HIGH_WATER }));
  const writer = pipe.writable.getWriter();
  const put = deps.blobs.put(id, pipe.readable, { size: frame.length });
  put.catch((e) => { writer.abort(e).catch(() => {}); }); // a put that fails early ends the seal's wait for backpressure
  let hash: string;
  try {
    hash = await sealInto((piece) => {
      writer.write(piece).catch(() => {}); // a failed write fails the put, observed below
      if ((writer.desiredSize ?? 0) <= 0) return writer.ready;
    });
    await writer.close();
  } catch (e) {
    await writer.abort(e).catch(() => {});
    await put.catch(() => {}); // the blob store drops a put whose stream failed
    throw await put.then(() => e, (putError: unknown) => putError); // the put's own failure says more
  }
  await put; // a failed put stores nothing
  let blob: string;
  try {
    blob = await deps.meta.registerChunk(session, hash, id, frame.length);
  } catch (e) {
    await deps.blobs.delete([id]).catch(() => {}); // unregistered: nobody else would delete it
    throw e;
  }
  // Stored before (an equal chunk of this bucket): dedup. Best effort, as in streamingSink.
  if (blob !== id) await deps.blobs.delete([id]).catch(() => {});
  return { hash, blob };
}

/**
 * Stores one whole chunk under its content address, reusing an existing copy (dedup): its
 * SHA-256, or `address` when the caller has one (a sealed chunk's, which is not its SHA-256).
 */
export async function storeChunk(deps: Deps, session: string, data: Uint8Array, address?: string): Promise<ChunkRef> {
  let hash = address;
  if (hash === undefined) {
    const h = deps.hasher("sha256");
    await h.update(data);
    hash = toHex(await h.digest());
  }
  let blob = await deps.meta.acquireChunk(session, hash);
  if (blob === null) {
    const id = `${hash.slice(0, 16)}-${crypto.randomUUID()}`;
    await deps.meta.intendBlob(session, id);
    await deps.blobs.put(id, data, { size: data.length });
    blob = await deps.meta.registerChunk(session, hash, id, data.length);
    if (blob !== id) await deps.blobs.delete([id]).catch(() => {}); // stored first by another writer; GC retries via the intent
  }
  return { hash: hash, blob: blob, size: data.length };
}
