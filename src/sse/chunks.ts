// Sealing and opening whole chunks (crypto.ts's layout) with their hashes: the per-byte work of
// an encrypted PUT or GET. A runtime may run it off the request's thread (Deps.sseChunks; Bun:
// a worker pool, src/runtime/bun/sse-pool.ts); absent, it runs here, on the runtime's hasher and
// Deps.aesGcm (WebCrypto on Workers). Both write the same bytes.
import type { Deps } from "../deps.ts";
import { toHex } from "../util/hash.ts";
import { openChunk, sealChunk, sealedAddress } from "./crypto.ts";

/** What opening a stored chunk found. */
export type Opened = { plain: Uint8Array } | { problem: "corrupt" | "not decryptable" };

/** What opening a chunk read from its blob's stream found (ChunkCrypto.openStream). */
export type OpenedStream = Opened | { problem: "truncated" | "too long" | "unreadable" };

export interface ChunkCrypto {
  /**
   * prefix ‖ AES-256-GCM(plain) ‖ tag under `root`: convergent (the prefix a keyed hash of the
   * plaintext) or with a random prefix. Takes `plain` until it settles: its buffer may be handed
   * to another thread, and when it has PREFIX bytes of room before `plain` and TAG bytes after,
   * the chunk may be sealed in place there (the answer then views that buffer). `sha256`:
   * the plaintext's, when the caller has it (convergent only), else it is computed.
   */
  seal(root: Uint8Array, plain: Uint8Array, convergent: boolean, sha256?: Uint8Array): Promise<Uint8Array>;
  /**
   * The plaintext of a sealed chunk whose content address is `address`: its prefix ‖ tag
   * (crypto.ts sealedAddress), or for a chunk sealed before that rule, the SHA-256 of its sealed
   * bytes (hex). "corrupt" when it is neither, "not decryptable" when the GCM tag does not
   * verify (a changed ciphertext under a matching prefix and tag ends here). Takes `sealed` as
   * seal takes `plain`.
   */
  open(root: Uint8Array, sealed: Uint8Array, address: string): Promise<Opened>;
  /**
   * The same bytes as seal, sealed in place on this thread a step at a time: `frame` is PREFIX
   * bytes of room, the plaintext and TAG bytes of room; each step's sealed bytes are handed to
   * `write` as soon as they are sealed, in order (prefix first, tag last; it may pause the seal
   * by returning a promise). Answers the content address (crypto.ts sealedAddress). So the
   * ciphertext is stored while in cache (ingest.ts). Only a runtime with an incremental AES-GCM
   * has it (Bun: node:crypto); WebCrypto seals whole buffers only.
   */
  sealInSteps?(root: Uint8Array, frame: Uint8Array, convergent: boolean, sha256: Uint8Array | undefined,
    write: (piece: Uint8Array) => void | Promise<void>): Promise<string>;
  /**
   * open, for a sealed chunk of `size` bytes that `read` streams: `read` asks the blob store for
   * it with `into`, a buffer of `size` the runtime keeps (BlobStore.get's hint), and throws when
   * the blob is missing or of another size; its pieces are copied there unless they are views of
   * it already. Bun keeps the opened chunks' buffers, and the HTTP/1.1 server gives each back
   * once the socket took it (src/runtime/bun/read-buffers.ts), where a fresh 8 MiB per chunk
   * costs its page faults. The same checks as open, in the same order: the chunk is whole, then
   * its address, then the GCM tag; no plaintext before all three.
   */
  openStream?(root: Uint8Array, size: number, address: string, read: (into: Uint8Array) => Promise<ReadableStream<Uint8Array>>): Promise<OpenedStream>;
  /** Chunk buffers lent to the writes that seal with this (ingest.ts), where the runtime keeps some. */
  frames?: FramePool;
}

/**
 * Chunk buffers given back by one sealed write and lent to the next: a fresh 8 MiB buffer costs
 * a page fault per 4 KiB at its first touch (bench/sse.ts: ~0.5 ms/MiB of server CPU with two
 * fresh buffers per 64 MiB PUT). Only a buffer nobody holds any more may be given back.
 */
export interface FramePool {
  /** A buffer of exactly `bytes`, if one is kept (its contents are the last user's). */
  take(bytes: number): Uint8Array | undefined;
  give(frame: Uint8Array): void;
}

/** Keeps up to `maxBytes` of whole, undetached buffers. */
export function createFramePool(maxBytes: number): FramePool {
  const kept: Uint8Array[] = [];
  let bytes = 0;
  return {
    take(n) {
      const i = kept.findIndex((f) => f.length === n);
      if (i < 0) return undefined;
      bytes -= n;
      return kept.splice(i, 1)[0];
    },
    give(f) {
      if (f.byteOffset !== 0 || f.buffer.byteLength !== f.length || f.length === 0 || bytes + f.length > maxBytes || kept.some((k) => k.buffer === f.buffer)) return;
      kept.push(f);
      bytes += f.length;
    },
  };
}

/** On the calling thread, with the runtime's hasher and AES-GCM. */
export function inlineChunkCrypto(deps: Pick<Deps, "hasher" | "aesGcm">): ChunkCrypto {
  const sha256 = async (d: Uint8Array) => {
    const h = deps.hasher("sha256");
    await h.update(d);
    return h.digest();
  };
  return {
    async seal(root, plain, convergent, digest) {
      return sealChunk(root, plain, convergent ? digest ?? await sha256(plain) : undefined, deps.aesGcm);
    },
    async open(root, sealed, address) {
      // The cheap check first; only an old-scheme chunk (or a damaged one) is hashed whole.
      if (sealedAddress(sealed) !== address && toHex(await sha256(sealed)) !== address) return { problem: "corrupt" };
      const plain = await openChunk(root, sealed, deps.aesGcm);
      return plain ? { plain } : { problem: "not decryptable" };
    },
  };
}

/** The runtime's off-thread chunk crypto, else the inline one. */
export const chunkCrypto = (deps: Pick<Deps, "hasher" | "aesGcm" | "sseChunks">): ChunkCrypto => deps.sseChunks ?? inlineChunkCrypto(deps);
