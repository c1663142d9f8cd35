// The bucket-sharded MetaStore (Workers' shape: a catalog plus one store per bucket), driven
// through the app: bucket lifecycle keeps catalog and shards in step, and copies between
// buckets carry their data because a shard never references another shard's blobs.
import { describe, expect, it } from "bun:test";
import { collectGarbage } from "../../../src/store/gc.ts";
import { errorCode, KiB, md5Hex, parseXmlText, randomBytes, s3, type Env } from "../helpers/s3.ts";
import { memoryDeps } from "../helpers/deps.ts";

const SRC = randomBytes(300 * KiB, 9); // 5 chunks of 64 KiB (the unit-test chunk size)

async function setup() {
  const env = memoryDeps({}, { sharded: true });
  const c = s3(env);
  await c.createBucket("aaa");
  await c.createBucket("bbb");
  return { env, c };
}

/** GC in every shard, as each Durable Object's alarm does on Workers. */
async function gcAll(env: Env) {
  for (const meta of env.shards.values()) await collectGarbage({ ...env.deps, meta });
}

const names = async (c: ReturnType<typeof s3>) => {
  const doc = await c.xml("/");
  const b = doc.ListAllMyBucketsResult.Buckets?.Bucket ?? [];
  return (Array.isArray(b) ? b : [b]).map((x: { Name: string }) => x.Name);
};

describe("sharded MetaStore: buckets", () => {
  it("each bucket gets its own shard; the catalog lists them; create/delete errors are S3's", async () => {
    const { env, c } = await setup();
    expect([...env.shards.keys()].sort()).toEqual(["bucket:aaa", "bucket:bbb", "catalog"]);
    expect(await names(c)).toEqual(["aaa", "bbb"]);
    expect(await errorCode(await c.send("/aaa", { method: "PUT" }))).toBe("BucketAlreadyOwnedByYou");
    await c.put("aaa", "k", "v");
    expect(await errorCode(await c.send("/aaa", { method: "DELETE" }))).toBe("BucketNotEmpty");
    expect(await names(c)).toEqual(["aaa", "bbb"]);
    await c.del("aaa", "k");
    expect((await c.send("/aaa", { method: "DELETE" })).status).toBe(204);
    expect(await names(c)).toEqual(["bbb"]);
    expect((await c.send("/aaa", { method: "HEAD" })).status).toBe(404);
    expect(await errorCode(await c.send("/aaa", { method: "DELETE" }))).toBe("NoSuchBucket");
    // Re-created, the bucket starts empty.
    await c.createBucket("aaa");
    expect(parseXmlText(await (await c.send("/aaa?list-type=2")).text()).ListBucketResult.KeyCount).toBe("0");
  });

  it("a create or delete that stopped half way is completed by the client's retry", async () => {
    const { env, c } = await setup();
    // Claimed in the catalog, but the shard was never created (the Worker died in between).
    await env.shards.get("catalog")!.createBucket({ name: "half", owner: "o", region: "us-east-1", created: 0 });
    expect((await c.send("/half", { method: "HEAD" })).status).toBe(404);
    expect(await errorCode(await c.send("/half", { method: "PUT" }))).toBe("BucketAlreadyOwnedByYou");
    expect((await c.send("/half", { method: "HEAD" })).status).toBe(200);
    expect((await c.put("half", "k", "v")).status).toBe(200);
    // Deleted in its shard, still listed in the catalog.
    await c.del("half", "k");
    await env.shards.get("bucket:half")!.deleteBucket("half");
    expect(await names(c)).toContain("half");
    expect((await c.send("/half", { method: "DELETE" })).status).toBe(204);
    expect(await names(c)).not.toContain("half");
  });
});

describe("sharded MetaStore: copies between buckets", () => {
  it("CopyObject within a bucket shares chunks; into another bucket it stores the data there", async () => {
    const { env, c } = await setup();
    await c.put("aaa", "src", SRC);
    const blobs = env.blobs.size();
    expect((await c.send("/aaa/same", { method: "PUT", headers: { "x-amz-copy-source": "/aaa/src" } })).status).toBe(200);
    expect(env.blobs.size()).toBe(blobs);
    const res = await c.send("/bbb/dst", { method: "PUT", headers: { "x-amz-copy-source": "/aaa/src" } });
    expect(res.status).toBe(200);
    expect(parseXmlText(await res.text()).CopyObjectResult.ETag).toBe(`"${md5Hex(SRC)}"`);
    expect(env.blobs.size()).toBe(blobs + 5);
    // The source bucket goes away entirely and its shard collects its chunks.
    await c.del("aaa", "src");
    await c.del("aaa", "same");
    expect((await c.send("/aaa", { method: "DELETE" })).status).toBe(204);
    await gcAll(env);
    expect(env.blobs.size()).toBe(5);
    expect(await c.bytes("bbb", "dst")).toEqual(SRC);
  });

  it("a copy into a bucket that already holds the content reuses its chunks (dedup within the shard)", async () => {
    const { env, c } = await setup();
    await c.put("aaa", "src", SRC);
    await c.put("bbb", "orig", SRC);
    const blobs = env.blobs.size();
    expect((await c.send("/bbb/dst", { method: "PUT", headers: { "x-amz-copy-source": "/aaa/src" } })).status).toBe(200);
    expect(env.blobs.size()).toBe(blobs);
    await c.del("aaa", "src");
    await gcAll(env);
    expect(await c.bytes("bbb", "dst")).toEqual(SRC);
  });

  it("UploadPartCopy from another bucket, with a range inside chunks and a whole object", async () => {
    const { env, c } = await setup();
    await c.put("aaa", "src", SRC);
    const range = { start: 70 * KiB + 3, end: 200 * KiB + 11 };
    const copyPart = async (key: string, headers: Record<string, string>) => {
      const id = await c.createUpload("bbb", key);
      const res = await c.send(`/bbb/${key}?partNumber=1&uploadId=${id}`, { method: "PUT", headers: { "x-amz-copy-source": "/aaa/src", ...headers } });
      expect(res.status).toBe(200);
      const etag = parseXmlText(await res.text()).CopyPartResult.ETag;
      expect((await c.complete("bbb", key, id, [{ n: 1, etag }])).status).toBe(200);
      return etag;
    };
    // (Each upload has one part: parts before the last must be 5 MiB.)
    expect(await copyPart("ranged", { "x-amz-copy-source-range": `bytes=${range.start}-${range.end}` }))
      .toBe(`"${md5Hex(SRC.subarray(range.start, range.end + 1))}"`);
    expect(await copyPart("whole", {})).toBe(`"${md5Hex(SRC)}"`);
    await c.del("aaa", "src");
    await gcAll(env);
    expect(await c.bytes("bbb", "ranged")).toEqual(SRC.subarray(range.start, range.end + 1));
    expect(await c.bytes("bbb", "whole")).toEqual(SRC);
  });
});
