// MD5 (the S3 ETag) is inherently serial and the slowest per-byte step of a PUT; for large
// bodies it runs in worker threads so the event loop keeps reading and writing meanwhile.
//
// Data reaches a worker by *transfer*, never by structured clone (cloning 8 MiB cost more than
// hashing it here): update() copies into one of two staging buffers (memcpy, ~20 GB/s), a full
// one is transferred to the worker, and the worker transfers it back once hashed. So update()
// may reuse nothing of the caller's data, memory per hasher is 2 × STAGE, and update() only
// returns a promise (backpressure) when both buffers are with the worker.
import type { Hasher } from "../../deps.ts";

export const STAGE = 1024 * 1024;

interface Reply { id: number; buf?: Uint8Array; digest?: Uint8Array }
interface Client { back(buf: Uint8Array): void; digest(d: Uint8Array): void }

export function createMd5Pool(size: number, stage = STAGE): { hasher(): Hasher; close(): void } {
  const clients = new Map<number, Client>();
  // Started by the first large body: each worker is a JS VM of its own (~5 MiB of idle RSS), and
  // many processes (a restart before traffic, small-object loads, tests) never hash one.
  let workers: Worker[] | null = null;
  const start = () => Array.from({ length: Math.max(1, size) }, () => {
    const w = new Worker(new URL("./md5-worker.ts", import.meta.url).href);
    w.onmessage = (e: MessageEvent<Reply>) => {
      const c = clients.get(e.data.id);
      if (!c) return;
      if (e.data.buf) c.back(e.data.buf);
      if (e.data.digest) c.digest(e.data.digest);
    };
    (w as unknown as { unref(): void }).unref(); // never keeps the process alive
    return w;
  });
  let nextId = 1;
  let rr = 0;

  return {
    hasher(): Hasher {
      const id = nextId++;
      const all = (workers ??= start());
      const w = all[rr++ % all.length];
      const free: Uint8Array[] = [];
      let allocated = 0;
      let cur: Uint8Array | null = null;
      let fill = 0;
      let wake: (() => void) | null = null;
      let onDigest: ((d: Uint8Array) => void) | null = null;
      let tail: Promise<void> | null = null; // an update still waiting for a buffer
      clients.set(id, {
        back(buf) { free.push(buf); const f = wake; wake = null; f?.(); },
        digest(d) { clients.delete(id); onDigest?.(d); },
      });
      const send = () => {
        const buf = cur!;
        w.postMessage({ id, op: "u", data: buf, n: fill }, [buf.buffer as ArrayBuffer]);
        cur = null;
        fill = 0;
      };
      /** Copies from `off` on while a buffer is at hand; returns where it stopped. */
      const take = (d: Uint8Array, off: number): number => {
        while (off < d.length) {
          if (!cur) {
            if (free.length) cur = free.pop()!;
            else if (allocated < 2) { cur = new Uint8Array(stage); allocated++; }
            else return off;
          }
          const n = Math.min(stage - fill, d.length - off);
          cur.set(d.subarray(off, off + n), fill);
          fill += n;
          off += n;
          if (fill === stage) send();
        }
        return off;
      };
      const waitBuffer = () => new Promise<void>((r) => { wake = r; });
      const rest = async (d: Uint8Array, off: number) => {
        for (;;) {
          off = take(d, off);
          if (off === d.length) return;
          await waitBuffer();
        }
      };
      // Updates run in call order: one that had to wait holds back the ones after it.
      const queue = (p: Promise<void>) => {
        tail = p;
        p.then(() => { if (tail === p) tail = null; }, () => {});
        return p;
      };
      const update = (d: Uint8Array): void | Promise<void> => {
        if (tail) return queue(tail.then(() => rest(d, 0)));
        const off = take(d, 0);
        if (off < d.length) return queue(rest(d, off));
      };
      return {
        update,
        async digest() {
          if (tail) await tail;
          if (cur && fill > 0) send();
          const got = new Promise<Uint8Array>((r) => { onDigest = r; });
          w.postMessage({ id, op: "d" });
          return got;
        },
        dispose() {
          clients.delete(id);
          w.postMessage({ id, op: "x" });
        },
      };
    },
    close: () => { for (const w of workers ?? []) w.terminate(); workers = null; },
  };
}
