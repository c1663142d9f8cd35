// The admin API's encrypted bodies with a key cache (specs/minio-admin.md §4.5). Each request a
// client encrypts carries a fresh random salt, so one key derivation per such request is
// unavoidable. Responses are the gateway's to salt: it keeps one (salt, key) per secret and
// reuses it with a fresh random nonce prefix per message (8 random bytes + a per-message
// fragment counter, so AES-GCM nonces never repeat in practice). The first request's own
// (salt, key) becomes that pair, so add-service-account costs one derivation, not two.
//
// Argon2id here is synchronous: two derivations never run at once in one isolate or process,
// which is the "one 64 MiB buffer at a time" rule of §4.5 for free.
import { sha256Hex, utf8 } from "../../util/hash.ts";
import { concatBytes } from "./bytes.ts";
import { decryptWithKey, deriveKey, encryptWithKey, kdfOf, parseHeader, type Kdf } from "./encrypt-data.ts";

export interface MadminCrypto {
  /** DecryptData under the signer's secret; null when malformed or not authentic. */
  decrypt(secret: string, body: Uint8Array): Promise<Uint8Array | null>;
  /** EncryptData (id 0x00, Argon2id + AES-GCM: every madmin version decrypts it). */
  encrypt(secret: string, data: Uint8Array): Promise<Uint8Array>;
}

export interface MadminCryptoOptions {
  /** Derived keys kept (32 bytes each plus the map entry). */
  maxKeys?: number;
  /** The KDF, replaceable in tests; the real one by default. */
  derive?: (kdf: Kdf, password: string, salt: Uint8Array) => Promise<Uint8Array>;
}

export function createMadminCrypto(opts: MadminCryptoOptions = {}): MadminCrypto {
  const maxKeys = opts.maxKeys ?? 256;
  const derive = opts.derive ?? deriveKey;
  // Keyed by hashes, so the maps hold no secret in the clear: H(kdf, secret, salt) → key. Promises,
  // so concurrent requests of one client wait for one derivation.
  const keys = new Map<string, Promise<Uint8Array>>();
  // H(secret) → the salt this gateway answers that secret's holder with.
  const responseSalt = new Map<string, Uint8Array>();

  const remember = <V>(m: Map<string, V>, k: string, v: V) => {
    m.delete(k);
    m.set(k, v);
    if (m.size > maxKeys) m.delete(m.keys().next().value!); // oldest first (Map keeps insertion order)
  };
  // Secrets have no control characters (iam/validate.ts), so NUL separates unambiguously; the salt is last.
  const keyId = (kdf: Kdf, secret: string, salt: Uint8Array) => sha256Hex(concatBytes(utf8(`${kdf}\0${secret}\0`), salt));

  async function keyFor(kdf: Kdf, secret: string, salt: Uint8Array): Promise<Uint8Array> {
    const id = await keyId(kdf, secret, salt);
    let key = keys.get(id);
    if (!key) {
      key = derive(kdf, secret, salt);
      key.catch(() => keys.delete(id));
    }
    remember(keys, id, key);
    return key;
  }

  return {
    async decrypt(secret, body) {
      const h = parseHeader(body);
      if (!h) return null;
      const kdf = kdfOf(h.id);
      const key = await keyFor(kdf, secret, h.salt);
      const plain = await decryptWithKey(key, body);
      if (plain && kdf === "argon2id") {
        const sid = await sha256Hex(secret);
        if (!responseSalt.has(sid)) remember(responseSalt, sid, h.salt.slice());
      }
      return plain;
    },
    async encrypt(secret, data) {
      const sid = await sha256Hex(secret);
      let salt = responseSalt.get(sid);
      if (!salt) {
        salt = crypto.getRandomValues(new Uint8Array(32));
        remember(responseSalt, sid, salt);
      }
      const key = await keyFor("argon2id", secret, salt);
      return encryptWithKey(key, salt, 0, crypto.getRandomValues(new Uint8Array(8)), data);
    },
  };
}
