// The content address of a sealed chunk (crypto.ts sealedAddress: prefix ‖ tag): what it binds,
// chunks addressed by the former rule (SHA-256 of the sealed bytes) still opening, tampered blobs
// refused, scrub passing sealed chunks, and the Bun worker pool (sealing in place, the plaintext
// hashed by the caller) writing the bytes the WebCrypto path writes.
import { afterAll, describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { openChunk, PREFIX, sealChunk, sealedAddress, SEAL_OVERHEAD, TAG } from "../../../src/sse/crypto.ts";
import { inlineChunkCrypto } from "../../../src/sse/chunks.ts";
import { openStoredChunk } from "../../../src/sse/read.ts";
import { checkChunk } from "../../../src/store/scrub.ts";
import { createMemoryBlobStore } from "../../../src/store/memory/blob-store.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";
import { bunAesGcm } from "../../../src/runtime/bun/aes-gcm.ts";
import { createSsePool } from "../../../src/runtime/bun/sse-pool.ts";
import { randomBytes, sha256Hex, withBucket } from "../helpers/s3.ts";

const root = new Uint8Array(32).fill(3);
const sha = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const inline = inlineChunkCrypto({ hasher: bunHasher });
const flip = (b: Uint8Array, i: number) => { const c = b.slice(); c[i] ^= 1; return c; };

describe("sealedAddress", () => {
  const data = randomBytes(5000, 4);

  it("is the hex of prefix ‖ tag, as long as a SHA-256; null when too short to be sealed", async () => {
    const sealed = await sealChunk(root, data, sha(data));
    const a = sealedAddress(sealed)!;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(hex(sealed.subarray(0, PREFIX)) + hex(sealed.subarray(sealed.length - TAG)));
    expect(a).not.toBe(sha256Hex(sealed));
    expect(sealedAddress(new Uint8Array(SEAL_OVERHEAD - 1))).toBeNull();
  });

  it("equal plaintexts under one root share it (dedup); another root or a random prefix does not", async () => {
    const a = sealedAddress(await sealChunk(root, data, sha(data)));
    expect(sealedAddress(await sealChunk(root, data.slice(), sha(data)))).toBe(a);
    expect(sealedAddress(await sealChunk(new Uint8Array(32).fill(4), data, sha(data)))).not.toBe(a);
    const r1 = sealedAddress(await sealChunk(root, data)), r2 = sealedAddress(await sealChunk(root, data));
    expect(r1).not.toBe(r2);
  });
});

describe("opening a chunk against its address", () => {
  const data = randomBytes(70_000, 5);

  it.each([["inline (WebCrypto, Workers)", inline], ["inline (node:crypto)", inlineChunkCrypto({ hasher: bunHasher, aesGcm: bunAesGcm })]])("%s: new and old-scheme addresses open; tampering does not", async (_n, cc) => {
    const sealed = await sealChunk(root, data, sha(data));
    const address = sealedAddress(sealed)!;
    expect(await cc.open(root, sealed.slice(), address)).toEqual({ plain: data });
    // Written before the prefix ‖ tag rule: addressed by the SHA-256 of the sealed bytes.
    expect(await cc.open(root, sealed.slice(), sha256Hex(sealed))).toEqual({ plain: data });
    // Another chunk of the same bucket in its place: another prefix and tag.
    const other = await sealChunk(root, randomBytes(70_000, 6), sha(randomBytes(70_000, 6)));
    expect(await cc.open(root, other, address)).toEqual({ problem: "corrupt" });
    // A changed ciphertext byte keeps the address; the GCM tag refuses it.
    expect(await cc.open(root, flip(sealed, PREFIX + 100), address)).toEqual({ problem: "not decryptable" });
    expect(await cc.open(root, flip(sealed, PREFIX + 100), sha256Hex(sealed))).toEqual({ problem: "corrupt" });
    // A changed prefix or tag is another address.
    expect(await cc.open(root, flip(sealed, 3), address)).toEqual({ problem: "corrupt" });
    expect(await cc.open(root, flip(sealed, sealed.length - 1), address)).toEqual({ problem: "corrupt" });
    // The right blob under another key (a wrong root).
    expect(await cc.open(new Uint8Array(32).fill(9), sealed.slice(), address)).toEqual({ problem: "not decryptable" });
  });

  it("openStoredChunk reads an old-scheme chunk and a new one from the blob store; a damaged one errors", async () => {
    const blobs = createMemoryBlobStore();
    const errors: string[] = [];
    const deps = { blobs, hasher: bunHasher, log: { info() {}, warn() {}, error: (m: string) => { errors.push(m); } } };
    const sealed = await sealChunk(root, data, sha(data));
    await blobs.put("old", sealed, { size: sealed.length });
    await blobs.put("bad", flip(sealed, PREFIX + 5), { size: sealed.length });
    const obj = { manifest: [], size: data.length, bucket: "b", key: "k" };
    expect(await openStoredChunk(deps, obj, root, { hash: sha256Hex(sealed), blob: "old", size: data.length })).toEqual(data);
    expect(await openStoredChunk(deps, obj, root, { hash: sealedAddress(sealed)!, blob: "old", size: data.length })).toEqual(data);
    await expect(openStoredChunk(deps, obj, root, { hash: sealedAddress(sealed)!, blob: "bad", size: data.length })).rejects.toThrow("not decryptable");
    await expect(openStoredChunk(deps, obj, root, { hash: sha256Hex(sealed), blob: "bad", size: data.length })).rejects.toThrow("corrupt");
    expect(errors).toEqual(["encrypted object data not decryptable", "encrypted object data corrupt"]);
  });
});

describe("scrub's checkChunk on sealed chunks", () => {
  /** A blob store answering the blob in pieces of `piece` bytes (the head and tail may straddle them). */
  const pieced = (bytes: Uint8Array, piece: number) => ({
    hasher: bunHasher,
    blobs: {
      ...createMemoryBlobStore(),
      async get() {
        return { size: bytes.length, body: new ReadableStream<Uint8Array>({
          start(c) { for (let o = 0; o < bytes.length; o += piece) c.enqueue(bytes.slice(o, o + piece)); c.close(); },
        }) };
      },
    },
  });

  it.each([1, 5, 16, 17, 1000, 1 << 20])("passes one addressed by prefix ‖ tag or by SHA-256 (pieces of %i bytes); names a swapped, cut or re-tagged one", async (piece) => {
    const data = randomBytes(3000, 7);
    const sealed = await sealChunk(root, data, sha(data));
    const rec = (hash: string) => ({ hash, blob: "b", size: sealed.length });
    expect(await checkChunk(pieced(sealed, piece), rec(sealedAddress(sealed)!))).toBeNull();
    expect(await checkChunk(pieced(sealed, piece), rec(sha256Hex(sealed)))).toBeNull();
    // What scrub cannot see without the key: a changed ciphertext byte under the right ends (a GET reports it).
    expect(await checkChunk(pieced(flip(sealed, 40), piece), rec(sealedAddress(sealed)!))).toBeNull();
    for (const i of [0, PREFIX - 1, sealed.length - TAG, sealed.length - 1]) {
      expect((await checkChunk(pieced(flip(sealed, i), piece), rec(sealedAddress(sealed)!)))?.problem).toBe("corrupt");
    }
    const other = await sealChunk(root, randomBytes(3000, 8), sha(randomBytes(3000, 8)));
    expect((await checkChunk(pieced(other, piece), rec(sealedAddress(sealed)!)))?.problem).toBe("corrupt");
    expect((await checkChunk(pieced(sealed.subarray(0, 2000), piece), rec(sealedAddress(sealed)!)))?.problem).toBe("truncated");
    // A plain chunk's rot is still corrupt (its ends are no address).
    expect((await checkChunk(pieced(flip(data, 0), piece), { hash: sha256Hex(data), blob: "b", size: data.length }))?.problem).toBe("corrupt");
  });
});

describe("the Bun worker pool", () => {
  const pool = createSsePool(2, inlineChunkCrypto({ hasher: bunHasher, aesGcm: bunAesGcm }), 0);
  afterAll(() => pool.close());

  it("seals in place in a buffer with room, as WebCrypto seals, with or without the caller's SHA-256; opens new and old addresses", async () => {
    const data = randomBytes(300_000, 9);
    const want = await sealChunk(root, data, sha(data));
    for (const digest of [sha(data), undefined]) {
      const frame = new Uint8Array(PREFIX + data.length + TAG);
      frame.set(data, PREFIX);
      const got = await pool.seal(root, frame.subarray(PREFIX, PREFIX + data.length), true, digest);
      expect(got).toEqual(want);
      expect(frame.byteLength).toBe(0); // handed to the worker...
      expect(got.buffer.byteLength).toBe(PREFIX + data.length + TAG); // ...and back, sealed in it
    }
    // No room around it: a new buffer.
    expect(await pool.seal(root, data.slice(), true)).toEqual(want);
    expect(await openChunk(root, await pool.seal(root, data.slice(), false))).toEqual(data);
    expect(await pool.open(root, want.slice(), sealedAddress(want)!)).toEqual({ plain: data });
    expect(await pool.open(root, want.slice(), sha256Hex(want))).toEqual({ plain: data });
    expect(await pool.open(root, flip(want, PREFIX + 7), sealedAddress(want)!)).toEqual({ problem: "not decryptable" });
    expect(await pool.open(root, flip(want, 2), sealedAddress(want)!)).toEqual({ problem: "corrupt" });
  });

  it("through the app: multi-chunk SSE-S3 objects round-trip, are addressed by prefix ‖ tag, dedup, and read back whole and by range", async () => {
    const { c, env } = await withBucket("bkt", { kmsSecretKey: { id: "k", key: new Uint8Array(32).fill(7) } });
    env.deps.sseChunks = pool;
    env.deps.aesGcm = bunAesGcm;
    const data = randomBytes(64 * 1024 * 5 + 1234, 10); // six chunks of the unit deps' 64 KiB
    const sse = { "x-amz-server-side-encryption": "AES256" };
    expect((await c.put("bkt", "a", data, sse)).status).toBe(200);
    const rows = await env.deps.meta.countChunks();
    expect(rows).toBe(6);
    expect((await c.put("bkt", "b", data, sse)).status).toBe(200);
    expect(await env.deps.meta.countChunks()).toBe(rows);
    expect(new Uint8Array(await (await c.get("bkt", "b")).arrayBuffer())).toEqual(data);
    const r = await c.get("bkt", "a", { range: "bytes=65000-200000" });
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(data.subarray(65000, 200001));
    for (const ch of (await env.deps.meta.getObject("bkt", "a"))!.manifest!) {
      const blob = await env.blobs.get(ch.blob);
      expect(sealedAddress(new Uint8Array(await new Response(blob!.body).arrayBuffer()))).toBe(ch.hash);
    }
  });
});
