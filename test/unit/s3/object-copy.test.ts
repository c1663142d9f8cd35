// CopyObject is a metadata operation: the copy shares the source's chunks.
import { describe, expect, it } from "bun:test";
import { collectGarbage } from "../../../src/store/gc.ts";
import { errorCode, KiB, md5Hex, parseXmlText, randomBytes, withBucket } from "../helpers/s3.ts";

const SRC = randomBytes(300 * KiB, 5);
const SRC_HEADERS = { "content-type": "image/png", "x-amz-meta-owner": "alice", "cache-control": "max-age=5", "x-amz-tagging": "t=1" };

async function withSource() {
  const b = await withBucket();
  expect((await b.c.put("bkt", "src", SRC, SRC_HEADERS)).status).toBe(200);
  return b;
}

const copy = (c: Awaited<ReturnType<typeof withBucket>>["c"], dst: string, headers: Record<string, string> = {}) =>
  c.send(`/bkt/${dst}`, { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", ...headers } });

describe("CopyObject", () => {
  it("shares chunks: no new blobs, same bytes, same ETag", async () => {
    const { env, c } = await withSource();
    const before = env.blobs.size();
    const res = await copy(c, "dst");
    expect(res.status).toBe(200);
    const doc = parseXmlText(await res.text()).CopyObjectResult;
    expect(doc.ETag).toBe(`"${md5Hex(SRC)}"`);
    expect(new Date(doc.LastModified).getTime()).toBe(env.deps.clock.now());
    expect(env.blobs.size()).toBe(before);
    expect(await c.bytes("bkt", "dst")).toEqual(SRC);
    expect((await c.head("bkt", "dst")).headers.get("etag")).toBe(`"${md5Hex(SRC)}"`);
  });

  it("the copy survives deleting the source and GC", async () => {
    const { env, c } = await withSource();
    await copy(c, "dst");
    await c.del("bkt", "src");
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(5);
    expect(await c.bytes("bkt", "dst")).toEqual(SRC);
    await c.del("bkt", "dst");
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(0);
  });

  it("COPY (the default) keeps the source's metadata and ignores the request's", async () => {
    const { c } = await withSource();
    await copy(c, "dst", { "content-type": "text/plain", "x-amz-meta-owner": "bob" });
    const h = (await c.head("bkt", "dst")).headers;
    expect(h.get("content-type")).toBe("image/png");
    expect(h.get("x-amz-meta-owner")).toBe("alice");
    expect(h.get("cache-control")).toBe("max-age=5");
  });

  it("REPLACE takes the request's metadata only", async () => {
    const { c } = await withSource();
    await copy(c, "dst", { "x-amz-metadata-directive": "REPLACE", "content-type": "text/plain", "x-amz-meta-reviewer": "bob" });
    const h = (await c.head("bkt", "dst")).headers;
    expect(h.get("content-type")).toBe("text/plain");
    expect(h.get("x-amz-meta-reviewer")).toBe("bob");
    expect(h.get("x-amz-meta-owner")).toBeNull();
    expect(h.get("cache-control")).toBeNull();
  });

  it("tags are copied by default and replaced with x-amz-tagging-directive: REPLACE", async () => {
    const { c } = await withSource();
    await copy(c, "a");
    await copy(c, "b", { "x-amz-tagging-directive": "REPLACE", "x-amz-tagging": "u=2&v=3" });
    const tags = async (k: string) => (await c.xml(`/bkt/${k}?tagging`)).Tagging.TagSet.Tag;
    expect(await tags("a")).toEqual([{ Key: "t", Value: "1" }]);
    expect(await tags("b")).toEqual([{ Key: "u", Value: "2" }, { Key: "v", Value: "3" }]);
  });

  it("an unknown metadata directive is InvalidArgument", async () => {
    const { c } = await withSource();
    const res = await copy(c, "dst", { "x-amz-metadata-directive": "MERGE" });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidArgument");
  });

  it("copying onto itself without changes is InvalidRequest; with REPLACE it updates metadata", async () => {
    const { c } = await withSource();
    const same = await c.send("/bkt/src", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } });
    expect(same.status).toBe(400);
    expect(await errorCode(same)).toBe("InvalidRequest");
    const replaced = await c.send("/bkt/src", {
      method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", "x-amz-metadata-directive": "REPLACE", "content-type": "text/csv" },
    });
    expect(replaced.status).toBe(200);
    expect((await c.head("bkt", "src")).headers.get("content-type")).toBe("text/csv");
    expect(await c.bytes("bkt", "src")).toEqual(SRC);
  });

  it("copies across buckets, with a URL-encoded source key", async () => {
    const { c } = await withBucket("one");
    await c.createBucket("two");
    await c.put("one", "dir/a%20b%2Bc%C3%A9", "tiny inline");
    const res = await c.send("/two/copied", { method: "PUT", headers: { "x-amz-copy-source": "one/dir/a%20b%2Bc%C3%A9" } });
    expect(res.status).toBe(200);
    expect(await (await c.get("two", "copied")).text()).toBe("tiny inline");
  });

  it("x-amz-copy-source-if-match with the source ETag succeeds", async () => {
    const { c } = await withSource();
    expect((await copy(c, "dst", { "x-amz-copy-source-if-match": `"${md5Hex(SRC)}"` })).status).toBe(200);
  });

  it("x-amz-copy-source-if-none-match with the source ETag is PreconditionFailed", async () => {
    const { c } = await withSource();
    const res = await copy(c, "dst", { "x-amz-copy-source-if-none-match": `"${md5Hex(SRC)}"` });
    expect(res.status).toBe(412);
    expect(await errorCode(res)).toBe("PreconditionFailed");
  });

  it("a source without a key is InvalidArgument", async () => {
    const { c } = await withSource();
    const res = await c.send("/bkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt" } });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidArgument");
  });

  it("into a missing bucket is NoSuchBucket", async () => {
    const { c } = await withSource();
    const res = await c.send("/nobkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchBucket");
  });

  it("a source deleted and collected while the copy commits is NoSuchKey, not PreconditionFailed", async () => {
    // Race: the copy read the source's manifest, then the source was deleted and GC ran before
    // the commit. The commit finds the chunks gone; no precondition was ever sent.
    const { env, c } = await withSource();
    const meta = env.deps.meta;
    const commit = meta.putObject.bind(meta);
    meta.putObject = async (obj, opts) => {
      await meta.deleteObject("bkt", "src");
      await collectGarbage(env.deps);
      return commit(obj, opts);
    };
    const res = await copy(c, "dst");
    expect({ status: res.status, code: await errorCode(res) }).toEqual({ status: 404, code: "NoSuchKey" });
    expect((await c.get("bkt", "dst")).status).toBe(404);
  });
});
