// ChaCha20-Poly1305 AEAD (RFC 8439) in plain TypeScript: WebCrypto has no ChaCha20, and madmin
// clients on CPUs without AES instructions encrypt admin bodies with it (sio id 0x01,
// specs/minio-admin.md §4.2). Output layout as sio and WebCrypto AES-GCM: ciphertext ‖ 16-byte tag.
import { timingSafeEqualBytes } from "./bytes.ts";

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** One 64-byte ChaCha20 block of (key words, counter, nonce words) into out. */
function chachaBlock(key: Uint32Array, counter: number, nonce: Uint32Array, out: Uint32Array) {
  const s = new Uint32Array(16);
  s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
  s.set(key, 4);
  s[12] = counter;
  s.set(nonce, 13);
  const x = s.slice();
  const qr = (a: number, b: number, c: number, d: number) => {
    x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 16);
    x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 12);
    x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 8);
    x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 7);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
    qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
  }
  for (let i = 0; i < 16; i++) out[i] = x[i] + s[i];
}

const words = (b: Uint8Array): Uint32Array => {
  const w = new Uint32Array(b.length / 4);
  for (let i = 0; i < w.length; i++) w[i] = b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24);
  return w;
};

/** ChaCha20 keystream XOR from block `counter` on (RFC 8439 §2.4). */
export function chacha20(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const k = words(key), n = words(nonce);
  const out = new Uint8Array(data.length);
  const block = new Uint32Array(16);
  const bytes = new Uint8Array(block.buffer);
  for (let off = 0; off < data.length; off += 64, counter++) {
    chachaBlock(k, counter >>> 0, n, block);
    // Little-endian bytes of the block (Uint32Array views are host-endian; every target is LE, checked below).
    const end = Math.min(64, data.length - off);
    for (let i = 0; i < end; i++) out[off + i] = data[off + i] ^ bytes[i];
  }
  return out;
}

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error("chacha20: big-endian hosts are not supported");

/**
 * Poly1305 (RFC 8439 §2.5) over 13-bit limbs held in doubles (every product sum stays below
 * 2^53, so no 64-bit arithmetic is needed), after poly1305-donna's 16-bit variant.
 */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const le16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
  const r = new Float64Array(10), h = new Float64Array(10), d = new Float64Array(10);
  const t = Array.from({ length: 8 }, (_, i) => le16(key, 2 * i));
  r[0] = t[0] & 0x1fff;
  r[1] = ((t[0] >>> 13) | (t[1] << 3)) & 0x1fff;
  r[2] = ((t[1] >>> 10) | (t[2] << 6)) & 0x1f03;
  r[3] = ((t[2] >>> 7) | (t[3] << 9)) & 0x1fff;
  r[4] = ((t[3] >>> 4) | (t[4] << 12)) & 0x00ff;
  r[5] = (t[4] >>> 1) & 0x1ffe;
  r[6] = ((t[4] >>> 14) | (t[5] << 2)) & 0x1fff;
  r[7] = ((t[5] >>> 11) | (t[6] << 5)) & 0x1f81;
  r[8] = ((t[6] >>> 8) | (t[7] << 8)) & 0x1fff;
  r[9] = (t[7] >>> 5) & 0x007f;

  const block = new Uint8Array(17);
  for (let off = 0; off < msg.length; off += 16) {
    const n = Math.min(16, msg.length - off);
    block.fill(0);
    block.set(msg.subarray(off, off + n));
    block[n] = 1; // the 2^(8n) bit: above a full block it is the 2^128 "hibit"
    const m = Array.from({ length: 8 }, (_, i) => le16(block, 2 * i));
    h[0] += m[0] & 0x1fff;
    h[1] += ((m[0] >>> 13) | (m[1] << 3)) & 0x1fff;
    h[2] += ((m[1] >>> 10) | (m[2] << 6)) & 0x1fff;
    h[3] += ((m[2] >>> 7) | (m[3] << 9)) & 0x1fff;
    h[4] += ((m[3] >>> 4) | (m[4] << 12)) & 0x1fff;
    h[5] += (m[4] >>> 1) & 0x1fff;
    h[6] += ((m[4] >>> 14) | (m[5] << 2)) & 0x1fff;
    h[7] += ((m[5] >>> 11) | (m[6] << 5)) & 0x1fff;
    h[8] += ((m[6] >>> 8) | (m[7] << 8)) & 0x1fff;
    h[9] += (m[7] >>> 5) | (block[16] << 11);
    // h = h · r mod 2^130 − 5: limbs above 2^130 fold back multiplied by 5.
    let c = 0;
    for (let i = 0; i < 10; i++) {
      let s = c;
      for (let j = 0; j < 10; j++) s += h[j] * (j <= i ? r[i - j] : 5 * r[i + 10 - j]);
      c = Math.floor(s / 8192);
      d[i] = s - c * 8192;
    }
    c = c * 5 + d[0];
    d[0] = c % 8192;
    d[1] += Math.floor(c / 8192);
    h.set(d);
  }

  // Full carry (four passes always settle it below 2^130), then h − p if h ≥ p, then + s mod 2^128.
  for (let pass = 0; pass < 4; pass++) {
    let c = 0;
    for (let i = 0; i < 10; i++) {
      h[i] += c;
      c = Math.floor(h[i] / 8192);
      h[i] -= c * 8192;
    }
    h[0] += c * 5;
  }
  const g = new Float64Array(10);
  let c = 5;
  for (let i = 0; i < 10; i++) {
    g[i] = h[i] + c;
    c = Math.floor(g[i] / 8192);
    g[i] -= c * 8192;
  }
  const use = c === 1 ? g : h; // c is the bit 2^130 of h + 5: set exactly when h ≥ p
  const u = Array.from(use, (v) => v | 0);
  const o = [
    (u[0] | (u[1] << 13)) & 0xffff, ((u[1] >>> 3) | (u[2] << 10)) & 0xffff, ((u[2] >>> 6) | (u[3] << 7)) & 0xffff,
    ((u[3] >>> 9) | (u[4] << 4)) & 0xffff, ((u[4] >>> 12) | (u[5] << 1) | (u[6] << 14)) & 0xffff,
    ((u[6] >>> 2) | (u[7] << 11)) & 0xffff, ((u[7] >>> 5) | (u[8] << 8)) & 0xffff, ((u[8] >>> 8) | (u[9] << 5)) & 0xffff,
  ];
  const tag = new Uint8Array(16);
  let f = 0;
  for (let i = 0; i < 8; i++) {
    f = o[i] + le16(key, 16 + 2 * i) + (f >>> 16);
    tag[2 * i] = f; tag[2 * i + 1] = f >>> 8;
  }
  return tag;
}

function macData(aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const pad = (n: number) => (16 - (n % 16)) % 16;
  const out = new Uint8Array(aad.length + pad(aad.length) + ct.length + pad(ct.length) + 16);
  out.set(aad, 0);
  const o = aad.length + pad(aad.length);
  out.set(ct, o);
  const lens = new DataView(out.buffer, o + ct.length + pad(ct.length));
  lens.setUint32(0, aad.length, true);
  lens.setUint32(8, ct.length, true);
  return out;
}

const oneTimeKey = (key: Uint8Array, nonce: Uint8Array) => chacha20(key, nonce, 0, new Uint8Array(32));

/** Seal: ciphertext ‖ tag. key 32 bytes, nonce 12. */
export function chacha20poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const ct = chacha20(key, nonce, 1, plaintext);
  const out = new Uint8Array(ct.length + 16);
  out.set(ct);
  out.set(poly1305(oneTimeKey(key, nonce), macData(aad, ct)), ct.length);
  return out;
}

/** Open ciphertext ‖ tag; null when not authentic. */
export function chacha20poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  const ct = sealed.subarray(0, sealed.length - 16);
  const tag = poly1305(oneTimeKey(key, nonce), macData(aad, ct));
  if (!timingSafeEqualBytes(tag, sealed.subarray(sealed.length - 16))) return null;
  return chacha20(key, nonce, 1, ct);
}
