import type { BlobStore } from "../types.ts";

/** In-memory BlobStore: the test double for unit tests. */
export function createMemoryBlobStore(): BlobStore & { size(): number } {
  const m = new Map<string, Uint8Array>();
  return {
    async put(key, body, { size }) {
      const data = body instanceof Uint8Array ? body.slice() : new Uint8Array(await new Response(body).arrayBuffer());
      if (data.length !== size) throw new Error(`size mismatch: ${data.length} != ${size}`);
      m.set(key, data);
    },
    async get(key, opts) {
      const d = m.get(key);
      if (!d) return null;
      const r = opts?.range;
      const part = r ? d.subarray(r.offset, r.offset + r.length) : d;
      return { size: d.length, body: new ReadableStream({ start(c) { c.enqueue(part); c.close(); } }) };
    },
    async head(key) {
      const d = m.get(key);
      return d ? { size: d.length } : null;
    },
    async delete(keys) { for (const k of keys) m.delete(k); },
    async list(opts) {
      const keys = [...m.keys()].filter((k) => k.startsWith(opts?.prefix ?? "") && (!opts?.cursor || k > opts.cursor)).sort();
      const limit = opts?.limit ?? 1000;
      return { keys: keys.slice(0, limit), cursor: keys.length > limit ? keys[limit - 1] : undefined };
    },
    size: () => m.size,
  };
}
