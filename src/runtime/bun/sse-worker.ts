// Worker thread that seals and opens SSE chunks (sse-chunk-ops.ts) so their hashing and AES-GCM
// run beside the event loop. Chunks arrive and leave by transfer (sse-pool.ts).
import { open, seal } from "./sse-chunk-ops.ts";

const port = globalThis as unknown as { onmessage: unknown; postMessage(m: unknown, transfer?: ArrayBuffer[]): void };

type Job =
  | { id: number; op: "seal"; root: Uint8Array; data: Uint8Array; convergent: boolean; sha256?: Uint8Array }
  | { id: number; op: "open"; root: Uint8Array; data: Uint8Array; address: string };

port.onmessage = (e: MessageEvent<Job>) => {
  const j = e.data;
  try {
    if (j.op === "seal") {
      const out = seal(j.root, j.data, j.convergent, j.sha256);
      port.postMessage({ id: j.id, data: out }, [out.buffer as ArrayBuffer]);
    } else {
      const r = open(j.root, j.data, j.address);
      if ("plain" in r) port.postMessage({ id: j.id, data: r.plain }, [r.plain.buffer as ArrayBuffer]);
      else port.postMessage({ id: j.id, problem: r.problem });
    }
  } catch (err) {
    port.postMessage({ id: j.id, error: err instanceof Error ? err.message : String(err) });
  }
};
