import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manifestSlices, objectBody, objectStream, parseRange } from "../../../src/s3/object-body.ts";
import type { ChunkRef } from "../../../src/store/types.ts";
import type { Hasher } from "../../../src/deps.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";
import { createFsBlobStore } from "../../../src/runtime/bun/fs-blob-store.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, KiB, parseXmlText, randomBytes, sha256Hex, withBucket } from "../helpers/s3.ts";

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
  const ref = (i: number, n: number): ChunkRef => ({ hash: `h${i}`, blob: `b${i}`, size: n });
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

/** Deps whose error log is kept; `chunks(data, size)` stores data as chunks and returns the object. */
function setup() {
  const env = memoryDeps();
  const errors: { msg: string; fields: Record<string, unknown> }[] = [];
  env.deps.log = { info() {}, warn() {}, error: (msg, fields = {}) => { errors.push({ msg, fields }); } };
  const chunks = async (data: Uint8Array, size: number) => {
    const manifest: ChunkRef[] = [];
    for (let off = 0, i = 0; off < data.length; off += size, i++) {
      const piece = data.subarray(off, off + size);
      await env.deps.blobs.put(`c${i}`, piece, { size: piece.length });
      manifest.push({ hash: sha256Hex(piece), blob: `c${i}`, size: piece.length });
    }
    return { bucket: "bkt", key: "some/key", manifest, size: data.length };
  };
  return { ...env, errors, chunks };
}

/** Reads a stream to its end or its error: the bytes that came through, and the error. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; error?: unknown }> {
  const reader = stream.getReader();
  let bytes = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return { bytes };
      bytes += r.value.length;
    }
  } catch (error) {
    return { bytes, error };
  }
}

const flipped = (d: Uint8Array, at: number) => { const c = d.slice(); c[at] ^= 1; return c; };

describe("objectStream", () => {
  it("streams the requested bytes from chunks and reads only the chunks it needs", async () => {
    const { deps, blobs, chunks, errors } = setup();
    const data = randomBytes(250, 5);
    const obj = await chunks(data, 100);
    const read = async (range?: { start: number; end: number }) =>
      new Uint8Array(await new Response(objectStream(deps, obj, range)).arrayBuffer());
    expect(await read()).toEqual(data);
    expect(await read({ start: 95, end: 205 })).toEqual(data.subarray(95, 206));
    await blobs.delete(["c0"]); // chunk 0 is not needed for this range
    expect(await read({ start: 100, end: 249 })).toEqual(data.subarray(100));
    expect(errors).toEqual([]);
  });

  it("inline data is sliced without touching blobs", async () => {
    const { deps } = memoryDeps();
    const inline = randomBytes(50, 9);
    const out = await new Response(objectStream(deps, { inline, size: 50 }, { start: 10, end: 19 })).arrayBuffer();
    expect(new Uint8Array(out)).toEqual(inline.subarray(10, 20));
  });

  // Each damage, in the middle chunk and in the last one: the stream errors before it has
  // delivered every byte, and the log names the object and the chunk.
  const damages: [string, (d: Uint8Array) => Uint8Array, string][] = [
    ["a truncated blob", (d) => d.subarray(0, d.length - 1), "object data truncated"],
    ["a longer blob", (d) => new Uint8Array([...d, 0]), "object data too long"],
    ["a flipped byte", (d) => flipped(d, 7), "object data corrupt"],
    ["a flipped last byte", (d) => flipped(d, d.length - 1), "object data corrupt"],
  ];
  for (const chunk of [1, 2]) {
    it.each(damages)(`${chunk === 1 ? "a middle" : "the last"} chunk with %s errors the stream and is logged`, async (_n, damage, msg) => {
      const { deps, blobs, chunks, errors } = setup();
      const data = randomBytes(250, 6);
      const obj = await chunks(data, 100);
      const bad = damage(data.subarray(chunk * 100, chunk * 100 + 100));
      await blobs.put(`c${chunk}`, bad, { size: bad.length });
      const got = await drain(objectStream(deps, obj));
      expect(got.error).toMatchObject({ code: "InternalError" });
      expect(got.bytes).toBeLessThan(data.length);
      expect(errors).toEqual([{ msg, fields: expect.objectContaining({ bucket: "bkt", key: "some/key", chunk: obj.manifest[chunk].hash, blob: `c${chunk}` }) }]);
    });
  }

  it("a blob that ends short of its size while being read errors the stream (real filesystem)", async () => {
    const { deps, chunks, errors } = setup();
    const dir = mkdtempSync(join(tmpdir(), "s3edge-ob-"));
    temps.push(dir);
    deps.blobs = createFsBlobStore(dir);
    const data = randomBytes(300 * KiB, 8);
    const obj = await chunks(new Uint8Array(0), 1); // names only
    obj.manifest = [{ hash: sha256Hex(data), blob: "c0", size: data.length }];
    obj.size = data.length;
    await deps.blobs.put("c0", data, { size: data.length });
    const stream = await objectBody(deps, obj); // opened whole, then cut on disk
    truncateSync(join(dir, "c0".slice(0, 2), "c0"), 1000);
    const got = await drain(stream);
    expect(got.error).toMatchObject({ code: "InternalError" });
    expect(got.bytes).toBeLessThan(data.length);
    expect(errors).toEqual([{ msg: "object data truncated", fields: expect.objectContaining({ bucket: "bkt", key: "some/key", blob: "c0" }) }]);
  });

  it("a client that stops reading (cancel) midway is no damage: nothing is logged", async () => {
    const { deps, blobs, chunks, errors } = setup();
    // Blobs that arrive in small pieces, slowly: the cancel finds a blob read under way.
    deps.blobs = {
      ...blobs,
      async get(key, opts) {
        const got = await blobs.get(key, opts);
        return got && {
          size: got.size,
          body: got.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
            // The first piece at once, then slowly: the second read is surely still waiting when the client cancels.
            async transform(c, ctrl) { for (let i = 0; i < c.length; i += 1000) { if (i > 0) await Bun.sleep(100); ctrl.enqueue(c.subarray(i, i + 1000)); } },
          })),
        };
      },
    };
    const data = randomBytes(20_000, 14);
    const obj = await chunks(data, 10_000);
    for (const range of [undefined, { start: 10, end: data.length - 10 }]) {
      const reader = (await objectBody(deps, obj, range)).getReader();
      expect((await reader.read()).done).toBe(false);
      const pending = reader.read();
      await Bun.sleep(0); // its pull is now waiting on the blob
      await reader.cancel("client gone");
      expect((await pending).done).toBe(true);
      await Bun.sleep(20);
    }
    expect(errors).toEqual([]);
  });

  it("the next chunk's blob is asked for while the current one streams, and a cancel closes it unread", async () => {
    const { deps, blobs, chunks, errors } = setup();
    const asked: string[] = [];
    const cancelled: string[] = [];
    deps.blobs = {
      ...blobs,
      async get(key, opts) {
        asked.push(key);
        const got = await blobs.get(key, opts);
        if (!got) return got;
        const r = got.body.getReader();
        return { size: got.size, body: new ReadableStream<Uint8Array>({
          async pull(c) { const x = await r.read(); if (x.done) c.close(); else c.enqueue(x.value); },
          cancel(why) { cancelled.push(key); return r.cancel(why); },
        }, { highWaterMark: 0 }) };
      },
    };
    const data = randomBytes(300, 21);
    const obj = await chunks(data, 100); // c0 c1 c2
    const reader = (await objectBody(deps, obj)).getReader();
    expect(asked).toEqual(["c0"]); // nothing ahead before the first read
    expect((await reader.read()).done).toBe(false); // c0's bytes (read whole and verified)
    expect(asked).toEqual(["c0", "c1"]); // c1 asked for while c0 streamed; c2 not yet
    await reader.cancel("client gone");
    await Bun.sleep(10);
    expect(cancelled).toEqual(["c1"]); // the blob ahead is closed, unread
    expect(errors).toEqual([]);
    // Read to the end: the same bytes, each chunk asked for once.
    asked.length = 0;
    expect(new Uint8Array(await new Response(await objectBody(deps, obj)).arrayBuffer())).toEqual(data);
    expect(asked).toEqual(["c0", "c1", "c2"]);
  });

  it("a missing chunk midway errors the stream, naming the object", async () => {
    const { deps, blobs, chunks, errors } = setup();
    const obj = await chunks(randomBytes(250, 7), 100);
    await blobs.delete(["c1"]);
    const got = await drain(objectStream(deps, obj));
    expect(got).toMatchObject({ bytes: 100, error: { code: "InternalError" } });
    expect(errors).toEqual([{ msg: "object data missing", fields: expect.objectContaining({ bucket: "bkt", key: "some/key", chunk: obj.manifest[1].hash, blob: "c1" }) }]);
  });

  it("ranges that cover part of a chunk are length-checked only: they do not fail on a good chunk, nor see rot outside them", async () => {
    const { deps, blobs, chunks, errors } = setup();
    const data = randomBytes(250, 9);
    const obj = await chunks(data, 100);
    for (const [s, e] of [[1, 98], [50, 149], [99, 200], [150, 249], [0, 0], [249, 249]]) {
      expect(new Uint8Array(await new Response(objectStream(deps, obj, { start: s, end: e })).arrayBuffer())).toEqual(data.subarray(s, e + 1));
      expect(new Uint8Array(await new Response(await objectBody(deps, obj, { start: s, end: e })).arrayBuffer())).toEqual(data.subarray(s, e + 1));
    }
    // Rot at byte 10 of chunk 1: a read of bytes 50-99 of that chunk cannot tell, and does not fail.
    await blobs.put("c1", flipped(data.subarray(100, 200), 10), { size: 100 });
    expect(new Uint8Array(await new Response(objectStream(deps, obj, { start: 150, end: 249 })).arrayBuffer())).toEqual(data.subarray(150, 250));
    expect(errors).toEqual([]);
    // A range that covers chunk 1 whole does verify it.
    expect((await drain(objectStream(deps, obj, { start: 50, end: 249 }))).error).toMatchObject({ code: "InternalError" });
    expect(errors.map((e) => e.msg)).toEqual(["object data corrupt"]);
  });

  it("works with an asynchronous hasher (as Workers' DigestStream)", async () => {
    const { deps, blobs, chunks } = setup();
    deps.hasher = (alg): Hasher => {
      const h = bunHasher(alg);
      return { update: async (d) => { await Bun.sleep(0); await h.update(d); }, digest: () => h.digest() };
    };
    const data = randomBytes(250, 10);
    const obj = await chunks(data, 100);
    expect(new Uint8Array(await new Response(objectStream(deps, obj)).arrayBuffer())).toEqual(data);
    await blobs.put("c2", flipped(data.subarray(200), 3), { size: 50 });
    expect((await drain(objectStream(deps, obj))).error).toMatchObject({ code: "InternalError" });
  });
});

// The filesystem store records each blob's CRC-32 (fs-blob-store.ts): a whole chunk is checked
// against it instead of its SHA-256; rot on disk (not a put, which records a new one) still ends
// the stream before its last byte, and a blob without the record falls back to SHA-256.
describe("objectBody over the fs store (CRC-32 check)", () => {
  async function fsSetup(size = 3 * 100 * KiB + 17) {
    const env = setup();
    const dir = mkdtempSync(join(tmpdir(), "s3edge-obcrc-"));
    temps.push(dir);
    env.deps.blobs = createFsBlobStore(dir, { fsync: false });
    const sha256 = { n: 0 };
    const hasher = env.deps.hasher;
    env.deps.hasher = (alg) => { if (alg === "sha256") sha256.n++; return hasher(alg); };
    const data = randomBytes(size, 21);
    const obj = await env.chunks(data, 100 * KiB);
    const file = (i: number) => join(dir, `c${i}`.slice(0, 2), `c${i}`);
    return { ...env, data, obj, file, dir, sha256 };
  }
  const flipOnDisk = (path: string, at: number) => { const d = readFileSync(path); d[at] ^= 0x10; writeFileSync(path, d); };

  it("a healthy object is read whole, with no SHA-256 pass; a range too", async () => {
    const { deps, data, obj, errors, sha256 } = await fsSetup();
    expect(new Uint8Array(await new Response(await objectBody(deps, obj)).arrayBuffer())).toEqual(data);
    expect(new Uint8Array(await new Response(await objectBody(deps, obj, { start: 50 * KiB, end: 250 * KiB })).arrayBuffer())).toEqual(data.subarray(50 * KiB, 250 * KiB + 1));
    expect(sha256.n).toBe(0);
    expect(errors).toEqual([]);
  });

  for (const chunk of [0, 1, 3]) {
    it.each([["first", 0], ["last", -1]])(`chunk ${chunk} with a byte flipped on disk (its %s): the stream errors before its end, logged`, async (_n, at) => {
      const { deps, data, obj, errors, file } = await fsSetup();
      const size = obj.manifest[chunk].size;
      flipOnDisk(file(chunk), at < 0 ? size - 1 : at);
      const got = await drain(await objectBody(deps, obj));
      expect(got.error).toMatchObject({ code: "InternalError" });
      expect(got.bytes).toBeLessThan(data.length);
      expect(got.bytes).toBeLessThanOrEqual(chunk * 100 * KiB);
      expect(errors).toEqual([{ msg: "object data corrupt", fields: expect.objectContaining({ key: "some/key", chunk: obj.manifest[chunk].hash, blob: `c${chunk}`, recorded: expect.any(Number), crc32: expect.any(Number) }) }]);
    });
  }

  it("a blob without its checksum record (written before it, or lost) is checked by SHA-256", async () => {
    const { deps, data, obj, errors, file, dir, sha256 } = await fsSetup();
    rmSync(join(dir, ".sum"), { recursive: true });
    expect(new Uint8Array(await new Response(await objectBody(deps, obj)).arrayBuffer())).toEqual(data);
    expect(sha256.n).toBe(obj.manifest.length);
    flipOnDisk(file(1), 5);
    const got = await drain(await objectBody(deps, obj));
    expect(got.error).toMatchObject({ code: "InternalError" });
    expect(errors).toEqual([{ msg: "object data corrupt", fields: expect.objectContaining({ blob: "c1", sha256: expect.any(String) }) }]);
  });

  it("a damaged checksum record is not used: SHA-256 again", async () => {
    const { deps, data, obj, errors, dir, sha256 } = await fsSetup(100 * KiB);
    flipOnDisk(join(dir, ".sum", "c0", "c0"), 12); // the recorded CRC-32 itself
    expect(new Uint8Array(await new Response(await objectBody(deps, obj)).arrayBuffer())).toEqual(data);
    expect(sha256.n).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe("objectBody (GET)", () => {
  it("a single chunk is read whole and verified", async () => {
    const { deps, blobs, chunks, errors } = setup();
    const data = randomBytes(100, 11);
    const obj = await chunks(data, 100);
    expect(new Uint8Array(await new Response(await objectBody(deps, obj)).arrayBuffer())).toEqual(data);
    await blobs.put("c0", flipped(data, 99), { size: 100 });
    const got = await drain(await objectBody(deps, obj));
    // The chunk's only read waits for its digest: nothing of it reaches the client.
    expect(got).toMatchObject({ bytes: 0, error: { code: "InternalError" } });
    expect(errors).toEqual([{ msg: "object data corrupt", fields: expect.objectContaining({ bucket: "bkt", key: "some/key", chunk: obj.manifest[0].hash, blob: "c0" }) }]);
  });

  it.each([
    ["missing", async (blobs: ReturnType<typeof setup>["blobs"]) => { await blobs.delete(["c0"]); }, "object data missing"],
    ["truncated", async (blobs: ReturnType<typeof setup>["blobs"]) => { await blobs.put("c0", new Uint8Array(10), { size: 10 }); }, "object data truncated"],
  ])("a %s first chunk is an InternalError before the response starts, logged with the object", async (_n, damage, msg) => {
    const { deps, blobs, chunks, errors } = setup();
    const obj = await chunks(randomBytes(250, 12), 100);
    await damage(blobs);
    for (const range of [undefined, { start: 5, end: 6 }]) {
      let err: unknown;
      try { await objectBody(deps, obj, range); } catch (e) { err = e; }
      expect(err).toMatchObject({ code: "InternalError" });
    }
    expect(errors).toHaveLength(2);
    expect(errors[0]).toEqual({ msg, fields: expect.objectContaining({ bucket: "bkt", key: "some/key", chunk: obj.manifest[0].hash, blob: "c0" }) });
  });
});

describe("GET of damaged objects through the app", () => {
  it("a damaged chunk midway: 200, then the body errors; HEAD and the listing stay right", async () => {
    const { env, c } = await withBucket();
    const errors: string[] = [];
    env.deps.log = { info() {}, warn() {}, error: (m, f) => { errors.push(`${m} ${JSON.stringify(f)}`); } };
    const data = randomBytes(200 * KiB, 13); // chunks of 64 KiB
    expect((await c.put("bkt", "obj", data)).status).toBe(200);
    const keys = (await env.blobs.list()).keys;
    expect(keys).toHaveLength(4);
    for (const k of keys) { // flip a byte in every chunk: the first one read fails
      const b = await env.blobs.get(k);
      const bytes = new Uint8Array(await new Response(b!.body).arrayBuffer());
      await env.blobs.put(k, flipped(bytes, 0), { size: bytes.length });
    }
    const res = await c.get("bkt", "obj");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(data.length));
    expect((await drain(res.body!)).error).toBeDefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("object data corrupt");
    expect(errors[0]).toContain(`"bucket":"bkt","key":"obj"`);

    await env.blobs.delete(keys);
    const head = await c.head("bkt", "obj");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(data.length));
    const list = await c.xml("/bkt?list-type=2");
    expect(list.ListBucketResult.Contents[0]).toMatchObject({ Key: "obj", Size: String(data.length) });
    const gone = await c.get("bkt", "obj");
    expect(gone.status).toBe(500);
    expect(await errorCode(gone)).toBe("InternalError");
    expect(errors[1]).toContain("object data missing");
    expect(errors[1]).toContain(`"key":"obj"`);
  });
});

const temps: string[] = [];
afterAll(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });
