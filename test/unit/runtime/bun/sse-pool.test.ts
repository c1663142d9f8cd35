// The SSE worker pool (src/runtime/bun/sse-pool.ts) writes and reads the same bytes as the
// inline chunk crypto (src/sse/chunks.ts), checks the content address and the GCM tag, and
// falls back to the inline path for small chunks and after close.
import { afterAll, describe, expect, it } from "bun:test";
import { createSsePool } from "../../../../src/runtime/bun/sse-pool.ts";
import { createFramePool, inlineChunkCrypto } from "../../../../src/sse/chunks.ts";
import { openChunk, SEAL_OVERHEAD, sealedAddress } from "../../../../src/sse/crypto.ts";
import { bunHasher } from "../../../../src/runtime/bun/hasher.ts";
import { bunAesGcm } from "../../../../src/runtime/bun/aes-gcm.ts";
import { webAesGcm } from "../../../../src/sse/crypto.ts";
import { withBucket } from "../../helpers/s3.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsBlobStore } from "../../../../src/runtime/bun/fs-blob-store.ts";
import { giveBack } from "../../../../src/runtime/bun/read-buffers.ts";
import { openStoredChunk, sealedStream } from "../../../../src/sse/read.ts";
import { createMemoryBlobStore } from "../../../../src/store/memory/blob-store.ts";

const root = new Uint8Array(32).fill(7);
const inline = inlineChunkCrypto({ hasher: bunHasher, aesGcm: bunAesGcm });
const web = inlineChunkCrypto({ hasher: bunHasher, aesGcm: webAesGcm });
const pool = createSsePool(2, inline, 1024);
afterAll(() => pool.close());

const chunk = (n: number, seed: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 255;
  return b;
};
const hex = (d: Uint8Array) => new Bun.CryptoHasher("sha256").update(d).digest("hex");

describe("createSsePool", () => {
  it("convergent sealing writes exactly what the inline (and the WebCrypto) path writes", async () => {
    const plain = chunk(300 * 1024, 1);
    const viaPool = await pool.seal(root, plain.slice(), true);
    expect(viaPool).toEqual(await inline.seal(root, plain.slice(), true));
    expect(viaPool).toEqual(await web.seal(root, plain.slice(), true));
    expect(viaPool.length).toBe(plain.length + SEAL_OVERHEAD);
    expect(await openChunk(root, viaPool, webAesGcm)).toEqual(plain);
  });

  it("takes the chunk's buffer (transferred, not copied) and still answers for a view into a larger buffer", async () => {
    const own = chunk(64 * 1024, 2);
    await pool.seal(root, own, true);
    expect(own.buffer.byteLength).toBe(0); // handed to the worker
    const big = chunk(1024 * 1024, 3);
    const view = big.subarray(4096, 4096 + 8192);
    const expected = await inline.seal(root, view.slice(), true);
    expect(await pool.seal(root, view, true)).toEqual(expected);
    expect(big.buffer.byteLength).toBe(1024 * 1024); // copied: the rest of the buffer is the caller's
  });

  it("random sealing opens through either path; opening checks the address, then the tag", async () => {
    const plain = chunk(200 * 1024, 4);
    const sealed = await pool.seal(root, plain.slice(), false);
    expect(sealed.subarray(0, 16)).not.toEqual((await pool.seal(root, plain.slice(), false)).subarray(0, 16));
    const addr = hex(sealed);
    expect(await inline.open(root, sealed.slice(), addr)).toEqual({ plain });
    expect(await pool.open(root, sealed.slice(), addr)).toEqual({ plain });
    expect(await pool.open(root, sealed.slice(), "00".repeat(32))).toEqual({ problem: "corrupt" });
    expect(await pool.open(new Uint8Array(32).fill(8), sealed.slice(), addr)).toEqual({ problem: "not decryptable" });
    const changed = sealed.slice();
    changed[100] ^= 1;
    expect(await pool.open(root, changed, hex(changed))).toEqual({ problem: "not decryptable" });
  });

  it("many chunks at once come back each to its own caller", async () => {
    const plains = Array.from({ length: 12 }, (_, i) => chunk(16 * 1024 + i * 1000, 10 + i));
    const sealed = await Promise.all(plains.map((p) => pool.seal(root, p.slice(), true)));
    const opened = await Promise.all(sealed.map((s) => pool.open(root, s.slice(), hex(s))));
    expect(opened).toEqual(plains.map((plain) => ({ plain })));
  });

  it("sealInSteps writes, in order and in place, exactly what seal writes, and answers its address", async () => {
    for (const n of [600 * 1024, 256 * 1024, 5]) {
      const plain = chunk(n, 20 + n);
      const frame = new Uint8Array(SEAL_OVERHEAD + n);
      frame.set(plain, 16);
      const pieces: Uint8Array[] = [];
      let paused = 0;
      const address = await pool.sealInSteps!(root, frame, true, undefined, async (p) => { pieces.push(p.slice()); paused++; await Bun.sleep(0); });
      const expected = await inline.seal(root, plain.slice(), true);
      expect(frame as Uint8Array).toEqual(expected);
      expect(Buffer.concat(pieces)).toEqual(Buffer.from(expected)); // every byte once, prefix first, tag last
      expect(paused).toBe(pieces.length);
      expect(pieces.length).toBe(Math.ceil(n / (256 * 1024)) + 1);
      expect(address).toBe(sealedAddress(expected)!);
      expect(await openChunk(root, frame, webAesGcm)).toEqual(plain);
    }
    const plain = chunk(300 * 1024, 30);
    const frame = new Uint8Array(SEAL_OVERHEAD + plain.length);
    frame.set(plain, 16);
    const sha256 = new Uint8Array(new Bun.CryptoHasher("sha256").update(plain).digest());
    await pool.sealInSteps!(root, frame, true, sha256, () => {});
    expect(frame as Uint8Array).toEqual(await inline.seal(root, plain.slice(), true)); // the caller's digest, the same prefix
    const random = new Uint8Array(SEAL_OVERHEAD + plain.length);
    random.set(plain, 16);
    await pool.sealInSteps!(root, random, false, undefined, () => {});
    expect(random.subarray(0, 16)).not.toEqual(frame.subarray(0, 16));
    expect(await openChunk(root, random, webAesGcm)).toEqual(plain);
  });

  it("small chunks and a closed pool use the inline path", async () => {
    const small = chunk(100, 5);
    const s = await pool.seal(root, small, true);
    expect(small.buffer.byteLength).toBe(100); // not transferred
    expect(s).toEqual(await inline.seal(root, small.slice(), true));
    const closed = createSsePool(1, inline, 1);
    closed.close();
    const plain = chunk(4096, 6);
    expect(await closed.seal(root, plain.slice(), true)).toEqual(await inline.seal(root, plain.slice(), true));
  });
});

describe("the pool behind the app (Deps.sseChunks)", () => {
  it("SSE-S3 round-trips with ranges across chunks, and seals what the inline path seals (they dedup)", async () => {
    const { c, env } = await withBucket("bkt", { kmsSecretKey: { id: "test-key", key: new Uint8Array(32).fill(7) } });
    env.deps.sseChunks = pool;
    const data = chunk(200 * 1024, 9); // 64 KiB chunks in the unit deps: 4 chunks through the workers
    const SSE = { "x-amz-server-side-encryption": "AES256" };
    expect((await c.put("bkt", "a", data, SSE)).status).toBe(200);
    expect(new Uint8Array(await (await c.get("bkt", "a")).arrayBuffer())).toEqual(data);
    for (const [s, e] of [[0, 0], [65_530, 65_545], [100, 150_000], [data.length - 10, data.length - 1]]) {
      const r = await c.get("bkt", "a", { range: `bytes=${s}-${e}` });
      expect(r.status).toBe(206);
      expect(new Uint8Array(await r.arrayBuffer())).toEqual(data.subarray(s, e + 1));
    }
    const chunks = await env.deps.meta.countChunks();
    env.deps.sseChunks = undefined; // inline: the same sealed bytes, so nothing new is stored
    expect((await c.put("bkt", "b", data, SSE)).status).toBe(200);
    expect(await env.deps.meta.countChunks()).toBe(chunks);
    expect(new Uint8Array(await (await c.get("bkt", "b")).arrayBuffer())).toEqual(data);
  });

  it("chunks sealed in steps into their blobs dedup with whole-sealed ones (the extra blob deleted) and hold no plaintext", async () => {
    const { c, env } = await withBucket("bkt", { kmsSecretKey: { id: "test-key", key: new Uint8Array(32).fill(7) } });
    const data = new Uint8Array(260 * 1024); // four different full 64 KiB chunks (sealed in steps) and a 4 KiB tail (whole)
    for (let o = 0; o < data.length; o += 65536) crypto.getRandomValues(data.subarray(o, o + 65536));
    const SSE = { "x-amz-server-side-encryption": "AES256" };
    expect((await c.put("bkt", "inline", data, SSE)).status).toBe(200); // no pool: sealed whole, inline
    const blobs = async () => (await env.deps.blobs.list()).keys.sort();
    const before = { chunks: await env.deps.meta.countChunks(), blobs: await blobs() };
    let steps = 0;
    env.deps.sseChunks = { ...pool, sealInSteps: (...a) => { steps++; return pool.sealInSteps!(...a); } };
    expect((await c.put("bkt", "steps", data, SSE)).status).toBe(200);
    expect(steps).toBe(4);
    expect(await env.deps.meta.countChunks()).toBe(before.chunks);
    expect(await blobs()).toEqual(before.blobs); // the streamed copies were deleted, the first kept
    expect((await c.put("bkt", "other", data.map((b) => b ^ 1), SSE)).status).toBe(200);
    const all = await blobs();
    expect(all.length).toBe(before.blobs.length + 5);
    for (const k of ["steps", "other", "inline"]) {
      const want = k === "other" ? data.map((b) => b ^ 1) : data;
      expect(new Uint8Array(await (await c.get("bkt", k)).arrayBuffer())).toEqual(want);
      const r = await c.get("bkt", k, { range: "bytes=65530-200000" });
      expect(new Uint8Array(await r.arrayBuffer())).toEqual(want.subarray(65530, 200001));
    }
    const window = (d: Uint8Array, at: number) => Buffer.from(d.subarray(at, at + 32));
    for (const k of all) {
      const got = await env.deps.blobs.get(k);
      const stored = Buffer.from(await new Response(got!.body).arrayBuffer());
      for (const at of [0, 70_000, 140_000, 250_000]) {
        expect(stored.includes(window(data, at))).toBe(false);
        expect(stored.includes(window(data.map((b) => b ^ 1), at))).toBe(false);
      }
    }
    // Concurrent writes share the pool's frames (chunks.ts FramePool): each gets its own bytes back.
    env.deps.sseChunks = pool;
    const bodies = Array.from({ length: 4 }, (_, i) => data.map((b) => b ^ (i + 2)));
    expect((await Promise.all(bodies.map((b, i) => c.put("bkt", `c${i}`, b, SSE)))).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const [i, b] of bodies.entries()) expect(new Uint8Array(await (await c.get("bkt", `c${i}`)).arrayBuffer())).toEqual(b);
    env.deps.sseChunks = undefined;
  });

  it("the frame pool lends a kept buffer of the asked size once, and keeps no view, detached buffer or excess", () => {
    const frames = createFramePool(3 * 1024);
    const a = new Uint8Array(1024), b = new Uint8Array(1024);
    frames.give(a);
    frames.give(a); // once
    frames.give(b);
    frames.give(new Uint8Array(2048)); // over the budget
    frames.give(new Uint8Array(4096).subarray(0, 1024)); // a view
    expect(frames.take(2048)).toBeUndefined();
    expect(frames.take(1024)).toBe(a);
    expect(frames.take(1024)).toBe(b);
    expect(frames.take(1024)).toBeUndefined();
  });
});

describe("openStream: an SSE GET's chunks on Bun (read into kept buffers, opened in a worker)", () => {
  const dir = mkdtempSync(join(tmpdir(), "s3edge-sse-open-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const blobs = createFsBlobStore(dir, { fsync: false });
  const errors: string[] = [];
  const deps = { blobs, hasher: bunHasher, aesGcm: bunAesGcm, sseChunks: pool, log: { info() {}, warn() {}, error: (m: string) => { errors.push(m); } } };
  const obj = { manifest: [], size: 0, bucket: "b", key: "k" };
  const flip = (b: Uint8Array, i: number) => { const c = b.slice(); c[i] ^= 1; return c; };
  const store = async (name: string, plain: Uint8Array) => {
    const sealed = await inline.seal(root, plain.slice(), true);
    await blobs.put(name, sealed, { size: sealed.length });
    return { sealed, ref: { hash: sealedAddress(sealed)!, blob: name, size: plain.length } };
  };

  it("opens new and old-scheme addresses; a tampered, swapped, cut or missing blob is refused and logged, no plaintext answered", async () => {
    const plain = chunk(300 * 1024, 40);
    const { sealed, ref } = await store("good", plain);
    expect(await openStoredChunk(deps, obj, root, ref)).toEqual(plain);
    expect(await openStoredChunk(deps, obj, root, { ...ref, hash: hex(sealed) })).toEqual(plain); // addressed by the former rule
    await blobs.put("ct", flip(sealed, 16 + 1000), { size: sealed.length });
    await blobs.put("prefix", flip(sealed, 3), { size: sealed.length });
    await blobs.put("tag", flip(sealed, sealed.length - 1), { size: sealed.length });
    await blobs.put("cut", sealed.subarray(0, sealed.length - 1), { size: sealed.length - 1 });
    const other = await store("other", chunk(300 * 1024, 41));
    errors.length = 0;
    await expect(openStoredChunk(deps, obj, root, { ...ref, blob: "ct" })).rejects.toThrow("not decryptable");
    await expect(openStoredChunk(deps, obj, root, { ...ref, blob: "prefix" })).rejects.toThrow("corrupt");
    await expect(openStoredChunk(deps, obj, root, { ...ref, blob: "tag" })).rejects.toThrow("corrupt");
    await expect(openStoredChunk(deps, obj, root, { ...ref, blob: other.ref.blob })).rejects.toThrow("corrupt");
    await expect(openStoredChunk(deps, obj, root, { ...ref, blob: "cut" })).rejects.toThrow("truncated");
    await expect(openStoredChunk(deps, obj, root, { ...ref, blob: "gone" })).rejects.toThrow("missing");
    await expect(openStoredChunk(deps, obj, new Uint8Array(32).fill(9), ref)).rejects.toThrow("not decryptable"); // another key
    expect(errors).toEqual(["not decryptable", "corrupt", "corrupt", "corrupt", "truncated", "missing", "not decryptable"].map((p) => `encrypted object data ${p}`));
    // A small chunk (opened on this thread) and a store that ignores `into` (pieces copied) open the same.
    const small = chunk(500, 42);
    const s = await store("small", small);
    expect(await openStoredChunk(deps, obj, root, s.ref)).toEqual(small);
    const mem = createMemoryBlobStore();
    await mem.put("good", sealed, { size: sealed.length });
    expect(await openStoredChunk({ ...deps, blobs: mem }, obj, root, ref)).toEqual(plain);
  });

  it("an opened chunk's buffer is lent again only once given back (as the socket does), never while a stream holds it", async () => {
    const a = chunk(200 * 1024, 43), b = chunk(200 * 1024, 44);
    const [ra, rb] = [await store("a", a), await store("b", b)];
    const pa = await openStoredChunk(deps, obj, root, ra.ref);
    const pb = await openStoredChunk(deps, obj, root, rb.ref);
    expect(pa.buffer).not.toBe(pb.buffer);
    expect(pa).toEqual(a); // b opened meanwhile: a is untouched
    expect(pa.buffer.byteLength).toBeGreaterThan(0); // still a's: not lent to b's read
    giveBack(pa);
    const again = await openStoredChunk(deps, obj, root, rb.ref);
    expect(pa.buffer.byteLength).toBe(0); // lent to this read, gone to the worker with it
    expect(again).toEqual(b);
    expect(pb).toEqual(b);
  });

  it("concurrent streams of multi-chunk objects, whole and by range across chunk boundaries, each read their own bytes while their pieces are given back", async () => {
    const size = 100 * 1024;
    const objects = await Promise.all(Array.from({ length: 4 }, async (_, i) => {
      const data = chunk(size * 3 + 777, 50 + i);
      const manifest = [];
      for (let o = 0, k = 0; o < data.length; o += size, k++) manifest.push((await store(`o${i}-${k}`, data.subarray(o, o + size))).ref);
      return { data, rec: { manifest, size: data.length, bucket: "b", key: `o${i}` } };
    }));
    const ranges = [undefined, { start: size - 5, end: size + 5 }, { start: 1, end: 2 * size + 100 }, { start: 3 * size, end: 3 * size + 776 }];
    const read = async (i: number, r: { start: number; end: number } | undefined) => {
      const reader = sealedStream(deps, objects[i]!.rec, root, r).getReader();
      const got: Uint8Array[] = [];
      for (;;) {
        const x = await reader.read();
        if (x.done) break;
        got.push(x.value.slice());
        await Bun.sleep(0); // the other streams open their chunks meanwhile
        giveBack(x.value); // as the HTTP/1.1 server does once the socket took it
      }
      const want = objects[i]!.data.subarray(r?.start ?? 0, r ? r.end + 1 : undefined);
      expect(Buffer.concat(got)).toEqual(Buffer.from(want));
    };
    for (let round = 0; round < 3; round++) await Promise.all(objects.flatMap((_, i) => ranges.map((r) => read(i, r))));
  });
});
