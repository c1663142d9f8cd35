// PutObject: inline vs chunked storage, ETag, stored headers, checksums, aws-chunked bodies.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { collectGarbage } from "../../../src/store/gc.ts";
import {
  concatBytes, enc, errorCode, KiB, md5B64, md5Hex, randomBytes, sha256Hex, withBucket,
} from "../helpers/s3.ts";

describe("PUT/GET round trip", () => {
  // chunkSize 64 KiB, inlineLimit 1 KiB (helpers/deps.ts)
  it.each([
    ["empty", 0, 0],
    ["inline (100 B)", 100, 0],
    ["inline at the limit (1 KiB)", 1024, 0],
    ["one byte over the inline limit", 1025, 1],
    ["single chunk (40 KiB)", 40 * KiB, 1],
    ["exactly one chunk", 64 * KiB, 1],
    ["one byte over a chunk", 64 * KiB + 1, 2],
    ["multi-chunk (300 KiB)", 300 * KiB, 5],
    ["multi-chunk, exact multiple (256 KiB)", 256 * KiB, 4],
  ])("%s", async (_name, size, blobCount) => {
    const { env, c } = await withBucket();
    const data = randomBytes(size, size + 1);
    const put = await c.put("bkt", "obj", data);
    expect(put.status).toBe(200);
    expect(put.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
    expect(env.blobs.size()).toBe(blobCount);
    expect(await env.deps.meta.countChunks()).toBe(blobCount);

    const get = await c.get("bkt", "obj");
    expect(get.status).toBe(200);
    expect(get.headers.get("content-length")).toBe(String(size));
    expect(get.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(data);

    const head = await c.head("bkt", "obj");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(size));
    expect(await head.text()).toBe("");
  });

  it("the empty object has the MD5 of nothing as its ETag", async () => {
    const { c } = await withBucket();
    expect((await c.put("bkt", "e", "")).headers.get("etag")).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
  });

  it("overwriting replaces the object", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", randomBytes(200 * KiB, 1));
    const second = randomBytes(10, 2);
    await c.put("bkt", "k", second);
    expect(await c.bytes("bkt", "k")).toEqual(second);
  });

  it.each([
    ["spaces and symbols", "dir/a b+c=d&e;f,g@h$i"],
    ["percent and question mark", "100%/why?"],
    ["unicode", "日本語/😀/é"],
    ["trailing slash (a folder marker)", "folder/"],
    ["1024 bytes, the longest key", "k".repeat(1024)],
    ["double slashes", "a//b"],
    ["RFC 3986 sub-delims", "it's (a) *star*!~"],
    ["tilde, colon and brackets", "~user/a:b[1]{2}"],
  ])("key with %s", async (_name, key) => {
    const { c } = await withBucket();
    const path = key.split("/").map(encodeURIComponent).join("/");
    expect((await c.put("bkt", path, "v")).status).toBe(200);
    expect(await (await c.get("bkt", path)).text()).toBe("v");
    const list = await c.xml("/bkt?list-type=2");
    expect(list.ListBucketResult.Contents.map((o: { Key: string }) => o.Key)).toEqual([key]);
  });

  it("a matching Content-MD5 is accepted", async () => {
    const { c } = await withBucket();
    const data = randomBytes(150 * KiB);
    expect((await c.put("bkt", "k", data, { "content-md5": md5B64(data) })).status).toBe(200);
  });

  it("a signed payload (x-amz-content-sha256 = body hash) is accepted", async () => {
    const { c } = await withBucket();
    const data = randomBytes(100 * KiB);
    expect((await c.send("/bkt/k", { method: "PUT", body: data, signPayload: true })).status).toBe(200);
    expect(await c.bytes("bkt", "k")).toEqual(data);
  });
});

describe("stored headers", () => {
  const HEADERS = {
    "content-type": "text/plain; charset=utf-8",
    "content-encoding": "gzip",
    "content-disposition": 'attachment; filename="a b.txt"',
    "content-language": "fr-CA",
    "cache-control": "max-age=60, public",
    expires: "Thu, 01 Dec 2039 16:00:00 GMT",
    "x-amz-meta-color": "Blue Green",
    "x-amz-meta-Camel-Case": "kept",
  };

  it("user metadata and Content-* headers are preserved on GET and HEAD", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "data", HEADERS);
    for (const method of ["GET", "HEAD"]) {
      const res = await c.send("/bkt/k", { method });
      expect(res.status).toBe(200);
      for (const [k, v] of Object.entries(HEADERS)) expect(res.headers.get(k)).toBe(v);
    }
  });

  it("headers that are not object metadata are not stored", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "data", { "x-custom": "no", "x-amz-foo": "no" });
    const res = await c.head("bkt", "k");
    expect(res.headers.get("x-custom")).toBeNull();
    expect(res.headers.get("x-amz-foo")).toBeNull();
    expect(res.headers.get("content-type")).toBe("binary/octet-stream");
  });

  it("x-amz-storage-class is kept and reported (STANDARD is implicit)", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "rr", "x", { "x-amz-storage-class": "REDUCED_REDUNDANCY" });
    await c.put("bkt", "std", "x");
    expect((await c.head("bkt", "rr")).headers.get("x-amz-storage-class")).toBe("REDUCED_REDUNDANCY");
    expect((await c.head("bkt", "std")).headers.get("x-amz-storage-class")).toBeNull();
    const list = await c.xml("/bkt?list-type=2");
    expect(list.ListBucketResult.Contents.map((o: { StorageClass: string }) => o.StorageClass)).toEqual(["REDUCED_REDUNDANCY", "STANDARD"]);
  });

  it("an unknown storage class is InvalidStorageClass", async () => {
    const { c } = await withBucket();
    const res = await c.put("bkt", "k", "x", { "x-amz-storage-class": "PLATINUM" });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidStorageClass");
  });

  it("more than 2 KB of user metadata is MetadataTooLarge", async () => {
    const { c } = await withBucket();
    const res = await c.put("bkt", "k", "x", { "x-amz-meta-big": "v".repeat(2100) });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MetadataTooLarge");
  });

  it("Last-Modified comes from the clock", async () => {
    const { env, c } = await withBucket();
    env.setNow(Date.UTC(2030, 0, 2, 3, 4, 5));
    await c.put("bkt", "k", "x");
    expect((await c.head("bkt", "k")).headers.get("last-modified")).toBe("Wed, 02 Jan 2030 03:04:05 GMT");
  });
});

describe("additional checksums", () => {
  const crc32b64 = (d: Uint8Array) => {
    const v = Bun.hash.crc32(d);
    return Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]).toString("base64");
  };

  it("x-amz-checksum-crc32 is verified, stored and returned with x-amz-checksum-mode: ENABLED", async () => {
    const { c } = await withBucket();
    const data = randomBytes(100 * KiB);
    const put = await c.put("bkt", "k", data, { "x-amz-checksum-crc32": crc32b64(data) });
    expect(put.status).toBe(200);
    expect(put.headers.get("x-amz-checksum-crc32")).toBe(crc32b64(data));
    expect((await c.head("bkt", "k")).headers.get("x-amz-checksum-crc32")).toBeNull();
    const head = await c.head("bkt", "k", { "x-amz-checksum-mode": "ENABLED" });
    expect(head.headers.get("x-amz-checksum-crc32")).toBe(crc32b64(data));
  });

  it("a wrong x-amz-checksum-crc32 is BadDigest", async () => {
    const { c } = await withBucket();
    const res = await c.put("bkt", "k", "data", { "x-amz-checksum-crc32": crc32b64(enc("other")) });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("BadDigest");
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  describe("aws-chunked, unsigned payload with a crc32 trailer (AWS SDK default)", () => {
    const data = randomBytes(150 * KiB, 4);
    const body = (crc: string) => concatBytes(
      enc(`${(64 * KiB).toString(16)}\r\n`), data.subarray(0, 64 * KiB), enc("\r\n"),
      enc(`${(data.length - 64 * KiB).toString(16)}\r\n`), data.subarray(64 * KiB), enc("\r\n"),
      enc(`0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`),
    );
    const headers = {
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(data.length), "x-amz-trailer": "x-amz-checksum-crc32", "content-type": "text/plain",
    };

    it("stores the decoded bytes and the trailer checksum", async () => {
      const { c } = await withBucket();
      const res = await c.send("/bkt/k", { method: "PUT", body: body(crc32b64(data)), headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
      expect(await c.bytes("bkt", "k")).toEqual(data);
      const head = await c.head("bkt", "k", { "x-amz-checksum-mode": "ENABLED" });
      expect(head.headers.get("x-amz-checksum-crc32")).toBe(crc32b64(data));
      expect(head.headers.get("content-encoding")).toBeNull(); // aws-chunked is framing, not stored
      expect(head.headers.get("content-type")).toBe("text/plain");
    });

    it("a trailer checksum that does not match is BadDigest and stores nothing", async () => {
      const { env, c } = await withBucket();
      const res = await c.send("/bkt/k", { method: "PUT", body: body(crc32b64(enc("x"))), headers });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("BadDigest");
      expect((await c.get("bkt", "k")).status).toBe(404);
      await collectGarbage(env.deps);
      expect(env.blobs.size()).toBe(0);
    });

    it("without x-amz-decoded-content-length it is MissingContentLength", async () => {
      const { c } = await withBucket();
      const { "x-amz-decoded-content-length": _, ...rest } = headers;
      const res = await c.send("/bkt/k", { method: "PUT", body: body(crc32b64(data)), headers: rest });
      expect(res.status).toBe(411);
      expect(await errorCode(res)).toBe("MissingContentLength");
    });
  });

  describe("aws-chunked, signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) through the app", () => {
    async function signedChunked(c: Awaited<ReturnType<typeof withBucket>>["c"], data: Uint8Array, tamper = false) {
      const CHUNK = 64 * KiB;
      const pieces: Uint8Array[] = [];
      for (let off = 0; off < data.length; off += CHUNK) pieces.push(data.subarray(off, off + CHUNK));
      pieces.push(new Uint8Array());
      const frameLen = pieces.reduce((a, p) => a + p.length.toString(16).length + 17 + 64 + 2 + p.length + 2, 0);
      const req = await c.request("/bkt/k", {
        method: "PUT",
        headers: {
          "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked",
          "x-amz-decoded-content-length": String(data.length),
        },
        contentLength: String(frameLen),
      });
      const auth = req.headers.get("authorization")!;
      const seed = /Signature=([0-9a-f]{64})/.exec(auth)![1];
      const [, accessKey, date, region, service] = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\//.exec(auth)!;
      expect(accessKey).toBe("AKIDTEST");
      const amzDate = req.headers.get("x-amz-date")!;
      const scope = `${date}/${region}/${service}/aws4_request`;
      let k: Buffer = createHmac("sha256", "AWS4secretsecret").update(date).digest();
      for (const part of [region, service, "aws4_request"]) k = createHmac("sha256", k).update(part).digest();
      let prev = seed;
      const framed: Uint8Array[] = [];
      for (const p of pieces) {
        const sig = createHmac("sha256", k).update(["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, prev, sha256Hex(new Uint8Array()), sha256Hex(p)].join("\n")).digest("hex");
        prev = sig;
        framed.push(enc(`${p.length.toString(16)};chunk-signature=${sig}\r\n`), p, enc("\r\n"));
      }
      const bodyBytes = concatBytes(...framed);
      if (tamper) bodyBytes[bodyBytes.length - 200] ^= 1;
      expect(bodyBytes.length).toBe(frameLen);
      return new Request(req.url, { method: "PUT", headers: req.headers, body: bodyBytes });
    }

    it("stores the decoded bytes", async () => {
      const { env, c } = await withBucket();
      const data = randomBytes(150 * KiB, 8);
      const res = await env.app.request(await signedChunked(c, data));
      expect(res.status).toBe(200);
      expect(await c.bytes("bkt", "k")).toEqual(data);
    });

    it("a chunk altered in transit is SignatureDoesNotMatch and stores nothing", async () => {
      const { env, c } = await withBucket();
      const res = await env.app.request(await signedChunked(c, randomBytes(150 * KiB, 8), true));
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe("SignatureDoesNotMatch");
      expect((await c.get("bkt", "k")).status).toBe(404);
    });
  });
});
