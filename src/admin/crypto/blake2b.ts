// BLAKE2b (RFC 7693), unkeyed, any output length 1…64: Argon2id's H and H' (RFC 9106 §3.2-3.3).
// Only a few hundred compressions per Argon2id call, so this favours clarity over speed.
// 64-bit words are (lo, hi) pairs of a Uint32Array: word i at [2i] (low) and [2i + 1] (high).

const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/** v[a] += v[b] + m[x] (64-bit words). */
function add3(v: Uint32Array, a: number, b: number, m: Uint32Array, x: number) {
  const lo = v[2 * a] + v[2 * b] + m[2 * x];
  v[2 * a + 1] = v[2 * a + 1] + v[2 * b + 1] + m[2 * x + 1] + Math.floor(lo / 0x100000000);
  v[2 * a] = lo;
}

function add2(v: Uint32Array, a: number, b: number) {
  const lo = v[2 * a] + v[2 * b];
  v[2 * a + 1] = v[2 * a + 1] + v[2 * b + 1] + (lo > 0xffffffff ? 1 : 0);
  v[2 * a] = lo;
}

/** v[a] = rotr64(v[a] ^ v[b], n). */
function xorRotr(v: Uint32Array, a: number, b: number, n: number) {
  let lo = v[2 * a] ^ v[2 * b];
  let hi = v[2 * a + 1] ^ v[2 * b + 1];
  if (n >= 32) { const t = lo; lo = hi; hi = t; n -= 32; }
  if (n > 0) {
    const l = (lo >>> n) | (hi << (32 - n));
    hi = (hi >>> n) | (lo << (32 - n));
    lo = l;
  }
  v[2 * a] = lo;
  v[2 * a + 1] = hi;
}

function g(v: Uint32Array, m: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number) {
  add3(v, a, b, m, x); xorRotr(v, d, a, 32);
  add2(v, c, d); xorRotr(v, b, c, 24);
  add3(v, a, b, m, y); xorRotr(v, d, a, 16);
  add2(v, c, d); xorRotr(v, b, c, 63);
}

function compress(h: Uint32Array, block: Uint8Array, counter: number, last: boolean) {
  const m = new Uint32Array(32);
  for (let i = 0; i < 32; i++) m[i] = block[4 * i] | (block[4 * i + 1] << 8) | (block[4 * i + 2] << 16) | (block[4 * i + 3] << 24);
  const v = new Uint32Array(32);
  v.set(h, 0);
  v.set(IV, 16);
  v[24] ^= counter >>> 0;
  v[25] ^= Math.floor(counter / 0x100000000);
  if (last) { v[28] = ~v[28]; v[29] = ~v[29]; }
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(v, m, 0, 4, 8, 12, s[0], s[1]);
    g(v, m, 1, 5, 9, 13, s[2], s[3]);
    g(v, m, 2, 6, 10, 14, s[4], s[5]);
    g(v, m, 3, 7, 11, 15, s[6], s[7]);
    g(v, m, 0, 5, 10, 15, s[8], s[9]);
    g(v, m, 1, 6, 11, 12, s[10], s[11]);
    g(v, m, 2, 7, 8, 13, s[12], s[13]);
    g(v, m, 3, 4, 9, 14, s[14], s[15]);
  }
  for (let i = 0; i < 16; i++) h[i] ^= v[i] ^ v[i + 16];
}

/** BLAKE2b of the concatenated parts, `outLen` (1…64) bytes. */
export function blake2b(outLen: number, ...parts: Uint8Array[]): Uint8Array {
  if (outLen < 1 || outLen > 64) throw new RangeError("blake2b output length is 1 to 64 bytes");
  const h = IV.slice();
  h[0] ^= 0x01010000 ^ outLen;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { data.set(p, o); o += p.length; }
  const block = new Uint8Array(128);
  let off = 0;
  // Every full block but the last is compressed as "not last"; an empty input is one empty last block.
  while (total - off > 128) {
    compress(h, data.subarray(off, off + 128), off + 128, false);
    off += 128;
  }
  block.fill(0);
  block.set(data.subarray(off));
  compress(h, block, total, true);
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) {
    out[4 * i] = h[i]; out[4 * i + 1] = h[i] >>> 8; out[4 * i + 2] = h[i] >>> 16; out[4 * i + 3] = h[i] >>> 24;
  }
  return out.slice(0, outLen);
}
