// Reads an encrypted object: only the chunks a range touches, one in memory at a time. Each
// sealed blob is read whole, checked against its content address (its prefix ‖ tag, or the
// SHA-256 of chunks sealed before that rule: a blob swapped for another of the same bucket would
// otherwise open), opened (the GCM tag verifies the ciphertext), and the range's part of it
// passed on; no byte of a chunk before its tag verified it. Where the runtime reads the blob into
// a buffer it reuses (ChunkCrypto.openStream, Bun), it does. A damaged chunk errors the stream,
// which the HTTP layer turns into a reset (object-body.ts), and is logged once.
import { S3Error } from "../xml/errors.ts";
import type { Deps } from "../deps.ts";
import type { ChunkRef, ObjectRecord } from "../store/types.ts";
import { manifestSlices, type ByteRange } from "../s3/object-body.ts";
import { SEAL_OVERHEAD } from "./crypto.ts";
import { chunkCrypto, type OpenedStream } from "./chunks.ts";

type ReadDeps = Pick<Deps, "blobs" | "hasher" | "log" | "aesGcm" | "sseChunks">;
type Sealed = Pick<ObjectRecord, "manifest" | "size"> & Partial<Pick<ObjectRecord, "bucket" | "key">>;

function damaged(deps: ReadDeps, obj: Sealed, c: ChunkRef, problem: string): S3Error {
  deps.log.error(`encrypted object data ${problem}`, { bucket: obj.bucket, key: obj.key, chunk: c.hash, blob: c.blob, chunkSize: c.size });
  return new S3Error("InternalError", { message: `Object data is ${problem}` });
}

/** The plaintext of one sealed chunk. */
export async function openStoredChunk(deps: ReadDeps, obj: Sealed, root: Uint8Array, c: ChunkRef): Promise<Uint8Array> {
  const size = c.size + SEAL_OVERHEAD;
  const cc = chunkCrypto(deps);
  /** The blob's body, once it is there with the sealed size; `into` asks for it by range, into the runtime's buffer. */
  const body = async (into?: Uint8Array) => {
    const got = await deps.blobs.get(c.blob, into ? { range: { offset: 0, length: size }, into } : undefined);
    if (!got) throw damaged(deps, obj, c, "missing");
    if (got.size !== size) { got.body.cancel().catch(() => {}); throw damaged(deps, obj, c, got.size < size ? "truncated" : "too long"); }
    return got.body;
  };
  let opened: OpenedStream;
  if (cc.openStream) {
    // A store may read the blob straight into the runtime's kept buffer (Bun's fs-blob-store.ts).
    opened = await cc.openStream(root, size, c.hash, body);
  } else {
    // Read whole by the runtime (half the CPU of copying its pieces together here); the size was checked above and the length is checked again.
    const sealed = await new Response(await body()).arrayBuffer().then((b) => new Uint8Array(b), () => { throw damaged(deps, obj, c, "unreadable"); });
    if (sealed.length !== size) throw damaged(deps, obj, c, sealed.length < size ? "truncated" : "too long");
    // The address check and the GCM tag, off-thread where the runtime can (chunks.ts).
    opened = await cc.open(root, sealed, c.hash);
  }
  if ("problem" in opened) throw damaged(deps, obj, c, opened.problem);
  if (opened.plain.length !== c.size) throw damaged(deps, obj, c, "not decryptable");
  return opened.plain;
}

/** The object's plaintext (or a range of it); `first`: the first slice's chunk, already opened. */
export function sealedStream(deps: ReadDeps, obj: Sealed, root: Uint8Array, range?: ByteRange, first?: Uint8Array): ReadableStream<Uint8Array> {
  const slices = manifestSlices(obj.manifest ?? [], range?.start ?? 0, range ? range.end : obj.size - 1);
  let i = 0;
  // The next chunk is read and opened while the client takes this one (at most one ahead).
  let next: Promise<Uint8Array> | null = first ? Promise.resolve(first) : null;
  const open = (k: number) => {
    const p = openStoredChunk(deps, obj, root, slices[k].chunk);
    p.catch(() => {}); // observed when its turn comes
    return p;
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      if (i >= slices.length) { ctrl.close(); return; }
      const s = slices[i];
      try {
        const plain = await (next ?? open(i));
        i++;
        next = i < slices.length ? open(i) : null;
        ctrl.enqueue(plain.subarray(s.offset, s.offset + s.length));
      } catch (e) {
        ctrl.error(e);
      }
    },
  }, { highWaterMark: 0 });
}

/**
 * Like sealedStream, but the first chunk is opened before the response starts, so a missing or
 * damaged first chunk is a 500 rather than a 200 that breaks off (as object-body.ts objectBody).
 */
export async function sealedBody(deps: ReadDeps, obj: Sealed, root: Uint8Array, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
  const slices = manifestSlices(obj.manifest ?? [], range?.start ?? 0, range ? range.end : obj.size - 1);
  const first = slices.length ? await openStoredChunk(deps, obj, root, slices[0].chunk) : undefined;
  return sealedStream(deps, obj, root, range, first);
}
