// Portable CRC32 / CRC32C / CRC64NVME (the S3 additional checksums), streaming.
// Slicing-by-8 tables for the 32-bit CRCs; CRC64 keeps two 32-bit halves (no BigInt in the loop).

function tables32(poly: number): Uint32Array[] {
  const t: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[0][i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) for (let s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >>> 8) ^ t[0][t[s - 1][i] & 0xff];
  return t;
}

let T32: Uint32Array[] | undefined;
let T32C: Uint32Array[] | undefined;

function update32(t: Uint32Array[], crc: number, d: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = t;
  let c = ~crc >>> 0;
  let i = 0;
  const n = d.length;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24))) >>> 0;
    c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[d[i + 4]] ^ t2[d[i + 5]] ^ t1[d[i + 6]] ^ t0[d[i + 7]];
  }
  for (; i < n; i++) c = t0[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export const crc32 = (crc: number, d: Uint8Array) => update32((T32 ??= tables32(0xedb88320)), crc, d);
export const crc32c = (crc: number, d: Uint8Array) => update32((T32C ??= tables32(0x82f63b78)), crc, d);

let T64: { hi: Uint32Array; lo: Uint32Array } | undefined;
function tables64() {
  const hi = new Uint32Array(256), lo = new Uint32Array(256);
  const PH = 0x9a6c9329, PL = 0xac4bc9b5; // reflected CRC-64/NVME polynomial
  for (let i = 0; i < 256; i++) {
    let h = 0, l = i;
    for (let k = 0; k < 8; k++) {
      const bit = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (bit) { h = (h ^ PH) >>> 0; l = (l ^ PL) >>> 0; }
    }
    hi[i] = h; lo[i] = l;
  }
  return { hi, lo };
}

/** State is [hi, lo] of the finalised CRC (start from [0, 0]). */
export function crc64nvme(state: [number, number], d: Uint8Array): [number, number] {
  const { hi, lo } = (T64 ??= tables64());
  let h = ~state[0] >>> 0, l = ~state[1] >>> 0;
  for (let i = 0; i < d.length; i++) {
    const idx = (l ^ d[i]) & 0xff;
    const nl = ((l >>> 8) | ((h & 0xff) << 24)) >>> 0;
    const nh = h >>> 8;
    h = (nh ^ hi[idx]) >>> 0;
    l = (nl ^ lo[idx]) >>> 0;
  }
  return [~h >>> 0, ~l >>> 0];
}

export const u32be = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
