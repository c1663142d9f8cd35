import { afterAll, describe, expect, it } from "bun:test";
import { createMd5Pool } from "../../../../src/runtime/bun/md5-pool.ts";
import { collectGarbage } from "../../../../src/store/gc.ts";
import { md5Hex, MiB, randomBytes, withBucket } from "../../helpers/s3.ts";

const pool = createMd5Pool(2);
afterAll(() => pool.close());

describe("off-thread MD5 pool", () => {
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
