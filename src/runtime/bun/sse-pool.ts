// SSE chunk crypto (src/sse/chunks.ts, sse-chunk-ops.ts) in worker threads: sealing a chunk
// encrypts it, in place when its buffer has room for the blob's layout (ingest.ts), after hashing
// it for the convergent prefix unless the caller did (ingest.ts does, as it buffers); opening one
// checks its content address (a whole-chunk SHA-256 only for chunks sealed before the prefix ‖
// tag rule) and decrypts it in place. That runs beside the event loop rather than on it. Chunks
// go to a worker and back by transfer, never by structured clone (md5-pool.ts); small ones stay
// on this thread, where a round trip would cost more than the work. A chunk sealed on its way
// into a blob (sealInSteps, ingest.ts) is sealed here, on the calling thread, in steps.
import { createFramePool, type ChunkCrypto, type Opened } from "../../sse/chunks.ts";
import { sealInSteps } from "./sse-chunk-ops.ts";

/** Chunks below this are sealed and opened inline. */
export const POOL_MIN = 64 * 1024;
/** Chunk buffers kept between sealed writes (chunks.ts FramePool): two per 8 MiB-chunk upload, four at once. */
const FRAMES_KEPT = 64 * 1024 * 1024;

interface Pending { resolve(v: { data?: Uint8Array; problem?: "corrupt" | "not decryptable" }): void; reject(e: Error): void }
interface Reply { id: number; data?: Uint8Array; problem?: "corrupt" | "not decryptable"; error?: string }
interface Slot { w: Worker & { ref(): void; unref(): void }; pending: Map<number, Pending>; dead: boolean }

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
  return {
    async seal(root, plain, convergent, sha256) {
      const s = plain.length >= min ? pick() : null;
      if (!s) return inline.seal(root, plain, convergent, sha256);
      return (await run(s, { op: "seal", root, convergent, sha256 }, plain)).data!;
    },
    async open(root, sealed, address): Promise<Opened> {
      const s = sealed.length >= min ? pick() : null;
      if (!s) return inline.open(root, sealed, address);
      const r = await run(s, { op: "open", root, address }, sealed);
      return r.problem ? { problem: r.problem } : { plain: r.data! };
    },
    // On this thread: its steps go to the blob store as they are sealed (sse-chunk-ops.ts), which a worker's answer could not.
    sealInSteps,
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
