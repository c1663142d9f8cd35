// Sealing and opening whole chunks (crypto.ts's layout) with their hashes: the per-byte work of
// an encrypted PUT or GET. A runtime may run it off the request's thread (Deps.sseChunks; Bun:
// a worker pool, src/runtime/bun/sse-pool.ts); absent, it runs here, on the runtime's hasher and
// Deps.aesGcm (WebCrypto on Workers). Both write the same bytes.
import type { Deps } from "../deps.ts";
import { toHex } from "../util/hash.ts";
import { openChunk, sealChunk } from "./crypto.ts";

/** What opening a stored chunk found. */
export type Opened = { plain: Uint8Array } | { problem: "corrupt" | "not decryptable" };

export interface ChunkCrypto {
  /**
   * prefix ‖ AES-256-GCM(plain) ‖ tag under `root`: convergent (the prefix a keyed hash of the
   * plaintext) or with a random prefix. Takes `plain`: the caller must not use it afterwards
   * (its buffer may be handed to another thread).
   */
  seal(root: Uint8Array, plain: Uint8Array, convergent: boolean): Promise<Uint8Array>;
  /**
   * The plaintext of a sealed chunk whose content address (SHA-256 of the sealed bytes, hex) is
   * `sha256Hex`: "corrupt" when the address does not match, "not decryptable" when the GCM tag
   * does not verify. Takes `sealed` as seal takes `plain`.
   */
  open(root: Uint8Array, sealed: Uint8Array, sha256Hex: string): Promise<Opened>;
}

/** On the calling thread, with the runtime's hasher and AES-GCM. */
export function inlineChunkCrypto(deps: Pick<Deps, "hasher" | "aesGcm">): ChunkCrypto {
  const sha256 = async (d: Uint8Array) => {
    const h = deps.hasher("sha256");
    await h.update(d);
    return h.digest();
  };
  return {
    async seal(root, plain, convergent) {
      return sealChunk(root, plain, convergent ? await sha256(plain) : undefined, deps.aesGcm);
    },
    async open(root, sealed, sha256Hex) {
      if (toHex(await sha256(sealed)) !== sha256Hex) return { problem: "corrupt" };
      const plain = await openChunk(root, sealed, deps.aesGcm);
      return plain ? { plain } : { problem: "not decryptable" };
    },
  };
}

/** The runtime's off-thread chunk crypto, else the inline one. */
export const chunkCrypto = (deps: Pick<Deps, "hasher" | "aesGcm" | "sseChunks">): ChunkCrypto => deps.sseChunks ?? inlineChunkCrypto(deps);
