// MD5 (the S3 ETag) is inherently serial and the slowest per-byte step of a PUT; for large
// bodies it runs in worker threads so the event loop keeps reading and writing meanwhile.
import type { Hasher } from "../../deps.ts";

interface Reply { id: number; seq: number; digest?: Uint8Array }

export function createMd5Pool(size: number): { hasher(): Hasher; close(): void } {
  const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(new URL("./md5-worker.ts", import.meta.url).href));
  const waiting = new Map<string, (r: Reply) => void>();
  for (const w of workers) {
    w.onmessage = (e: MessageEvent<Reply>) => {
      const k = `${e.data.id}:${e.data.seq}`;
      waiting.get(k)?.(e.data);
      waiting.delete(k);
    };
    (w as unknown as { unref(): void }).unref(); // never keeps the process alive
  }
  let nextId = 1;
  let rr = 0;

  return {
    hasher(): Hasher {
      const id = nextId++;
      const w = workers[rr++ % workers.length];
      let seq = 0;
      const call = (op: "u" | "d", data?: Uint8Array) =>
        new Promise<Reply>((resolve) => {
          const s = seq++;
          waiting.set(`${id}:${s}`, resolve);
          w.postMessage({ id, seq: s, op, data });
        });
      return {
        // Resolves once hashed: callers await it before reusing or refilling their buffer.
        update: (d) => call("u", d).then(() => {}),
        digest: async () => (await call("d")).digest!,
        dispose: () => w.postMessage({ id, seq: -1, op: "x" }),
      };
    },
    close: () => { for (const w of workers) w.terminate(); },
  };
}
