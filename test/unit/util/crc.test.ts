// CRC check values from the CRC catalogue ("123456789"), and streaming (split-update) equivalence.
import { describe, expect, it } from "bun:test";
import { crc32, crc32c, crc64nvme, u32be } from "../../../src/util/crc.ts";
import { bigToBytes, bytesToBig, crcCombine, CRC_PARAMS } from "../../../src/util/crc-combine.ts";
import { portableCrcHasher, toHex } from "../../../src/util/hash.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";
import { enc, randomBytes } from "../helpers/s3.ts";

const CHECK = enc("123456789");
const hex64 = ([h, l]: [number, number]) => h.toString(16).padStart(8, "0") + l.toString(16).padStart(8, "0");

describe("check values", () => {
  it.each([
    ["crc32", () => crc32(0, CHECK).toString(16), "cbf43926"],
    ["crc32c", () => crc32c(0, CHECK).toString(16), "e3069283"],
    ["crc64nvme", () => hex64(crc64nvme([0, 0], CHECK)), "ae8b14860a799888"],
  ])("%s(\"123456789\")", (_name, f, expected) => {
    expect(f()).toBe(expected);
  });

  it.each([
    ["crc32", "cbf43926"],
    ["crc32c", "e3069283"],
    ["crc64nvme", "ae8b14860a799888"],
  ] as const)("portable %s hasher digests big-endian", async (alg, expected) => {
    const h = portableCrcHasher(alg);
    h.update(CHECK);
    expect(toHex(await h.digest())).toBe(expected);
  });

  it.each(["crc32", "crc32c", "crc64nvme"] as const)("the Bun %s hasher agrees with the portable one", async (alg) => {
    const data = randomBytes(100_003, 7);
    const a = portableCrcHasher(alg), b = bunHasher(alg);
    a.update(data);
    b.update(data.subarray(0, 5)); b.update(data.subarray(5));
    expect(toHex(await b.digest())).toBe(toHex(await a.digest()));
  });

  it("empty input is 0", () => {
    expect(crc32(0, new Uint8Array())).toBe(0);
    expect(crc32c(0, new Uint8Array())).toBe(0);
    expect(crc64nvme([0, 0], new Uint8Array())).toEqual([0, 0]);
  });
});

describe("split updates equal one update", () => {
  const data = randomBytes(4099, 3);
  // Cuts at every alignment relative to the 8-byte slicing loop, plus empty pieces.
  const cuts = [[0], [1], [7], [8], [9], [13, 2000], [4098], [4099], [3, 3, 3, 1000, 1001]];
  it.each(cuts.map((c) => [c.join(","), c]))("cuts at %s", (_label, c) => {
    const points = [0, ...(c as number[]), data.length];
    let a = 0, b = 0;
    let d: [number, number] = [0, 0];
    for (let i = 0; i + 1 < points.length; i++) {
      const piece = data.subarray(Math.min(points[i], data.length), Math.min(points[i + 1], data.length));
      a = crc32(a, piece); b = crc32c(b, piece); d = crc64nvme(d, piece);
    }
    expect(a).toBe(crc32(0, data));
    expect(b).toBe(crc32c(0, data));
    expect(d).toEqual(crc64nvme([0, 0], data));
  });
});

describe("crcCombine (FULL_OBJECT checksums of multipart uploads)", () => {
  const a = randomBytes(70_001, 11), b = randomBytes(12_345, 12);
  const ab = new Uint8Array([...a, ...b]);
  it.each([
    ["CRC32", (d: Uint8Array) => BigInt(crc32(0, d))],
    ["CRC32C", (d: Uint8Array) => BigInt(crc32c(0, d))],
    ["CRC64NVME", (d: Uint8Array) => BigInt("0x" + hex64(crc64nvme([0, 0], d)))],
  ] as const)("%s: combine(crc(A), crc(B), |B|) = crc(A‖B)", (alg, f) => {
    const { width, poly } = CRC_PARAMS[alg];
    expect(crcCombine(f(a), f(b), b.length, width, poly)).toBe(f(ab));
    expect(crcCombine(0n, f(ab), ab.length, width, poly)).toBe(f(ab));
  });

  it("bytesToBig/bigToBytes round-trip", () => {
    const b = u32be(0xcbf43926);
    expect(bytesToBig(b)).toBe(0xcbf43926n);
    expect(bigToBytes(0xcbf43926n, 4)).toEqual(b);
  });
});
