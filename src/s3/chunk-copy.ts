// Copies where the destination cannot share the source's chunks: a store sharded by bucket
// (Workers: one Durable Object per bucket) keeps a chunk registry per bucket, so a
// cross-bucket copy re-stores the data in the destination, one chunk in memory at a time.
import type { Deps } from "../deps.ts";
import type { ChunkRef } from "../store/types.ts";
import { S3Error } from "../xml/errors.ts";
import { storeChunk } from "./ingest.ts";

/** Reads exactly `size` bytes of a stream into one buffer (callers bound size by the chunk size). */
export async function readExactly(stream: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let off = 0;
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) {
    if (off + c.length > size) throw new Error(`stream longer than ${size} bytes`);
    out.set(c, off);
    off += c.length;
  }
  if (off !== size) throw new Error(`stream ended at ${off} of ${size} bytes`);
  return out;
}

/** Stores each chunk of `manifest` again through `session`; a vanished source is NoSuchKey. */
export async function restoreChunks(deps: Deps, session: string, manifest: ChunkRef[]): Promise<ChunkRef[]> {
  const out: ChunkRef[] = [];
  for (const c of manifest) {
    const blob = await deps.blobs.get(c.blob);
    if (!blob) throw new S3Error("NoSuchKey");
    out.push(await storeChunk(deps, session, await readExactly(blob.body, c.size)));
  }
  return out;
}
