import { describe, expect, it } from "bun:test";
import { manifestSlices, objectStream, parseRange } from "../../../src/s3/object-body.ts";
import type { ChunkRef } from "../../../src/store/types.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { randomBytes } from "../helpers/s3.ts";

describe("parseRange", () => {
  it.each([
    ["bytes=0-9", 100, { start: 0, end: 9 }],
    ["bytes=90-", 100, { start: 90, end: 99 }],
    ["bytes=99-99", 100, { start: 99, end: 99 }],
    ["bytes=90-200", 100, { start: 90, end: 99 }],
    ["bytes=-10", 100, { start: 90, end: 99 }],
    ["bytes=-100", 100, { start: 0, end: 99 }],
    ["bytes=-200", 100, { start: 0, end: 99 }],
    ["bytes=0-", 1, { start: 0, end: 0 }],
    [" bytes=1-2 ", 100, { start: 1, end: 2 }],
  ])("%j of %i bytes → %j", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each([
    ["no header", null],
    ["empty", ""],
    ["last before first", "bytes=5-2"],
    ["several ranges", "bytes=0-1,3-4"],
    ["other unit", "items=0-1"],
    ["not numbers", "bytes=a-b"],
    ["no positions", "bytes=-"],
    ["negative", "bytes=-5-6"],
  ])("%s is ignored (whole object)", (_name, header) => {
    expect(parseRange(header, 100)).toBeUndefined();
  });

  it.each([
    ["first byte past the end", "bytes=100-", 100],
    ["range past the end", "bytes=100-200", 100],
    ["zero-length suffix", "bytes=-0", 100],
    ["any first-pos of an empty object", "bytes=0-", 0],
  ])("%s → InvalidRange", (_name, header, size) => {
    let err: unknown;
    try { parseRange(header, size); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: "InvalidRange", status: 416, extra: { ActualObjectSize: String(size) } });
  });
});

describe("manifestSlices", () => {
  const ref = (i: number, n: number): ChunkRef => ({ h: `h${i}`, b: `b${i}`, n });
  const m = [ref(0, 10), ref(1, 10), ref(2, 5)]; // bytes 0-9, 10-19, 20-24
  const s = (i: number, offset: number, length: number) => ({ chunk: m[i], offset, length });

  it.each([
    ["the whole object", 0, 24, [s(0, 0, 10), s(1, 0, 10), s(2, 0, 5)]],
    ["one byte", 13, 13, [s(1, 3, 1)]],
    ["exactly one chunk", 10, 19, [s(1, 0, 10)]],
    ["across a boundary", 8, 11, [s(0, 8, 2), s(1, 0, 2)]],
    ["across two boundaries", 5, 22, [s(0, 5, 5), s(1, 0, 10), s(2, 0, 3)]],
    ["the last byte", 24, 24, [s(2, 4, 1)]],
    ["first byte of the second chunk", 10, 10, [s(1, 0, 1)]],
    ["last byte of the first chunk", 9, 9, [s(0, 9, 1)]],
  ])("%s", (_name, start, end, expected) => {
    expect(manifestSlices(m, start, end)).toEqual(expected);
  });

  it("covers exactly end - start + 1 bytes for every range", () => {
    for (let a = 0; a < 25; a++) {
      for (let b = a; b < 25; b++) {
        expect(manifestSlices(m, a, b).reduce((t, x) => t + x.length, 0)).toBe(b - a + 1);
      }
    }
  });
});

describe("objectStream", () => {
  it("streams the requested bytes from chunks and reads only the chunks it needs", async () => {
    const { deps, blobs } = memoryDeps();
    const data = randomBytes(250, 5);
    const manifest: ChunkRef[] = [];
    for (let off = 0, i = 0; off < data.length; off += 100, i++) {
      const piece = data.subarray(off, off + 100);
      await blobs.put(`c${i}`, piece, { size: piece.length });
      manifest.push({ h: `h${i}`, b: `c${i}`, n: piece.length });
    }
    const read = async (range?: { start: number; end: number }) =>
      new Uint8Array(await new Response(objectStream(deps, { manifest, size: data.length }, range)).arrayBuffer());
    expect(await read()).toEqual(data);
    expect(await read({ start: 95, end: 205 })).toEqual(data.subarray(95, 206));
    await blobs.delete(["c0"]); // chunk 0 is not needed for this range
    expect(await read({ start: 100, end: 249 })).toEqual(data.subarray(100));
  });

  it("inline data is sliced without touching blobs", async () => {
    const { deps } = memoryDeps();
    const inline = randomBytes(50, 9);
    const out = await new Response(objectStream(deps, { inline, size: 50 }, { start: 10, end: 19 })).arrayBuffer();
    expect(new Uint8Array(out)).toEqual(inline.subarray(10, 20));
  });
});
