// Argon2id (RFC 9106, version 0x13) in plain TypeScript: madmin derives the key of every
// encrypted admin body with it (t=1, m=64 MiB, p=4; specs/minio-admin.md §4.2). Pure code, no
// WASM: workerd forbids compiling WASM at run time and this must run there and on Bun alike.
// Lanes are filled one after another (same result as parallel threads, RFC 9106 §3.4).
//
// The 1 KiB blocks live in one Int32Array as (lo, hi) pairs of 64-bit words; the BlaMka
// permutation below is written out with 32-bit halves because it is the whole cost.
import { blake2b } from "./blake2b.ts";

export interface Argon2Params {
  /** Passes (t). */
  passes: number;
  /** Memory in KiB (m), at least 8 × lanes. */
  memoryKiB: number;
  /** Lanes (p). */
  lanes: number;
  /** Tag length in bytes. */
  tagLength: number;
  /** Optional secret K and associated data X (madmin uses neither). */
  secret?: Uint8Array;
  ad?: Uint8Array;
}

const ARGON2ID = 2;
const VERSION = 0x13;
const SYNC_POINTS = 4;
const BLOCK_WORDS = 256; // u32 per 1024-byte block
const TWO32 = 0x100000000;

const le32 = (n: number) => new Uint8Array([n, n >>> 8, n >>> 16, n >>> 24]);

/** H' (RFC 9106 §3.3): BLAKE2b stretched to any length. */
function hPrime(outLen: number, input: Uint8Array): Uint8Array {
  if (outLen <= 64) return blake2b(outLen, le32(outLen), input);
  const out = new Uint8Array(outLen);
  let v = blake2b(64, le32(outLen), input);
  out.set(v.subarray(0, 32), 0);
  let o = 32;
  while (outLen - o > 64) {
    v = blake2b(64, v);
    out.set(v.subarray(0, 32), o);
    o += 32;
  }
  out.set(blake2b(outLen - o, v), o);
  return out;
}

/**
 * GB on the words at u32 offsets a, b, c, d of r (RFC 9106 §3.6): BLAKE2b's G with a + b
 * replaced by a + b + 2·lo32(a)·lo32(b). Int32 arithmetic (the product's halves from 16-bit
 * partial products through Math.imul) keeps values in integer registers: this is the whole
 * cost of Argon2id. Written out: the four steps differ only in names and rotations.
 */
function gb(r: Int32Array, a: number, b: number, c: number, d: number) {
  let al = r[a], ah = r[a + 1], bl = r[b], bh = r[b + 1];
  let cl = r[c], ch = r[c + 1], dl = r[d], dh = r[d + 1];
  let aL, aH, bL, bH, ll, hl, lh, hh, cr, mh, ml, t, x;
  aL = al & 0xffff; aH = al >>> 16; bL = bl & 0xffff; bH = bl >>> 16;
  ll = Math.imul(aL, bL); hl = Math.imul(aH, bL); lh = Math.imul(aL, bH); hh = Math.imul(aH, bH);
  cr = (ll >>> 16) + (hl & 0xffff) + lh; mh = (hh + (hl >>> 16) + (cr >>> 16)) | 0; ml = (cr << 16) | (ll & 0xffff);
  t = (al >>> 0) + (bl >>> 0) + ((ml << 1) >>> 0);
  ah = (ah + bh + ((mh << 1) | (ml >>> 31)) + ((t / 4294967296) | 0)) | 0; al = t | 0;
  t = dl ^ al; dl = dh ^ ah; dh = t;
  aL = cl & 0xffff; aH = cl >>> 16; bL = dl & 0xffff; bH = dl >>> 16;
  ll = Math.imul(aL, bL); hl = Math.imul(aH, bL); lh = Math.imul(aL, bH); hh = Math.imul(aH, bH);
  cr = (ll >>> 16) + (hl & 0xffff) + lh; mh = (hh + (hl >>> 16) + (cr >>> 16)) | 0; ml = (cr << 16) | (ll & 0xffff);
  t = (cl >>> 0) + (dl >>> 0) + ((ml << 1) >>> 0);
  ch = (ch + dh + ((mh << 1) | (ml >>> 31)) + ((t / 4294967296) | 0)) | 0; cl = t | 0;
  t = bl ^ cl; x = bh ^ ch; bl = (t >>> 24) | (x << 8); bh = (x >>> 24) | (t << 8);
  aL = al & 0xffff; aH = al >>> 16; bL = bl & 0xffff; bH = bl >>> 16;
  ll = Math.imul(aL, bL); hl = Math.imul(aH, bL); lh = Math.imul(aL, bH); hh = Math.imul(aH, bH);
  cr = (ll >>> 16) + (hl & 0xffff) + lh; mh = (hh + (hl >>> 16) + (cr >>> 16)) | 0; ml = (cr << 16) | (ll & 0xffff);
  t = (al >>> 0) + (bl >>> 0) + ((ml << 1) >>> 0);
  ah = (ah + bh + ((mh << 1) | (ml >>> 31)) + ((t / 4294967296) | 0)) | 0; al = t | 0;
  t = dl ^ al; x = dh ^ ah; dl = (t >>> 16) | (x << 16); dh = (x >>> 16) | (t << 16);
  aL = cl & 0xffff; aH = cl >>> 16; bL = dl & 0xffff; bH = dl >>> 16;
  ll = Math.imul(aL, bL); hl = Math.imul(aH, bL); lh = Math.imul(aL, bH); hh = Math.imul(aH, bH);
  cr = (ll >>> 16) + (hl & 0xffff) + lh; mh = (hh + (hl >>> 16) + (cr >>> 16)) | 0; ml = (cr << 16) | (ll & 0xffff);
  t = (cl >>> 0) + (dl >>> 0) + ((ml << 1) >>> 0);
  ch = (ch + dh + ((mh << 1) | (ml >>> 31)) + ((t / 4294967296) | 0)) | 0; cl = t | 0;
  t = bl ^ cl; x = bh ^ ch; bl = (t << 1) | (x >>> 31); bh = (x << 1) | (t >>> 31);
  r[a] = al; r[a + 1] = ah; r[b] = bl; r[b + 1] = bh;
  r[c] = cl; r[c + 1] = ch; r[d] = dl; r[d + 1] = dh;
}

/** The permutation P over 16 words given by their u32 offsets in r. */
function permute(r: Int32Array, w: readonly number[]) {
  gb(r, w[0], w[4], w[8], w[12]); gb(r, w[1], w[5], w[9], w[13]);
  gb(r, w[2], w[6], w[10], w[14]); gb(r, w[3], w[7], w[11], w[15]);
  gb(r, w[0], w[5], w[10], w[15]); gb(r, w[1], w[6], w[11], w[12]);
  gb(r, w[2], w[7], w[8], w[13]); gb(r, w[3], w[4], w[9], w[14]);
}

// u32 offsets of the 16 words of each row and each column of the 8×8 matrix of 16-byte registers.
const ROWS = Array.from({ length: 8 }, (_, i) => Array.from({ length: 16 }, (_, j) => 2 * (16 * i + j)));
const COLS = Array.from({ length: 8 }, (_, i) => Array.from({ length: 16 }, (_, j) => 2 * (2 * i + (j & 1) + 16 * (j >> 1))));

/**
 * The compression G (RFC 9106 §3.5): mem[next] = P(R) ^ R with R = mem[prev] ^ mem[ref], or
 * mem[next] ^= … on later passes (withXor). r and z are 256-word scratch blocks.
 */
function fillBlock(src1: Int32Array, prev: number, src2: Int32Array, ref: number, out: Int32Array, next: number, withXor: boolean,
  r: Int32Array, z: Int32Array) {
  for (let i = 0; i < BLOCK_WORDS; i++) r[i] = src1[prev + i] ^ src2[ref + i];
  if (withXor) for (let i = 0; i < BLOCK_WORDS; i++) z[i] = r[i] ^ out[next + i];
  else z.set(r);
  for (let i = 0; i < 8; i++) permute(r, ROWS[i]);
  for (let i = 0; i < 8; i++) permute(r, COLS[i]);
  for (let i = 0; i < BLOCK_WORDS; i++) out[next + i] = z[i] ^ r[i];
}

function bytesToWords(b: Uint8Array, out: Int32Array, off: number) {
  for (let i = 0; i < BLOCK_WORDS; i++) out[off + i] = b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24);
}

/** Argon2id's tag of password and salt. Synchronous: ~0.8 s of CPU for madmin's parameters (t=1, 64 MiB, p=4). */
export function argon2id(password: Uint8Array, salt: Uint8Array, p: Argon2Params): Uint8Array {
  const { passes, lanes, tagLength } = p;
  const secret = p.secret ?? new Uint8Array(0);
  const ad = p.ad ?? new Uint8Array(0);
  if (passes < 1 || lanes < 1 || tagLength < 4 || p.memoryKiB < 8 * lanes) throw new RangeError("invalid Argon2 parameters");
  const h0 = blake2b(64,
    le32(lanes), le32(tagLength), le32(p.memoryKiB), le32(passes), le32(VERSION), le32(ARGON2ID),
    le32(password.length), password, le32(salt.length), salt, le32(secret.length), secret, le32(ad.length), ad);

  const segment = Math.floor(p.memoryKiB / (SYNC_POINTS * lanes));
  const laneLen = segment * SYNC_POINTS;
  const blocks = laneLen * lanes;
  const mem = new Int32Array(blocks * BLOCK_WORDS);
  const seed = new Uint8Array(72);
  seed.set(h0);
  for (let l = 0; l < lanes; l++) {
    for (const j of [0, 1]) {
      seed.set(le32(j), 64);
      seed.set(le32(l), 68);
      bytesToWords(hPrime(1024, seed), mem, (l * laneLen + j) * BLOCK_WORDS);
    }
  }

  const r = new Int32Array(BLOCK_WORDS), z = new Int32Array(BLOCK_WORDS);
  const zero = new Int32Array(BLOCK_WORDS), input = new Int32Array(BLOCK_WORDS), address = new Int32Array(BLOCK_WORDS);
  const nextAddresses = () => {
    input[12] = input[12] + 1; // word 6, the counter
    fillBlock(zero, 0, input, 0, address, 0, false, r, z);
    fillBlock(zero, 0, address, 0, address, 0, false, r, z);
  };

  for (let pass = 0; pass < passes; pass++) {
    for (let slice = 0; slice < SYNC_POINTS; slice++) {
      for (let lane = 0; lane < lanes; lane++) {
        // Argon2id: data-independent addresses in the first half of the first pass.
        const independent = pass === 0 && slice < SYNC_POINTS / 2;
        if (independent) {
          input.fill(0);
          input[0] = pass; input[2] = lane; input[4] = slice; input[6] = blocks; input[8] = passes; input[10] = ARGON2ID;
        }
        let start = 0;
        if (pass === 0 && slice === 0) {
          start = 2;
          if (independent) nextAddresses();
        }
        let cur = lane * laneLen + slice * segment + start;
        let prev = cur % laneLen === 0 ? cur + laneLen - 1 : cur - 1;
        for (let i = start; i < segment; i++, cur++, prev++) {
          if (cur % laneLen === 1) prev = cur - 1;
          let j1: number, j2: number;
          if (independent) {
            if (i % 128 === 0) nextAddresses();
            j1 = address[2 * (i % 128)] >>> 0; j2 = address[2 * (i % 128) + 1] >>> 0;
          } else {
            j1 = mem[prev * BLOCK_WORDS] >>> 0; j2 = mem[prev * BLOCK_WORDS + 1] >>> 0;
          }
          const refLane = pass === 0 && slice === 0 ? lane : j2 % lanes;
          const same = refLane === lane;
          let area: number;
          if (pass === 0) {
            if (slice === 0) area = i - 1;
            else area = slice * segment + (same ? i - 1 : i === 0 ? -1 : 0);
          } else {
            area = laneLen - segment + (same ? i - 1 : i === 0 ? -1 : 0);
          }
          // relative = area − 1 − ((area · ((j1 · j1) >> 32)) >> 32), exact in 32-bit halves.
          const x = mulHi(j1, j1);
          const rel = area - 1 - mulHi(area, x);
          const startPos = pass !== 0 && slice !== SYNC_POINTS - 1 ? (slice + 1) * segment : 0;
          const refIndex = (startPos + rel) % laneLen;
          const ref = refLane * laneLen + refIndex;
          fillBlock(mem, prev * BLOCK_WORDS, mem, ref * BLOCK_WORDS, mem, cur * BLOCK_WORDS, pass !== 0, r, z);
        }
      }
    }
  }

  const last = new Int32Array(BLOCK_WORDS);
  for (let l = 0; l < lanes; l++) {
    const off = (l * laneLen + laneLen - 1) * BLOCK_WORDS;
    for (let i = 0; i < BLOCK_WORDS; i++) last[i] ^= mem[off + i];
  }
  const c = new Uint8Array(1024);
  for (let i = 0; i < BLOCK_WORDS; i++) {
    const w = last[i];
    c[4 * i] = w; c[4 * i + 1] = w >>> 8; c[4 * i + 2] = w >>> 16; c[4 * i + 3] = w >>> 24;
  }
  return hPrime(tagLength, c);
}

/** floor(a · b / 2^32) for 32-bit unsigned a, b. */
function mulHi(a: number, b: number): number {
  const p1 = (a & 0xffff) * b;
  const p2 = (a >>> 16) * b;
  return Math.floor(p2 / 65536) + Math.floor(((p2 % 65536) * 65536 + p1) / TWO32);
}
