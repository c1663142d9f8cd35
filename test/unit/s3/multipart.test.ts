// Multipart uploads: parts are ≥ 5 MiB except the last, so they are built in memory.
import { beforeAll, describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { collectGarbage } from "../../../src/store/gc.ts";
import { crc64nvme } from "../../../src/util/crc.ts";
import { concatBytes, errorCode, KiB, md5Hex, MiB, parseXmlText, randomBytes, withBucket } from "../helpers/s3.ts";

const P1 = randomBytes(5 * MiB, 101);
const P2 = randomBytes(5 * MiB + 1000, 102); // ends inside a chunk
const P3 = randomBytes(100 * KiB, 103);
const WHOLE = concatBytes(P1, P2, P3);

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then -N. */
function multipartEtag(parts: Uint8Array[]) {
  const h = createHash("md5");
  for (const p of parts) h.update(createHash("md5").update(p).digest());
  return `"${h.digest("hex")}-${parts.length}"`;
}

describe("a completed three-part upload", () => {
  let t: Awaited<ReturnType<typeof withBucket>>;
  let etags: string[];
  let blobsBeforeComplete: number;
  let completeText: string;

  beforeAll(async () => {
    t = await withBucket();
    const id = await t.c.createUpload("bkt", "mp", { "content-type": "video/mp4", "x-amz-meta-origin": "camera", "x-amz-tagging": "a=1" });
    etags = [];
    for (const [i, p] of [P1, P2, P3].entries()) etags.push(await t.c.uploadPart("bkt", "mp", id, i + 1, p));
    blobsBeforeComplete = t.env.blobs.size();
    const res = await t.c.complete("bkt", "mp", id, etags.map((etag, i) => ({ n: i + 1, etag })));
    expect(res.status).toBe(200);
    completeText = await res.text();
  });

  it("part ETags are the parts' MD5s", () => {
    expect(etags).toEqual([P1, P2, P3].map((p) => `"${md5Hex(p)}"`));
  });

  it("the object ETag is MD5-of-MD5s-N, in the response and on GET", async () => {
    const expected = multipartEtag([P1, P2, P3]);
    expect(completeText).toContain(`<ETag>${expected.replace(/"/g, "&quot;")}</ETag>`);
    expect(completeText).toContain("<Bucket>bkt</Bucket><Key>mp</Key>");
    expect((await t.c.head("bkt", "mp")).headers.get("etag")).toBe(expected);
  });

  it("completing writes no data: the parts' chunks become the object's", () => {
    expect(t.env.blobs.size()).toBe(blobsBeforeComplete);
  });

  it("reads back whole", async () => {
    const res = await t.c.get("bkt", "mp");
    expect(res.headers.get("content-length")).toBe(String(WHOLE.length));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(WHOLE);
  });

  it("keeps the headers, metadata and tags given at CreateMultipartUpload", async () => {
    const res = await t.c.head("bkt", "mp");
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("x-amz-meta-origin")).toBe("camera");
    expect(res.headers.get("x-amz-tagging-count")).toBe("1");
  });

  it.each([
    [1, 0, P1],
    [2, P1.length, P2],
    [3, P1.length + P2.length, P3],
  ])("GET ?partNumber=%i returns that part (206)", async (n, start, part) => {
    const res = await t.c.send(`/bkt/mp?partNumber=${n}`);
    expect(res.status).toBe(206);
    expect(res.headers.get("x-amz-mp-parts-count")).toBe("3");
    expect(res.headers.get("content-range")).toBe(`bytes ${start}-${start + part.length - 1}/${WHOLE.length}`);
    expect(res.headers.get("content-length")).toBe(String(part.length));
    expect(res.headers.get("etag")).toBe(multipartEtag([P1, P2, P3]));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(part);
  });

  it("HEAD ?partNumber=2 gives the part's length", async () => {
    const res = await t.c.send("/bkt/mp?partNumber=2", { method: "HEAD" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-length")).toBe(String(P2.length));
  });

  it("?partNumber=4 is InvalidPartNumber (416)", async () => {
    const res = await t.c.send("/bkt/mp?partNumber=4");
    expect(res.status).toBe(416);
    expect(await errorCode(res)).toBe("InvalidPartNumber");
  });

  it("a Range across the part boundary", async () => {
    const start = P1.length - 10, end = P1.length + 9;
    const res = await t.c.get("bkt", "mp", { range: `bytes=${start}-${end}` });
    expect(res.status).toBe(206);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(WHOLE.subarray(start, end + 1));
  });

  it("the upload is gone afterwards", async () => {
    const list = await t.c.xml("/bkt?uploads");
    expect(list.ListMultipartUploadsResult.Upload ?? []).toEqual([]);
  });
});

describe("upload lifecycle", () => {
  it("ListParts lists uploaded parts with sizes and ETags, paginated by max-parts", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    const parts = [randomBytes(10, 1), randomBytes(2000, 2), randomBytes(70 * KiB, 3)];
    for (const [i, p] of parts.entries()) await c.uploadPart("bkt", "k", id, i + 1, p);
    const all = (await c.xml(`/bkt/k?uploadId=${id}`)).ListPartsResult;
    expect(all.IsTruncated).toBe("false");
    expect(all.Part.map((p: Record<string, string>) => [p.PartNumber, p.Size, p.ETag])).toEqual(
      parts.map((p, i) => [String(i + 1), String(p.length), `"${md5Hex(p)}"`]),
    );
    const page = (await c.xml(`/bkt/k?uploadId=${id}&max-parts=2`)).ListPartsResult;
    expect(page.IsTruncated).toBe("true");
    expect(page.Part.map((p: Record<string, string>) => p.PartNumber)).toEqual(["1", "2"]);
    expect(page.NextPartNumberMarker).toBe("2");
    const rest = (await c.xml(`/bkt/k?uploadId=${id}&part-number-marker=2`)).ListPartsResult;
    expect(rest.Part.map((p: Record<string, string>) => p.PartNumber)).toEqual(["3"]);
  });

  it("ListMultipartUploads lists uploads in progress", async () => {
    const { c } = await withBucket();
    const a = await c.createUpload("bkt", "dir/a");
    const b = await c.createUpload("bkt", "b");
    const list = (await c.xml("/bkt?uploads")).ListMultipartUploadsResult;
    expect(list.Upload.map((u: Record<string, string>) => [u.Key, u.UploadId])).toEqual([["b", b], ["dir/a", a]]);
    const folded = (await c.xml("/bkt?uploads&delimiter=/")).ListMultipartUploadsResult;
    expect(folded.Upload.map((u: Record<string, string>) => u.Key)).toEqual(["b"]);
    expect(folded.CommonPrefixes).toEqual([{ Prefix: "dir/" }]);
  });

  it("ListMultipartUploads paginates with key-marker/upload-id-marker, never repeating an upload", async () => {
    const { c } = await withBucket();
    const ids: string[] = [];
    for (const k of ["a", "b", "b", "c", "d"]) ids.push(await c.createUpload("bkt", k));
    const seen: string[] = [];
    let km = "", im = "";
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(10);
      const d = (await c.xml(`/bkt?uploads&max-uploads=2&key-marker=${km}&upload-id-marker=${im}`)).ListMultipartUploadsResult;
      expect((d.Upload ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(d.Upload ?? []).map((u: Record<string, string>) => u.UploadId));
      if (d.IsTruncated !== "true") break;
      km = d.NextKeyMarker; im = d.NextUploadIdMarker;
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it("ListMultipartUploads with a delimiter paginates without repeating a common prefix", async () => {
    const { c } = await withBucket();
    for (const k of ["a", "dir/x", "dir/y", "z"]) await c.createUpload("bkt", k);
    const keys: string[] = [];
    const prefixes: string[] = [];
    let km = "", im = "";
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(10);
      const d = (await c.xml(`/bkt?uploads&delimiter=/&max-uploads=2&key-marker=${encodeURIComponent(km)}&upload-id-marker=${im}`)).ListMultipartUploadsResult;
      keys.push(...(d.Upload ?? []).map((u: Record<string, string>) => u.Key));
      prefixes.push(...(d.CommonPrefixes ?? []).map((p: Record<string, string>) => p.Prefix));
      if (d.IsTruncated !== "true") break;
      km = d.NextKeyMarker; im = d.NextUploadIdMarker;
    }
    expect(keys).toEqual(["a", "z"]);
    expect(prefixes).toEqual(["dir/"]);
  });

  it("re-uploading a part replaces it", async () => {
    const { env, c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    await c.uploadPart("bkt", "k", id, 1, randomBytes(100 * KiB, 1));
    const second = randomBytes(100 * KiB, 2);
    const etag = await c.uploadPart("bkt", "k", id, 1, second);
    expect((await c.complete("bkt", "k", id, [{ n: 1, etag }])).status).toBe(200);
    expect(await c.bytes("bkt", "k")).toEqual(second);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(2); // only the second upload's chunks remain
  });

  it("completing with a subset of parts keeps only those; the others are collectable", async () => {
    const { env, c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    const e1 = await c.uploadPart("bkt", "k", id, 1, P1);
    await c.uploadPart("bkt", "k", id, 2, randomBytes(300 * KiB, 9));
    const e3 = await c.uploadPart("bkt", "k", id, 3, P3);
    const res = await c.complete("bkt", "k", id, [{ n: 1, etag: e1 }, { n: 3, etag: e3 }]);
    expect(res.status).toBe(200);
    expect(await c.bytes("bkt", "k")).toEqual(concatBytes(P1, P3));
    expect((await c.head("bkt", "k")).headers.get("etag")).toBe(multipartEtag([P1, P3]));
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(80 + 2); // 5 MiB / 64 KiB + 100 KiB in two chunks
    expect(await env.deps.meta.countChunks()).toBe(82);
  });

  it("part ETags are accepted without quotes", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    const etag = await c.uploadPart("bkt", "k", id, 1, randomBytes(10));
    expect((await c.complete("bkt", "k", id, [{ n: 1, etag: etag.replace(/"/g, "") }])).status).toBe(200);
  });

  it("accepts an indented (pretty-printed) CompleteMultipartUpload body", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    const etag = await c.uploadPart("bkt", "k", id, 1, P3);
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part>
    <ETag>${etag}</ETag>
    <PartNumber>1</PartNumber>
  </Part>
</CompleteMultipartUpload>
`;
    expect((await c.send(`/bkt/k?uploadId=${id}`, { method: "POST", body })).status).toBe(200);
    expect(await c.bytes("bkt", "k")).toEqual(P3);
  });

  it("a single part below 5 MiB may complete (the last part has no minimum)", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    const etag = await c.uploadPart("bkt", "k", id, 1, P3);
    expect((await c.complete("bkt", "k", id, [{ n: 1, etag }])).status).toBe(200);
    expect((await c.head("bkt", "k")).headers.get("etag")).toBe(multipartEtag([P3]));
  });

  it("EntityTooSmall names the offending part", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    const e1 = await c.uploadPart("bkt", "k", id, 1, P1);
    const e2 = await c.uploadPart("bkt", "k", id, 2, P3);
    const e3 = await c.uploadPart("bkt", "k", id, 3, P3);
    const res = await c.complete("bkt", "k", id, [{ n: 1, etag: e1 }, { n: 2, etag: e2 }, { n: 3, etag: e3 }]);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("<Code>EntityTooSmall</Code>");
    expect(text).toContain("<PartNumber>2</PartNumber>");
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  it("abort drops the parts; GC then removes their chunks", async () => {
    const { env, c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    await c.uploadPart("bkt", "k", id, 1, randomBytes(200 * KiB, 1));
    await c.uploadPart("bkt", "k", id, 2, randomBytes(200 * KiB, 2));
    expect(env.blobs.size()).toBe(8);
    expect((await c.send(`/bkt/k?uploadId=${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await c.send(`/bkt/k?uploadId=${id}`)).status).toBe(404);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(0);
    expect(await env.deps.meta.countChunks()).toBe(0);
  });

  it("deleting a bucket with an upload in progress releases the parts", async () => {
    const { env, c } = await withBucket();
    const id = await c.createUpload("bkt", "k");
    await c.uploadPart("bkt", "k", id, 1, randomBytes(100 * KiB, 1));
    expect((await c.send("/bkt", { method: "DELETE" })).status).toBe(204);
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(0);
  });
});

describe("multipart checksums", () => {
  const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");
  const be32 = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  const crc32 = (d: Uint8Array) => b64(be32(Bun.hash.crc32(d)));
  const crc64 = (d: Uint8Array) => b64(crc64nvme([0, 0], d).flatMap(be32));

  async function run(algorithm: string, type: string, header: string, f: (d: Uint8Array) => string) {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k", { "x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": type });
    const etags: string[] = [];
    for (const [i, p] of [P1, P3].entries()) {
      const res = await c.send(`/bkt/k?partNumber=${i + 1}&uploadId=${id}`, { method: "PUT", body: p, headers: { [header]: f(p) } });
      expect(res.status).toBe(200);
      expect(res.headers.get(header)).toBe(f(p));
      etags.push(res.headers.get("etag")!);
    }
    expect((await c.complete("bkt", "k", id, etags.map((etag, i) => ({ n: i + 1, etag })))).status).toBe(200);
    return (await c.head("bkt", "k", { "x-amz-checksum-mode": "ENABLED" })).headers;
  }

  it("CRC32 FULL_OBJECT: the whole object's CRC, combined from the parts' without rereading", async () => {
    const h = await run("CRC32", "FULL_OBJECT", "x-amz-checksum-crc32", crc32);
    expect(h.get("x-amz-checksum-crc32")).toBe(crc32(concatBytes(P1, P3)));
    expect(h.get("x-amz-checksum-type")).toBe("FULL_OBJECT");
  });

  it("CRC64NVME FULL_OBJECT", async () => {
    const h = await run("CRC64NVME", "FULL_OBJECT", "x-amz-checksum-crc64nvme", crc64);
    expect(h.get("x-amz-checksum-crc64nvme")).toBe(crc64(concatBytes(P1, P3)));
  });

  it("CRC32 COMPOSITE: the CRC of the concatenated part CRCs, then -N", async () => {
    const h = await run("CRC32", "COMPOSITE", "x-amz-checksum-crc32", crc32);
    const raw = concatBytes(...[P1, P3].map((p) => Buffer.from(crc32(p), "base64")));
    expect(h.get("x-amz-checksum-crc32")).toBe(`${crc32(raw)}-2`);
    expect(h.get("x-amz-checksum-type")).toBe("COMPOSITE");
  });

  it("a part whose checksum does not match is BadDigest", async () => {
    const { c } = await withBucket();
    const id = await c.createUpload("bkt", "k", { "x-amz-checksum-algorithm": "CRC32" });
    const res = await c.send(`/bkt/k?partNumber=1&uploadId=${id}`, { method: "PUT", body: P3, headers: { "x-amz-checksum-crc32": crc32(P1) } });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("BadDigest");
  });
});

describe("UploadPartCopy", () => {
  const SRC = randomBytes(300 * KiB, 77); // chunks at 0, 65536, 131072, 196608, 262144

  it("a range that splits chunks shares the whole chunks and stores only the two edges", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "src", SRC);
    expect(env.blobs.size()).toBe(5);
    const id = await c.createUpload("bkt", "dst");
    const start = 1000, end = 200_000; // cuts chunk 0 and chunk 3; chunks 1 and 2 whole
    const res = await c.send(`/bkt/dst?partNumber=1&uploadId=${id}`, {
      method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", "x-amz-copy-source-range": `bytes=${start}-${end}` },
    });
    expect(res.status).toBe(200);
    const copied = SRC.subarray(start, end + 1);
    const etag = `"${md5Hex(copied)}"`;
    expect(await res.text()).toContain(`<ETag>${etag.replace(/"/g, "&quot;")}</ETag>`);
    expect(env.blobs.size()).toBe(5 + 2);
    expect((await c.complete("bkt", "dst", id, [{ n: 1, etag }])).status).toBe(200);
    expect(await c.bytes("bkt", "dst")).toEqual(copied);

    // The copy does not depend on the source any more.
    await c.del("bkt", "src");
    await collectGarbage(env.deps);
    expect(env.blobs.size()).toBe(4);
    expect(await c.bytes("bkt", "dst")).toEqual(copied);
  });

  it("a range inside one chunk", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "src", SRC);
    const id = await c.createUpload("bkt", "dst");
    const res = await c.send(`/bkt/dst?partNumber=1&uploadId=${id}`, {
      method: "PUT", headers: { "x-amz-copy-source": "bkt/src", "x-amz-copy-source-range": "bytes=70000-70099" },
    });
    expect(res.status).toBe(200);
    const etag = `"${md5Hex(SRC.subarray(70000, 70100))}"`;
    expect((await c.complete("bkt", "dst", id, [{ n: 1, etag }])).status).toBe(200);
    expect(await c.bytes("bkt", "dst")).toEqual(SRC.subarray(70000, 70100));
  });

  it("the whole of a simple object copies by reference with the source ETag", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "src", SRC);
    const id = await c.createUpload("bkt", "dst");
    const res = await c.send(`/bkt/dst?partNumber=1&uploadId=${id}`, { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } });
    expect(res.status).toBe(200);
    expect(env.blobs.size()).toBe(5);
    const etag = `"${md5Hex(SRC)}"`;
    expect(await res.text()).toContain(etag.replace(/"/g, "&quot;"));
  });

  it("copy parts and uploaded parts combine", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "src", P1);
    const id = await c.createUpload("bkt", "dst");
    const r1 = await c.send(`/bkt/dst?partNumber=1&uploadId=${id}`, { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } });
    expect(r1.status).toBe(200);
    const e2 = await c.uploadPart("bkt", "dst", id, 2, P3);
    expect((await c.complete("bkt", "dst", id, [{ n: 1, etag: `"${md5Hex(P1)}"` }, { n: 2, etag: e2 }])).status).toBe(200);
    expect(await c.bytes("bkt", "dst")).toEqual(concatBytes(P1, P3));
  });

  it.each([
    ["past the end", "bytes=0-307200", 416, "InvalidRange"],
    ["first after last", "bytes=10-5", 416, "InvalidRange"],
    ["not a byte range", "bytes=10-", 400, "InvalidArgument"],
  ])("a copy range %s is rejected", async (_name, range, status, code) => {
    const { c } = await withBucket();
    await c.put("bkt", "src", SRC);
    const id = await c.createUpload("bkt", "dst");
    const res = await c.send(`/bkt/dst?partNumber=1&uploadId=${id}`, {
      method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", "x-amz-copy-source-range": range },
    });
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
  });

  it("a source deleted and collected while the part commits is NoSuchKey, and the upload stays usable", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "src", SRC);
    const id = await c.createUpload("bkt", "dst");
    const meta = env.deps.meta;
    const commit = meta.putPart.bind(meta);
    meta.putPart = async (bucket, p, opts) => {
      meta.putPart = commit; // once
      await meta.deleteObject("bkt", "src");
      await collectGarbage(env.deps);
      return commit(bucket, p, opts);
    };
    const res = await c.send(`/bkt/dst?partNumber=1&uploadId=${id}`, { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } });
    expect({ status: res.status, code: await errorCode(res) }).toEqual({ status: 404, code: "NoSuchKey" });
    const etag = await c.uploadPart("bkt", "dst", id, 1, P3);
    expect((await c.complete("bkt", "dst", id, [{ n: 1, etag }])).status).toBe(200);
  });
});

describe("a retried CompleteMultipartUpload (issue 12 #2)", () => {
  for (const sharded of [false, true]) {
    it(`answers 200 with the same ETag and Location, as S3 does (${sharded ? "sharded" : "single"} store)`, async () => {
      const { env, c } = await withBucket("bkt", undefined, { sharded });
      const id = await c.createUpload("bkt", "mp");
      const e1 = await c.uploadPart("bkt", "mp", id, 1, randomBytes(5 * MiB, 1));
      const e2 = await c.uploadPart("bkt", "mp", id, 2, randomBytes(1 * KiB, 2));
      const first = await c.complete("bkt", "mp", id, [{ n: 1, etag: e1 }, { n: 2, etag: e2 }]);
      expect(first.status).toBe(200);
      const a = parseXmlText(await first.text()).CompleteMultipartUploadResult;
      const again = await c.complete("bkt", "mp", id, [{ n: 1, etag: e1 }, { n: 2, etag: e2 }]);
      expect(again.status).toBe(200);
      const b = parseXmlText(await again.text()).CompleteMultipartUploadResult;
      expect(b).toEqual(a);
      expect(a.ETag).toMatch(/-2"$/);
      // Not for another key, and not after a day.
      expect((await c.complete("bkt", "other", id, [{ n: 1, etag: e1 }])).status).toBe(404);
      env.setNow(env.deps.clock.now() + 25 * 3600 * 1000);
      expect((await c.complete("bkt", "mp", id, [{ n: 1, etag: e1 }, { n: 2, etag: e2 }])).status).toBe(404);
    });
  }
});
