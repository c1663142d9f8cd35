// GetObjectAttributes: the attributes asked for, in the AWS shape; ObjectParts paged.
import { beforeAll, describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { concatBytes, errorCode, KiB, md5Hex, MiB, parseXmlText, randomBytes, withBucket } from "../helpers/s3.ts";

const P1 = randomBytes(5 * MiB, 201);
const P2 = randomBytes(5 * MiB, 202);
const P3 = randomBytes(100 * KiB, 203);
const PARTS = [P1, P2, P3];
const sha256 = (d: Uint8Array) => createHash("sha256").update(d).digest("base64");
const ALL = "ETag,Checksum,ObjectParts,StorageClass,ObjectSize";

type C = Awaited<ReturnType<typeof withBucket>>["c"];

async function multipart(c: C, key: string, withChecksum: boolean) {
  const id = await c.createUpload("bkt", key, withChecksum ? { "x-amz-checksum-algorithm": "SHA256" } : {});
  const etags: string[] = [];
  for (const [i, p] of PARTS.entries()) {
    const headers = withChecksum ? { "x-amz-checksum-sha256": sha256(p) } : undefined;
    const res = await c.send(`/bkt/${key}?partNumber=${i + 1}&uploadId=${id}`, { method: "PUT", body: p, headers });
    expect(res.status).toBe(200);
    etags.push(res.headers.get("etag")!);
  }
  const res = await c.complete("bkt", key, id, etags.map((etag, i) => ({ n: i + 1, etag })));
  expect(res.status).toBe(200);
}

async function attributes(c: C, key: string, attrs: string | null, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extra };
  if (attrs !== null) headers["x-amz-object-attributes"] = attrs;
  return c.send(`/bkt/${key}?attributes`, { headers });
}

let c: C;
beforeAll(async () => {
  ({ c } = await withBucket());
  await c.put("bkt", "small", "hello", { "x-amz-checksum-sha256": sha256(new TextEncoder().encode("hello")) });
  await c.put("bkt", "plain", "hi", { "x-amz-storage-class": "STANDARD_IA" });
  await multipart(c, "mp-sha", true);
  await multipart(c, "mp-none", false);
});

describe("GetObjectAttributes", () => {
  it("a single-part object: unquoted ETag, checksum with its type, no ObjectParts, Last-Modified", async () => {
    const res = await attributes(c, "small", ALL);
    expect(res.status).toBe(200);
    expect(res.headers.get("last-modified")).toBe((await c.head("bkt", "small")).headers.get("last-modified"));
    const text = await res.text();
    expect(text).toStartWith('<?xml version="1.0" encoding="UTF-8"?>\n<GetObjectAttributesResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    const doc = parseXmlText(text).GetObjectAttributesResponse;
    expect(doc.ETag).toBe(md5Hex("hello"));
    expect(doc.Checksum).toEqual({ ChecksumSHA256: sha256(new TextEncoder().encode("hello")), ChecksumType: "FULL_OBJECT" });
    expect(doc.ObjectParts).toBeUndefined();
    expect(doc.StorageClass).toBe("STANDARD");
    expect(doc.ObjectSize).toBe("5");
  });

  it("only the attributes asked for; no Checksum when the object has none", async () => {
    const doc = parseXmlText(await (await attributes(c, "plain", "StorageClass,Checksum")).text()).GetObjectAttributesResponse;
    expect(Object.keys(doc).filter((k) => k !== "xmlns")).toEqual(["StorageClass"]);
    expect(doc.StorageClass).toBe("STANDARD_IA");
  });

  it("a multipart object with checksums: composite value without -N, every part with number, size and checksum", async () => {
    const doc = parseXmlText(await (await attributes(c, "mp-sha", ALL)).text()).GetObjectAttributesResponse;
    expect(doc.ETag).toMatch(/^[0-9a-f]{32}-3$/);
    const composite = createHash("sha256").update(concatBytes(...PARTS.map((p) => Buffer.from(sha256(p), "base64")))).digest("base64");
    expect(doc.Checksum).toEqual({ ChecksumSHA256: composite, ChecksumType: "COMPOSITE" });
    expect(doc.ObjectSize).toBe(String(PARTS.reduce((a, p) => a + p.length, 0)));
    expect(doc.ObjectParts).toEqual({
      PartNumberMarker: "0", NextPartNumberMarker: "3", MaxParts: "1000", IsTruncated: "false", PartsCount: "3",
      Part: PARTS.map((p, i) => ({ ChecksumSHA256: sha256(p), PartNumber: String(i + 1), Size: String(p.length) })),
    });
  });

  it.each([
    [{ "x-amz-max-parts": "2" }, [1, 2], "true", "2"],
    [{ "x-amz-max-parts": "2", "x-amz-part-number-marker": "2" }, [3], "false", "3"],
    [{ "x-amz-part-number-marker": "3" }, [], "false", "3"],
    [{ "x-amz-max-parts": "0" }, [], "true", "0"],
  ])("paging %j → parts %j, IsTruncated %s, NextPartNumberMarker %s", async (headers, numbers, truncated, next) => {
    const parts = parseXmlText(await (await attributes(c, "mp-sha", "ObjectParts", headers)).text()).GetObjectAttributesResponse.ObjectParts;
    expect((parts.Part ?? []).map((p: { PartNumber: string }) => Number(p.PartNumber))).toEqual(numbers);
    expect(parts.IsTruncated).toBe(truncated);
    expect(parts.NextPartNumberMarker).toBe(next);
    expect(parts.PartsCount).toBe("3");
  });

  it("a multipart object without checksums: only PartsCount, as S3 answers for general purpose buckets", async () => {
    const doc = parseXmlText(await (await attributes(c, "mp-none", "ObjectParts,Checksum")).text()).GetObjectAttributesResponse;
    expect(doc.ObjectParts).toEqual({ PartsCount: "3" });
    expect(doc.Checksum).toBeUndefined();
  });

  it.each([
    ["no x-amz-object-attributes", null, {}, 400, "InvalidRequest"],
    ["an empty x-amz-object-attributes", "", {}, 400, "InvalidRequest"],
    ["an unknown attribute", "ETag,Owner", {}, 400, "InvalidArgument"],
    ["a lower-case attribute", "etag", {}, 400, "InvalidArgument"],
    ["a negative x-amz-max-parts", "ObjectParts", { "x-amz-max-parts": "-1" }, 400, "InvalidArgument"],
    ["a non-numeric x-amz-part-number-marker", "ObjectParts", { "x-amz-part-number-marker": "x" }, 400, "InvalidArgument"],
  ])("%s → %d %s", async (_n, attrs, headers, status, code) => {
    const res = await attributes(c, "small", attrs, headers);
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
  });

  it("a missing key is NoSuchKey, a missing bucket NoSuchBucket", async () => {
    const res = await attributes(c, "missing", "ETag");
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchKey");
    expect(await errorCode(await c.send("/nobucket/k?attributes", { headers: { "x-amz-object-attributes": "ETag" } }))).toBe("NoSuchBucket");
  });

  it("?attributes at bucket level is NotImplemented, not a listing", async () => {
    const res = await c.send("/bkt?attributes", { headers: { "x-amz-object-attributes": "ETag" } });
    expect(res.status).toBe(501);
  });
});
