// The sio-go stream (secure-io/sio-go v0.3, "DARE v2"-style) that madmin wraps around admin
// bodies (specs/minio-admin.md §4.3): 16 KiB plaintext fragments, each sealed with the nonce
// prefix ‖ LE32(seq) and associated data flag ‖ tag0, where tag0 seals nothing under seq 0 and
// the flag 0x80 marks the last fragment. Output = ciphertext ‖ tag of each fragment.
import { concatBytes } from "./bytes.ts";
import { chacha20poly1305Open, chacha20poly1305Seal } from "./chacha20-poly1305.ts";

export const FRAGMENT = 16384;
const TAG = 16;

/** An AEAD with sio's layout: seal returns ciphertext ‖ tag; open returns null when not authentic. */
export interface Aead {
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null>;
}

export async function aesGcm(key: Uint8Array): Promise<Aead> {
  const k = await crypto.subtle.importKey("raw", key as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
  return {
    async seal(iv, data, additionalData) {
      return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv as BufferSource, additionalData: additionalData as BufferSource, tagLength: 128 }, k, data as BufferSource));
    },
    async open(iv, data, additionalData) {
      try {
        return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: iv as BufferSource, additionalData: additionalData as BufferSource, tagLength: 128 }, k, data as BufferSource));
      } catch {
        return null; // OperationError: not authentic
      }
    },
  };
}

export function chacha20Poly1305(key: Uint8Array): Aead {
  return {
    async seal(nonce, data, aad) { return chacha20poly1305Seal(key, nonce, data, aad); },
    async open(nonce, data, aad) { return chacha20poly1305Open(key, nonce, data, aad); },
  };
}

function nonceOf(prefix: Uint8Array, seq: number): Uint8Array {
  const n = new Uint8Array(12);
  n.set(prefix);
  new DataView(n.buffer).setUint32(8, seq, true);
  return n;
}

const fragmentAad = (final: boolean, tag0: Uint8Array) => concatBytes(new Uint8Array([final ? 0x80 : 0]), tag0);

/** Seals plaintext as one sio stream (an empty plaintext is one empty final fragment). */
export async function sioSeal(aead: Aead, prefix: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const tag0 = await aead.seal(nonceOf(prefix, 0), new Uint8Array(0), new Uint8Array(0));
  const out: Uint8Array[] = [];
  let seq = 1;
  let off = 0;
  while (plaintext.length - off > FRAGMENT) {
    out.push(await aead.seal(nonceOf(prefix, seq++), plaintext.subarray(off, off + FRAGMENT), fragmentAad(false, tag0)));
    off += FRAGMENT;
  }
  out.push(await aead.seal(nonceOf(prefix, seq), plaintext.subarray(off), fragmentAad(true, tag0)));
  return concatBytes(...out);
}

/** Opens a sio stream; null when any fragment is not authentic or the stream is truncated. */
export async function sioOpen(aead: Aead, prefix: Uint8Array, stream: Uint8Array): Promise<Uint8Array | null> {
  const tag0 = await aead.seal(nonceOf(prefix, 0), new Uint8Array(0), new Uint8Array(0));
  const out: Uint8Array[] = [];
  let seq = 1;
  let off = 0;
  // Every fragment but the last is full size; the last holds 0…16384 bytes (16…16400 sealed).
  while (stream.length - off > FRAGMENT + TAG) {
    const p = await aead.open(nonceOf(prefix, seq++), stream.subarray(off, off + FRAGMENT + TAG), fragmentAad(false, tag0));
    if (!p) return null;
    out.push(p);
    off += FRAGMENT + TAG;
  }
  if (stream.length - off < TAG) return null;
  const last = await aead.open(nonceOf(prefix, seq), stream.subarray(off), fragmentAad(true, tag0));
  if (!last) return null;
  out.push(last);
  return concatBytes(...out);
}
