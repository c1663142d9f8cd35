// Content-addressed chunks: dedup across and within objects, and failed uploads leave nothing
// that survives GC.
import { describe, expect, it } from "bun:test";
import { collectGarbage } from "../../../src/store/gc.ts";
import { ingest } from "../../../src/s3/ingest.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, KiB, md5B64, md5Hex, randomBytes, sha256Hex, withBucket } from "../helpers/s3.ts";

const CONTENT = randomBytes(300 * KiB, 300); // 4 full chunks + 44 KiB


/** After GC, neither a blob nor a chunk row of a failed upload is left. */
async function expectNothingAfterGc(deps: ReturnType<typeof memoryDeps>["deps"], blobs: ReturnType<typeof memoryDeps>["blobs"]) {
  await collectGarbage(deps);
  expect(blobs.size()).toBe(0);
  expect(await deps.meta.countChunks()).toBe(0);
}
describe("dedup", () => {
  it("the same 300 KiB under two keys is stored once; GC after deleting both removes everything", async () => {
    const { env, c } = await withBucket();
    expect((await c.put("bkt", "one", CONTENT)).status).toBe(200);
    expect(env.blobs.size()).toBe(5);
    expect((await c.put("bkt", "two", CONTENT)).status).toBe(200);
    expect(env.blobs.size()).toBe(5);
    expect(await env.deps.meta.countChunks()).toBe(5);

    await c.del("bkt", "one");
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(5); // still referenced by "two"
    expect(await c.bytes("bkt", "two")).toEqual(CONTENT);

    await c.del("bkt", "two");
    expect(await collectGarbage(env.deps)).toBe(5);
    expect(env.blobs.size()).toBe(0);
    expect(await env.deps.meta.countChunks()).toBe(0);
  });

  it("repeated chunks inside one object are stored once", async () => {
    const { env, c } = await withBucket();
    const chunk = randomBytes(64 * KiB, 1);
    const data = new Uint8Array(4 * 64 * KiB);
    for (let i = 0; i < 4; i++) data.set(chunk, i * 64 * KiB);
    await c.put("bkt", "k", data);
    expect(env.blobs.size()).toBe(1);
    expect(await c.bytes("bkt", "k")).toEqual(data);
  });

  it("a shared prefix dedups only the identical chunks", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "a", CONTENT);
    const b = CONTENT.slice();
    b[b.length - 1] ^= 0xff; // only the last chunk differs
    await c.put("bkt", "b", b);
    expect(env.blobs.size()).toBe(6);
  });

  it("overwriting releases the old version's chunks to GC", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", CONTENT);
    await c.put("bkt", "k", randomBytes(130 * KiB, 2));
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(3);
    expect(await env.deps.meta.countChunks()).toBe(3);
  });

  it("completing a multipart upload over an object releases the old object's chunks", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", CONTENT);
    const id = await c.createUpload("bkt", "k");
    const etag = await c.uploadPart("bkt", "k", id, 1, randomBytes(100 * KiB, 5));
    expect((await c.complete("bkt", "k", id, [{ n: 1, etag }])).status).toBe(200);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(2);
  });

  it("dedup survives GC of an unrelated object", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "a", CONTENT);
    await c.put("bkt", "b", randomBytes(100 * KiB, 3));
    await c.del("bkt", "b");
    await collectGarbage(env.deps);
    await c.put("bkt", "c", CONTENT);
    expect(env.blobs.size()).toBe(5);
    expect(await c.bytes("bkt", "c")).toEqual(CONTENT);
  });
});

describe("failed uploads leave no visible object and, after GC, no chunk", () => {
  it.each([
    ["BadDigest (wrong Content-MD5)", { headers: { "content-md5": md5B64("not it") } }, "BadDigest"],
    ["IncompleteBody (body shorter than Content-Length)", { contentLength: String(CONTENT.length + 10_000) }, "IncompleteBody"],
    ["XAmzContentSHA256Mismatch", { headers: { "x-amz-content-sha256": sha256Hex("not it") } }, "XAmzContentSHA256Mismatch"],
  ])("%s", async (_name, opts, code) => {
    const { env, c } = await withBucket();
    const res = await c.send("/bkt/k", { method: "PUT", body: CONTENT, ...opts });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe(code);
    expect((await c.get("bkt", "k")).status).toBe(404);
    expect((await c.xml("/bkt?list-type=2")).ListBucketResult.KeyCount).toBe("0");
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(0);
    expect(await env.deps.meta.countChunks()).toBe(0);
  });

  it("a failed overwrite keeps the old object and its chunks", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", CONTENT);
    const res = await c.send("/bkt/k", { method: "PUT", body: randomBytes(200 * KiB, 9), headers: { "content-md5": md5B64("x") } });
    expect(res.status).toBe(400);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(5);
    expect(await c.bytes("bkt", "k")).toEqual(CONTENT);
  });

  it("a failed upload does not take away chunks it shares with a stored object", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "a", CONTENT);
    const res = await c.send("/bkt/b", { method: "PUT", body: CONTENT, headers: { "content-md5": md5B64("x") } });
    expect(res.status).toBe(400);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(5);
    expect(await c.bytes("bkt", "a")).toEqual(CONTENT);
  });

  it("an upload whose pinned chunks were collected (session older than sessionTtlMs) is not PreconditionFailed", async () => {
    // A PUT slower than sessionTtlMs loses its pins to GC; the commit then finds chunks missing.
    // The client sent no precondition, so 412 would be a lie; S3 answers such internal
    // failures with a retryable InternalError (500).
    const { env, c } = await withBucket();
    const meta = env.deps.meta;
    const commit = meta.putObject.bind(meta);
    meta.putObject = async (obj, opts) => {
      env.setNow(env.deps.clock.now() + env.deps.config.sessionTtlMs + 1000);
      await collectGarbage(env.deps);
      return commit(obj, opts);
    };
    const res = await c.put("bkt", "k", CONTENT);
    const code = await errorCode(res);
    if (res.status === 200) expect(await c.bytes("bkt", "k")).toEqual(CONTENT);
    else expect({ status: res.status, code }).toEqual({ status: 500, code: "InternalError" });
  });

  it("PUT If-None-Match:* that loses stores nothing", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", "first");
    const res = await c.put("bkt", "k", CONTENT, { "if-none-match": "*" });
    expect(res.status).toBe(412);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(0);
    expect(await (await c.get("bkt", "k")).text()).toBe("first");
  });
});

/** A body delivered in reads of `piece` bytes. */
const pieces = (data: Uint8Array, piece: number) => {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (off >= data.length) { ctl.close(); return; }
      ctl.enqueue(data.slice(off, off + piece));
      off += piece;
    },
  });
};

describe("ingest", () => {

  it.each([1000, 64 * KiB, 100_000])("cuts chunkSize pieces whatever the read size (%i)", async (piece) => {
    const { deps } = memoryDeps();
    const out = await ingest(deps, pieces(CONTENT, piece), { bucket: "b", expectedSize: CONTENT.length, maxSize: 1e9, allowInline: true });
    expect(out.md5Hex).toBe(md5Hex(CONTENT));
    expect(out.size).toBe(CONTENT.length);
    expect(out.inline).toBeUndefined();
    expect(out.manifest!.map((c) => c.size)).toEqual([65536, 65536, 65536, 65536, 44 * KiB]);
    expect(out.manifest!.map((c) => c.hash)).toEqual([0, 1, 2, 3, 4].map((i) => sha256Hex(CONTENT.subarray(i * 65536, (i + 1) * 65536))));
  });

  it("without a declared size, small bodies still go inline", async () => {
    const { deps } = memoryDeps();
    const data = randomBytes(500, 1);
    const out = await ingest(deps, pieces(data, 7), { bucket: "b", maxSize: 1e9, allowInline: true });
    expect(out.inline).toEqual(data);
    expect(out.manifest).toBeUndefined();
  });

  it("allowInline:false (parts) stores even tiny bodies as chunks", async () => {
    const { deps, blobs } = memoryDeps();
    const out = await ingest(deps, pieces(randomBytes(10, 1), 10), { bucket: "b", expectedSize: 10, maxSize: 1e9, allowInline: false });
    expect(out.manifest).toHaveLength(1);
    expect(blobs.size()).toBe(1);
  });

  it("more than maxSize is EntityTooLarge", async () => {
    const { deps } = memoryDeps();
    await expect(ingest(deps, pieces(CONTENT, 4096), { bucket: "b", maxSize: 100 * KiB, allowInline: true })).rejects.toMatchObject({ code: "EntityTooLarge" });
  });
});

describe("ingest with a declared size streams each chunk into its blob", () => {
  const opts = (size: number) => ({ bucket: "b", expectedSize: size, maxSize: 1e9, allowInline: true });

  it("puts streams of the chunk size while the body is still being read, never a whole buffer", async () => {
    const { deps } = memoryDeps();
    const puts: { size: number; stream: boolean; readBefore: number }[] = [];
    let read = 0;
    const inner = deps.blobs.put.bind(deps.blobs);
    deps.blobs.put = (key, body, o) => {
      puts.push({ size: o.size, stream: !(body instanceof Uint8Array), readBefore: read });
      return inner(key, body, o);
    };
    const src = pieces(CONTENT, 100_000); // (reads under 64 KiB would be gathered first)
    const counted = src.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(c, ctl) { read += c.length; ctl.enqueue(c); } }));
    const out = await ingest(deps, counted, opts(CONTENT.length));
    expect(puts.map((p) => p.size)).toEqual([65536, 65536, 65536, 65536, 44 * KiB]);
    expect(puts.every((p) => p.stream)).toBe(true);
    // Chunk k's put starts before the body is read past it (no chunk-sized buffering first).
    puts.forEach((p, k) => expect(p.readBefore).toBeLessThanOrEqual(k * 65536 + 100_000));
    expect(out.md5Hex).toBe(md5Hex(CONTENT));
  });

  it("identical content uploaded at the same time is stored once (the later copy is deleted)", async () => {
    const { deps, blobs } = memoryDeps();
    const [a, b] = await Promise.all([ingest(deps, pieces(CONTENT, 7_000), opts(CONTENT.length)), ingest(deps, pieces(CONTENT, 9_000), opts(CONTENT.length))]);
    expect(a.manifest!.map((c) => c.blob)).toEqual(b.manifest!.map((c) => c.blob));
    expect(blobs.size()).toBe(5);
    expect(await deps.meta.countChunks()).toBe(5);
  });

  it("a body cut short mid-chunk stores nothing that survives GC", async () => {
    const { deps, blobs } = memoryDeps();
    const short = CONTENT.subarray(0, 150 * KiB);
    await expect(ingest(deps, pieces(short, 10_000), opts(CONTENT.length))).rejects.toMatchObject({ code: "IncompleteBody" });
    await expectNothingAfterGc(deps, blobs);
  });

  it("a failing blob put fails the upload and leaves nothing after GC", async () => {
    const { deps, blobs } = memoryDeps();
    const inner = deps.blobs.put.bind(deps.blobs);
    let n = 0;
    deps.blobs.put = async (key, body, o) => {
      if (++n === 3) { await (body as ReadableStream).cancel(); throw new Error("disk full"); }
      return inner(key, body, o);
    };
    await expect(ingest(deps, pieces(CONTENT, 10_000), opts(CONTENT.length))).rejects.toThrow("disk full");
    await expectNothingAfterGc(deps, blobs);
  });

  it("a chunk whose registration fails does not leak its blob", async () => {
    const { deps, blobs } = memoryDeps();
    const inner = deps.meta.registerChunk.bind(deps.meta);
    let n = 0;
    deps.meta.registerChunk = async (...a) => {
      if (++n === 2) throw new Error("metadata unavailable");
      return inner(...a);
    };
    await expect(ingest(deps, pieces(CONTENT, 10_000), opts(CONTENT.length))).rejects.toThrow("metadata unavailable");
    await collectGarbage(deps);
    expect(blobs.size()).toBe(0);
  });

  it("small reads are gathered without changing the result", async () => {
    const { deps } = memoryDeps();
    const out = await ingest(deps, pieces(CONTENT, 100), opts(CONTENT.length));
    expect(out.md5Hex).toBe(md5Hex(CONTENT));
    expect(out.manifest!.map((c) => c.hash)).toEqual([0, 1, 2, 3, 4].map((i) => sha256Hex(CONTENT.subarray(i * 65536, (i + 1) * 65536))));
  });
});
