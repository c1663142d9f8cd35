// AES-256-GCM through node:crypto (BoringSSL) for server-side encryption: on Bun several times
// faster than WebCrypto's, with the same bytes out (ciphertext ‖ 16-byte tag; src/sse/crypto.ts).
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { AesGcm } from "../../sse/crypto.ts";

const TAG = 16;

export const bunAesGcm: AesGcm = {
  async encrypt(key, iv, plain) {
    const c = createCipheriv("aes-256-gcm", key, iv);
    const head = c.update(plain), tail = c.final(); // GCM is a stream cipher: the tail is empty
    const out = new Uint8Array(head.length + tail.length + TAG);
    out.set(head);
    out.set(tail, head.length);
    out.set(c.getAuthTag(), head.length + tail.length);
    return out;
  },
  async decrypt(key, iv, sealed) {
    if (sealed.length < TAG) return null;
    try {
      const d = createDecipheriv("aes-256-gcm", key, iv);
      d.setAuthTag(sealed.subarray(sealed.length - TAG));
      const head = d.update(sealed.subarray(0, sealed.length - TAG));
      const tail = d.final();
      if (!tail.length) return new Uint8Array(head.buffer, head.byteOffset, head.length);
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out;
    } catch {
      return null;
    }
  },
};
