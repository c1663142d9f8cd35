// The primitives of server-side encryption, WebCrypto only (Bun and workerd alike): key wrapping
// under the master key, per-chunk AES-256-GCM sealing, and the keyed hashes derived from a root key.
//
// A sealed chunk is `prefix (16) ‖ AES-256-GCM(ciphertext ‖ tag)`. Its AES key is
// HMAC(root, "chunk" ‖ prefix) and its nonce the prefix's first 12 bytes, so every key seals
// exactly one plaintext and no (key, nonce) pair is ever reused:
// - convergent (SSE-S3/KMS, root = the bucket key): prefix = HMAC(root, "siv" ‖ SHA-256(plaintext))
//   truncated (a synthetic IV, as AES-SIV; the SHA-256 comes from the runtime's fast hasher):
//   equal chunks of one bucket seal to equal blobs, which the content-addressed store keeps
//   once; different plaintexts get different keys.
// - random (SSE-C, root derived from the customer key and a per-object salt): nothing dedups.
//
// A sealed chunk's content address is its prefix ‖ tag in hex (sealedAddress), not a hash of all
// its bytes: the prefix names the key and nonce, and the tag, under that key, authenticates the
// ciphertext, so a blob that opens under the address is the one written (another blob has
// another prefix or tag; a changed ciphertext fails the tag). Chunks sealed before this were
// addressed by the SHA-256 of the sealed bytes; they still open (chunks.ts checks that second).
import { toHex } from "../util/hash.ts";

export const PREFIX = 16;
export const TAG = 16;
/** Bytes a sealed chunk has beyond its plaintext. */
export const SEAL_OVERHEAD = PREFIX + TAG;

const te = new TextEncoder();
const bs = (b: Uint8Array) => b as BufferSource;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

/** HMAC-SHA-256(key, label ‖ 0 ‖ data): one derivation per label, never confused with another. */
export async function derive(key: Uint8Array, label: string, data: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", bs(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, bs(concat(te.encode(label), new Uint8Array(1), data))));
}

const aesKey = (raw: Uint8Array, use: "encrypt" | "decrypt") => crypto.subtle.importKey("raw", bs(raw), { name: "AES-GCM" }, false, [use]);

/**
 * AES-256-GCM over whole buffers, output ciphertext ‖ 16-byte tag (WebCrypto's layout). A
 * runtime may supply a faster one (Deps.aesGcm; Bun: node:crypto, several times WebCrypto's
 * speed there); both write the same bytes, so data moves between runtimes.
 */
export interface AesGcm {
  encrypt(key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Promise<Uint8Array>;
  /** null when the tag does not verify. */
  decrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | null>;
}

export const webAesGcm: AesGcm = {
  async encrypt(key, iv, plain) {
    return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: bs(iv) }, await aesKey(key, "encrypt"), bs(plain)));
  },
  async decrypt(key, iv, sealed) {
    try {
      return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: bs(iv) }, await aesKey(key, "decrypt"), bs(sealed)));
    } catch {
      return null;
    }
  },
};

/**
 * The content address of a sealed chunk: hex of prefix ‖ tag, as long as a SHA-256. Bytes whose
 * SHA-256 it is cannot be found (a preimage attack, even for someone who read the blob), so no
 * plain chunk can be made to share a sealed chunk's address; null for a blob too short to be sealed.
 */
export function sealedAddress(sealed: Uint8Array): string | null {
  if (sealed.length < SEAL_OVERHEAD) return null;
  return sealedAddressOf(sealed.subarray(0, PREFIX), sealed.subarray(sealed.length - TAG));
}

/** The same from a sealed chunk's first PREFIX and last TAG bytes (scrub reads a blob as a stream). */
export const sealedAddressOf = (prefix: Uint8Array, tag: Uint8Array): string => toHex(prefix) + toHex(tag);

/** Seals one chunk under `root` (see the header): convergently given the plaintext's SHA-256, else with a random prefix. */
export async function sealChunk(root: Uint8Array, plain: Uint8Array, sha256?: Uint8Array, aes: AesGcm = webAesGcm): Promise<Uint8Array> {
  const prefix = sha256 ? (await derive(root, "siv", sha256)).subarray(0, PREFIX) : crypto.getRandomValues(new Uint8Array(PREFIX));
  const sealed = await aes.encrypt(await derive(root, "chunk", prefix), prefix.subarray(0, 12), plain);
  return concat(prefix, sealed);
}

/** Opens a sealed chunk; null when its tag does not verify (another key, or damaged bytes). */
export async function openChunk(root: Uint8Array, blob: Uint8Array, aes: AesGcm = webAesGcm): Promise<Uint8Array | null> {
  if (blob.length < SEAL_OVERHEAD) return null;
  const prefix = blob.subarray(0, PREFIX);
  return aes.decrypt(await derive(root, "chunk", prefix), prefix.subarray(0, 12), blob.subarray(PREFIX));
}

/** Wraps a data key under the master key, bound to `context` (AAD): base64 of nonce ‖ ciphertext ‖ tag. */
export async function wrapKey(master: Uint8Array, dataKey: Uint8Array, context: string): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: bs(nonce), additionalData: bs(te.encode(context)) }, await aesKey(master, "encrypt"), bs(dataKey));
  return concat(nonce, new Uint8Array(ct));
}

/** The data key, or null when the master key or the context is not the one it was wrapped with. */
export async function unwrapKey(master: Uint8Array, wrapped: Uint8Array, context: string): Promise<Uint8Array | null> {
  if (wrapped.length < 12 + TAG) return null;
  try {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bs(wrapped.subarray(0, 12)), additionalData: bs(te.encode(context)) },
      await aesKey(master, "decrypt"), bs(wrapped.subarray(12)));
    return new Uint8Array(pt);
  } catch {
    return null;
  }
}

/** Constant-time equality of two byte strings. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
