// BlobStore on an R2 bucket binding. R2 put() needs a known length: the core passes whole
// chunks as Uint8Array, and a stream is given its declared size through FixedLengthStream.
import type { BlobStore } from "../../store/types.ts";

/** R2 deletes at most 1,000 keys per call. */
const DELETE_BATCH = 1000;

export function createR2BlobStore(bucket: R2Bucket): BlobStore {
  return {
    async put(key, body, { size }) {
      if (body instanceof Uint8Array) {
        if (body.length !== size) throw new Error(`blob size mismatch: ${body.length} of ${size}`);
        await bucket.put(key, body);
        return;
      }
      // A short or long stream errors the FixedLengthStream, so the put fails and stores nothing.
      const fixed = new FixedLengthStream(size);
      const piped = body.pipeTo(fixed.writable);
      await Promise.all([bucket.put(key, fixed.readable), piped]);
    },
    async get(key, opts) {
      const r = opts?.range;
      const obj = await bucket.get(key, r ? { range: { offset: r.offset, length: r.length } } : undefined);
      if (!obj) return null;
      return { body: obj.body as ReadableStream<Uint8Array>, size: obj.size };
    },
    async head(key) {
      const obj = await bucket.head(key);
      return obj ? { size: obj.size } : null;
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) await bucket.delete(keys.slice(i, i + DELETE_BATCH));
    },
    async list(opts) {
      const r = await bucket.list({ prefix: opts?.prefix, cursor: opts?.cursor, limit: Math.min(opts?.limit ?? 1000, 1000) });
      return { keys: r.objects.map((o) => o.key), cursor: r.truncated ? r.cursor : undefined };
    },
  };
}
