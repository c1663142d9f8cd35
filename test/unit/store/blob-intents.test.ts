// Blobs are written under random ids before their hash is known (ingest.ts). A blob whose
// session ends without registering it (a crash between put and registration, a dedup loser whose
// delete failed) is deleted by GC, never leaked; registered blobs are never touched.
import { describe, expect, it } from "bun:test";
import type { MetaStore } from "../../../src/store/types.ts";
import { collectGarbage } from "../../../src/store/gc.ts";
import { ingest, storeChunk } from "../../../src/s3/ingest.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { md5Hex, randomBytes, s3, withBucket } from "../helpers/s3.ts";

/** memoryDeps with bucket "b" (a sharded store collects garbage in the shards of listed buckets). */
async function setup(config: Parameters<typeof memoryDeps>[0], sharded: boolean) {
  const env = memoryDeps(config, { sharded });
  await env.deps.meta.createBucket({ name: "b", owner: "o", region: "us-east-1", created: 0 });
  return env;
}

for (const sharded of [false, true]) {
  describe(`blob intents (${sharded ? "sharded" : "single"} MetaStore)`, () => {
    it("a blob put but never registered is deleted once its session goes stale, not before", async () => {
      const { deps, blobs, setNow } = await setup({ sessionTtlMs: 60_000 }, sharded);
      const t = deps.clock.now();
      await deps.meta.intendBlob("b/crashed", "orphan-1");
      await deps.blobs.put("orphan-1", randomBytes(500, 1), { size: 500 });
      expect(await collectGarbage(deps)).toBe(0);
      expect(await blobs.head("orphan-1")).toEqual({ size: 500 });
      setNow(t + 61_000);
      expect(await collectGarbage(deps)).toBe(1);
      expect(await blobs.head("orphan-1")).toBeNull();
      expect(await collectGarbage(deps)).toBe(0); // the intent went with it
    });

    it("an ingest abandoned between a blob's put and its registration (a crash) leaks nothing", async () => {
      const { deps, blobs, setNow } = await setup({ sessionTtlMs: 60_000, chunkSize: 64 * 1024 }, sharded);
      const t = deps.clock.now();
      // Registration never answers: the process "dies" with blobs written and unregistered.
      const real = deps.meta;
      deps.meta = { ...real, registerChunk: () => new Promise<string>(() => {}) } as MetaStore;
      const data = randomBytes(200 * 1024, 2);
      void ingest(deps, new Response(data).body, { bucket: "b", expectedSize: data.length, maxSize: 1e9, allowInline: false });
      for (let i = 0; i < 100 && blobs.size() < 2; i++) await Bun.sleep(5);
      expect(blobs.size()).toBeGreaterThanOrEqual(2); // the first chunk, and the next one written meanwhile
      deps.meta = real;
      expect(await collectGarbage(deps)).toBe(0); // the session may still be live
      setNow(t + 61_000);
      await collectGarbage(deps);
      expect(blobs.size()).toBe(0);
      expect(await deps.meta.countChunks()).toBe(0);
    });

    it("a dedup loser's blob is collected with its session even if its writer never deleted it", async () => {
      const { deps, blobs } = await setup({}, sharded);
      await deps.meta.intendBlob("b/s1", "first");
      await deps.blobs.put("first", randomBytes(10, 3), { size: 10 });
      expect(await deps.meta.registerChunk("b/s1", "h".repeat(64), "first", 10)).toBe("first");
      await deps.meta.intendBlob("b/s2", "second");
      await deps.blobs.put("second", randomBytes(10, 3), { size: 10 });
      expect(await deps.meta.registerChunk("b/s2", "h".repeat(64), "second", 10)).toBe("first");
      await deps.meta.releaseSession("b/s2");
      expect(await collectGarbage(deps)).toBe(1); // "second"; "first" is still pinned by s1
      expect(await blobs.head("second")).toBeNull();
      expect(await blobs.head("first")).toEqual({ size: 10 });
    });

    it("a failed delete of a duplicate does not fail the write; GC deletes the duplicate later", async () => {
      const { deps, blobs } = await setup({}, sharded);
      const data = randomBytes(700, 6);
      // Both writers miss each other's chunk at acquire time and race to register.
      const realAcquire = deps.meta.acquireChunk.bind(deps.meta);
      deps.meta = { ...deps.meta, acquireChunk: async () => null } as MetaStore;
      const a = await storeChunk(deps, "b/s1", data);
      const realDelete = blobs.delete.bind(blobs);
      deps.blobs = { ...blobs, delete: async () => { throw new Error("storage unavailable"); } };
      const b = await storeChunk(deps, "b/s2", data);
      expect(b.blob).toBe(a.blob);
      expect(blobs.size()).toBe(2); // the duplicate is still there
      deps.blobs = { ...blobs, delete: realDelete };
      deps.meta = { ...deps.meta, acquireChunk: realAcquire } as MetaStore;
      await deps.meta.releaseSession("b/s2");
      expect(await collectGarbage(deps)).toBe(1);
      expect(blobs.size()).toBe(1);
      expect(await blobs.head(a.blob)).toEqual({ size: 700 });
    });

    it("objects written normally keep every blob through GC, also after their sessions would be stale", async () => {
      const { env, c, bucket } = await withBucket("bkt", { sessionTtlMs: 60_000, chunkSize: 64 * 1024 }, { sharded });
      const data = randomBytes(300 * 1024, 4);
      expect((await c.put(bucket, "big", data)).status).toBe(200);
      const uploadId = await c.createUpload(bucket, "mp");
      const part = randomBytes(150 * 1024, 5);
      const etag = await c.uploadPart(bucket, "mp", uploadId, 1, part);
      expect((await c.complete(bucket, "mp", uploadId, [{ n: 1, etag }])).status).toBe(200);
      const before = env.blobs.size();
      env.setNow(env.deps.clock.now() + 61_000);
      expect(await collectGarbage(env.deps)).toBe(0);
      expect(env.blobs.size()).toBe(before);
      expect(md5Hex(await c.bytes(bucket, "big"))).toBe(md5Hex(data));
      expect(md5Hex(await s3(env).bytes(bucket, "mp"))).toBe(md5Hex(part));
    });
  });
}
