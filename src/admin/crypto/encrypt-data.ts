// madmin's EncryptData / DecryptData (specs/minio-admin.md §4): salt(32) ‖ id(1) ‖ nonce
// prefix(8) ‖ sio stream, keyed by the secret key of the credentials that signed the request.
// id 0x00 = Argon2id + AES-256-GCM, 0x01 = Argon2id + ChaCha20-Poly1305, 0x02 = PBKDF2-SHA256 +
// AES-256-GCM (FIPS builds). Strings and bytes in, bytes out; the key cache is madmin-crypto.ts's.
import type { Argon2id } from "../../deps.ts";
import { argon2id } from "./argon2id.ts";
import { concatBytes } from "./bytes.ts";
import { aesGcm, chacha20Poly1305, sioOpen, sioSeal, type Aead } from "./sio.ts";

export type CipherId = 0 | 1 | 2;
export type Kdf = "argon2id" | "pbkdf2";

export const HEADER = 41;
const enc = new TextEncoder();

export const kdfOf = (id: CipherId): Kdf => (id === 2 ? "pbkdf2" : "argon2id");

const ARGON2 = { passes: 1, memoryKiB: 65536, lanes: 4, tagLength: 32 };

/**
 * The 32-byte key of a password and salt: Argon2id t=1 m=64 MiB p=4 (`native` when the runtime
 * has one, else the portable one), or PBKDF2-SHA256 × 8192.
 */
export async function deriveKey(kdf: Kdf, password: string, salt: Uint8Array, native?: Argon2id): Promise<Uint8Array> {
  if (kdf === "argon2id") return native ? native(enc.encode(password), salt, ARGON2) : argon2id(enc.encode(password), salt, ARGON2);
  const base = await crypto.subtle.importKey("raw", enc.encode(password) as BufferSource, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations: 8192 }, base, 256));
}

const aeadOf = (id: CipherId, key: Uint8Array): Promise<Aead> => (id === 1 ? Promise.resolve(chacha20Poly1305(key)) : aesGcm(key));

/** The parsed header of an encrypted body, or null when it is too short or names an unknown id. */
export function parseHeader(body: Uint8Array): { salt: Uint8Array; id: CipherId; prefix: Uint8Array } | null {
  if (body.length < HEADER) return null;
  const id = body[32];
  if (id !== 0 && id !== 1 && id !== 2) return null;
  return { salt: body.subarray(0, 32), id, prefix: body.subarray(33, 41) };
}

/** EncryptData with a given key (derived from `salt` for `id`'s KDF) and nonce prefix. */
export async function encryptWithKey(key: Uint8Array, salt: Uint8Array, id: CipherId, prefix: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const head = new Uint8Array(HEADER);
  head.set(salt, 0);
  head[32] = id;
  head.set(prefix, 33);
  return concatBytes(head, await sioSeal(await aeadOf(id, key), prefix, data));
}

/** DecryptData with the key already derived from the body's salt; null when not authentic. */
export async function decryptWithKey(key: Uint8Array, body: Uint8Array): Promise<Uint8Array | null> {
  const h = parseHeader(body);
  if (!h) return null;
  return sioOpen(await aeadOf(h.id, key), h.prefix, body.subarray(HEADER));
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** madmin.EncryptData: fresh salt and nonce prefix (id 0x00 unless told), one key derivation. */
export async function encryptData(password: string, data: Uint8Array, opts: { id?: CipherId; salt?: Uint8Array; prefix?: Uint8Array } = {}) {
  const id = opts.id ?? 0;
  const salt = opts.salt ?? random(32);
  return encryptWithKey(await deriveKey(kdfOf(id), password, salt), salt, id, opts.prefix ?? random(8), data);
}

/** madmin.DecryptData: null when the body is malformed or not authentic under this password. */
export async function decryptData(password: string, body: Uint8Array): Promise<Uint8Array | null> {
  const h = parseHeader(body);
  if (!h) return null;
  return decryptWithKey(await deriveKey(kdfOf(h.id), password, h.salt), body);
}
