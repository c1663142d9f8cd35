// SSE chunk crypto (src/sse/chunks.ts, sse-chunk-ops.ts) in worker threads: sealing a chunk
// encrypts it, in place when its buffer has room for the blob's layout (ingest.ts), after hashing
// it for the convergent prefix unless the caller did (ingest.ts does, as it buffers); opening one
// checks its content address (a whole-chunk SHA-256 only for chunks sealed before the prefix ‖
// tag rule) and decrypts it in place. That runs beside the event loop rather than on it. Chunks
// go to a worker and back by transfer, never by structured clone (md5-pool.ts); small ones stay
// on this thread, where a round trip would cost more than the work. A chunk sealed on its way
// into a blob (sealInSteps, ingest.ts) is sealed here, on the calling thread, in steps. A GET's
// chunk (openStream, read.ts) is read into a buffer kept across GETs, opened in a worker, and
// its plaintext lent on to the socket, which gives the buffer back (read-buffers.ts).
import { createFramePool, type ChunkCrypto, type Opened, type OpenedStream } from "../../sse/chunks.ts";
import { sealInSteps } from "./sse-chunk-ops.ts";
import { createLentFrames, giveBack, type LentFrames } from "./read-buffers.ts";

/** Chunks below this are sealed and opened inline. */
export const POOL_MIN = 64 * 1024;
/** Chunk buffers kept between sealed writes (chunks.ts FramePool): two per 8 MiB-chunk upload, four at once. */
const FRAMES_KEPT = 64 * 1024 * 1024;
/** Opened chunks' buffers kept for the next GETs once the socket took them (read-buffers.ts createLentFrames): two per 8 MiB-chunk GET, four at once. */
const OPENED_KEPT = 64 * 1024 * 1024;

interface Pending { resolve(v: { data?: Uint8Array; problem?: "corrupt" | "not decryptable" }): void; reject(e: Error): void }
interface Reply { id: number; data?: Uint8Array; problem?: "corrupt" | "not decryptable"; error?: string }
interface Slot { w: Worker & { ref(): void; unref(): void }; pending: Map<number, Pending>; dead: boolean }

/**
 * The `size` bytes `read` streams, in a buffer lent by `frames` (the store may read them straight
 * into it: BlobStore.get's `into`); other pieces are copied there and given back to the store
 * (read-buffers.ts). On a problem the buffer is given back; what `read` throws is thrown.
 */
async function readInto(size: number, frames: LentFrames, read: (into: Uint8Array) => Promise<ReadableStream<Uint8Array>>):
  Promise<Uint8Array | { problem: "truncated" | "too long" | "unreadable" }> {
  const frame = frames.take(size);
  let body: ReadableStream<Uint8Array>;
  try { body = await read(frame); } catch (e) { giveBack(frame); throw e; }
  const reader = body.getReader();
  const fail = (problem: "truncated" | "too long" | "unreadable") => {
    reader.cancel().catch(() => {});
    giveBack(frame);
    return { problem };
  };
  let at = 0;
  for (;;) {
    let r: Awaited<ReturnType<typeof reader.read>>;
    try { r = await reader.read(); } catch { return fail("unreadable"); }
    if (r.done) break;
    const v = r.value;
    if (at + v.length > size) { if (v.buffer !== frame.buffer) giveBack(v); return fail("too long"); }
    if (v.buffer !== frame.buffer) {
      frame.set(v, at);
      giveBack(v); // copied: the store may reuse it
    } else if (v.byteOffset !== at) frame.copyWithin(at, v.byteOffset - frame.byteOffset, v.byteOffset - frame.byteOffset + v.length);
    at += v.length;
  }
  return at === size ? frame : fail("truncated");
}

/** Hands over `d`'s bytes: its own buffer when it is (nearly) all of it, else a copy. */
function transferable(d: Uint8Array): Uint8Array {
  return d.buffer instanceof ArrayBuffer && d.buffer.byteLength <= 2 * d.length + 4096 ? d : d.slice();
}

export function createSsePool(size: number, inline: ChunkCrypto, min = POOL_MIN): ChunkCrypto & { close(): void } {
  // Started at the first large chunk: most processes (and tests) never encrypt one.
  let slots: Slot[] | null = null;
  const start = (): Slot[] => Array.from({ length: Math.max(1, size) }, () => {
    const w = new Worker(new URL("./sse-worker.ts", import.meta.url).href) as Slot["w"];
    const s: Slot = { w, pending: new Map(), dead: false };
    s.w.onmessage = (e: MessageEvent<Reply>) => {
      const p = s.pending.get(e.data.id);
      if (!p) return;
      s.pending.delete(e.data.id);
      if (!s.pending.size) s.w.unref();
      if (e.data.error !== undefined) p.reject(new Error(`sse worker: ${e.data.error}`));
      else p.resolve(e.data);
    };
    s.w.onerror = (e: ErrorEvent) => { // a dead worker fails what it held; later jobs go elsewhere
      s.dead = true;
      for (const p of s.pending.values()) p.reject(new Error(`sse worker failed: ${e.message}`));
      s.pending.clear();
    };
    s.w.unref(); // keeps the process alive only while it holds work (run)
    return s;
  });
  let nextId = 1;
  /** The least busy live worker, or null (then the work is done inline). */
  const pick = (): Slot | null => {
    let best: Slot | null = null;
    for (const s of (slots ??= start())) if (!s.dead && (!best || s.pending.size < best.pending.size)) best = s;
    return best;
  };
  const run = (s: Slot, job: Record<string, unknown>, data: Uint8Array) => new Promise<{ data?: Uint8Array; problem?: "corrupt" | "not decryptable" }>((resolve, reject) => {
    const id = nextId++;
    if (!s.pending.size) s.w.ref();
    s.pending.set(id, { resolve, reject });
    const d = transferable(data);
    s.w.postMessage({ ...job, id, data: d }, [d.buffer as ArrayBuffer]);
  });
  const open = async (root: Uint8Array, sealed: Uint8Array, address: string): Promise<Opened> => {
    const s = sealed.length >= min ? pick() : null;
    if (!s) return inline.open(root, sealed, address);
    const r = await run(s, { op: "open", root, address }, sealed);
    return r.problem ? { problem: r.problem } : { plain: r.data! };
  };
  const opened = createLentFrames(OPENED_KEPT);
  return {
    async seal(root, plain, convergent, sha256) {
      const s = plain.length >= min ? pick() : null;
      if (!s) return inline.seal(root, plain, convergent, sha256);
      return (await run(s, { op: "seal", root, convergent, sha256 }, plain)).data!;
    },
    open,
    // On this thread: its steps go to the blob store as they are sealed (sse-chunk-ops.ts), which a worker's answer could not.
    sealInSteps,
    // Read into a kept buffer, opened in place in a worker, back by transfer and lent on to the
    // socket, which gives it back for the next chunk (read-buffers.ts).
    async openStream(root, size, address, read): Promise<OpenedStream> {
      const sealed = await readInto(size, opened, read);
      if ("problem" in sealed) return sealed;
      const r = await open(root, sealed, address);
      if (sealed.byteLength) giveBack(sealed); // opened on this thread, into another buffer: this one is free again
      else if ("plain" in r) opened.lend(r.plain);
      return r;
    },
    frames: createFramePool(FRAMES_KEPT),
    close() { // what is still in a worker fails; later work runs inline
      for (const s of slots ?? []) {
        s.w.terminate();
        for (const p of s.pending.values()) p.reject(new Error("sse worker pool closed"));
      }
      slots = [];
    },
  };
}
