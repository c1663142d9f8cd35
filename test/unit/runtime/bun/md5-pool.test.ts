import { afterAll, describe, expect, it } from "bun:test";
import { createMd5Pool } from "../../../../src/runtime/bun/md5-pool.ts";
import { collectGarbage } from "../../../../src/store/gc.ts";
import { md5Hex, MiB, randomBytes, withBucket } from "../../helpers/s3.ts";

const pool = createMd5Pool(2);
// Tiny staging buffers, so a few KiB already keep both buffers at the worker (backpressure).
const tiny = createMd5Pool(1, 1024);
afterAll(() => { pool.close(); tiny.close(); });

describe("off-thread MD5 pool", () => {
  it("starts its worker threads at the first hasher, not before (idle RSS)", async () => {
    const RealWorker = globalThis.Worker;
    let started = 0;
    globalThis.Worker = class extends RealWorker { constructor(...a: ConstructorParameters<typeof Worker>) { super(...a); started++; } };
    const lazy = createMd5Pool(2);
    try {
      expect(started).toBe(0);
      const h = lazy.hasher();
      await h.update(new Uint8Array(10).fill(1));
      expect(Buffer.from(await h.digest()).toString("hex")).toBe(md5Hex(new Uint8Array(10).fill(1)));
      lazy.hasher().dispose?.();
      expect(started).toBe(2); // once, for both hashers
    } finally {
      globalThis.Worker = RealWorker;
      lazy.close();
    }
  });

  it("hashes pieces in order, per hasher, concurrently", async () => {
    const a = randomBytes(3 * MiB + 17, 1);
    const b = randomBytes(2 * MiB + 5, 2);
    const ha = pool.hasher();
    const hb = pool.hasher();
    await Promise.all([ha.update(a.subarray(0, MiB)), hb.update(b.subarray(0, 7))]);
    await Promise.all([ha.update(a.subarray(MiB)), hb.update(b.subarray(7))]);
    const [da, db] = await Promise.all([ha.digest(), hb.digest()]);
    expect(Buffer.from(da).toString("hex")).toBe(md5Hex(a));
    expect(Buffer.from(db).toString("hex")).toBe(md5Hex(b));
  });

  it("copies on update: the caller may reuse its buffer as soon as update() returns or resolves", async () => {
    const data = randomBytes(300_000, 4);
    const h = tiny.hasher();
    const scratch = new Uint8Array(7_000);
    for (let off = 0; off < data.length; off += scratch.length) {
      const n = Math.min(scratch.length, data.length - off);
      scratch.set(data.subarray(off, off + n));
      await h.update(scratch.subarray(0, n));
      scratch.fill(0xee); // would corrupt the digest if the pool still read from it
    }
    expect(Buffer.from(await h.digest()).toString("hex")).toBe(md5Hex(data));
  });

  it("keeps order when updates are not awaited (queued behind a waiting one)", async () => {
    const data = randomBytes(50_000, 5);
    const h = tiny.hasher();
    const pending: (void | Promise<void>)[] = [];
    for (let off = 0; off < data.length; off += 3_333) pending.push(h.update(data.slice(off, off + 3_333)));
    expect(pending.some((p) => p instanceof Promise)).toBe(true);
    expect(Buffer.from(await h.digest()).toString("hex")).toBe(md5Hex(data));
  });

  it("an empty body and a disposed hasher leave the pool usable", async () => {
    const empty = tiny.hasher();
    expect(Buffer.from(await empty.digest()).toString("hex")).toBe(md5Hex(new Uint8Array()));
    const dropped = tiny.hasher();
    await dropped.update(randomBytes(5_000, 6));
    dropped.dispose?.();
    const h = tiny.hasher();
    const data = randomBytes(4_097, 7);
    await h.update(data);
    expect(Buffer.from(await h.digest()).toString("hex")).toBe(md5Hex(data));
  });

  it("gives the ETag of large PUTs and parts when wired into deps", async () => {
    const { env, c, bucket } = await withBucket("bkt");
    env.deps.bulkMd5 = pool.hasher;
    const body = randomBytes(5 * MiB + 123, 9);
    const res = await c.put(bucket, "big", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${md5Hex(body)}"`);
    expect(md5Hex(await c.bytes(bucket, "big"))).toBe(md5Hex(body));
  });

  it("a failed large upload (bad Content-MD5) leaves nothing after GC", async () => {
    const { env, c, bucket } = await withBucket("bkt");
    env.deps.bulkMd5 = pool.hasher;
    const body = randomBytes(2 * MiB, 3);
    const res = await c.put(bucket, "bad", body, { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" });
    expect(res.status).toBe(400);
    expect((await c.head(bucket, "bad")).status).toBe(404);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(0);
    expect(await env.deps.meta.countChunks()).toBe(0);
  });
});
