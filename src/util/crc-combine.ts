// CRC of a concatenation from the parts' CRCs (zlib's crc32_combine, generalised to 64 bits):
// S3 FULL_OBJECT checksums of multipart uploads are computed this way, without reading data.

type Matrix = bigint[];

function times(mat: Matrix, vec: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vec; i++, vec >>= 1n) if (vec & 1n) sum ^= mat[i];
  return sum;
}

function square(mat: Matrix): Matrix {
  return mat.map((row) => times(mat, row));
}

// ops[k] advances a CRC register over 2^k zero bytes; built once per polynomial.
const OPS = new Map<bigint, Matrix[]>();
function zeroOps(width: number, poly: bigint): Matrix[] {
  let ops = OPS.get(poly);
  if (ops) return ops;
  let m: Matrix = [poly]; // one zero bit
  for (let n = 1, row = 1n; n < width; n++, row <<= 1n) m.push(row);
  for (let i = 0; i < 3; i++) m = square(m); // one zero byte
  ops = [m];
  for (let k = 1; k < 48; k++) ops.push(square(ops[k - 1]));
  OPS.set(poly, ops);
  return ops;
}

/** crc(A‖B) from crc(A), crc(B) and |B|, for a reflected CRC with polynomial `poly` of `width` bits. */
export function crcCombine(crcA: bigint, crcB: bigint, lenB: number, width: number, poly: bigint): bigint {
  const ops = zeroOps(width, poly);
  let crc = crcA;
  for (let k = 0, len = lenB; len > 0; k++, len = Math.floor(len / 2)) if (len % 2) crc = times(ops[k], crc);
  return crc ^ crcB;
}

export const CRC_PARAMS = {
  CRC32: { width: 32, poly: 0xedb88320n },
  CRC32C: { width: 32, poly: 0x82f63b78n },
  CRC64NVME: { width: 64, poly: 0x9a6c9329ac4bc9b5n },
} as const;

export const bytesToBig = (b: Uint8Array) => b.reduce((a, x) => (a << 8n) | BigInt(x), 0n);
export function bigToBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
