// What the gateway does not do is refused, never accepted and ignored (issue 12 #4, #6, #8b),
// and a subresource it does not know is NotImplemented, never served as a listing or object.
import { describe, expect, it } from "bun:test";
import { errorCode, withBucket } from "../helpers/s3.ts";

describe("encryption, ACL and object-lock headers", () => {
  it.each([
    ["SSE-C over plain HTTP", { "x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": "a2V5", "x-amz-server-side-encryption-customer-key-md5": "bWQ1" }, 400, "InvalidRequest"],
    ["SSE-S3", { "x-amz-server-side-encryption": "AES256" }, 501, "NotImplemented"],
    ["SSE-KMS", { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "k" }, 501, "NotImplemented"],
    // ACLs are stored and enforced (test/unit/s3/acl.test.ts); grants this account cannot mean are refused.
    ["x-amz-acl: aws-exec-read", { "x-amz-acl": "aws-exec-read" }, 501, "NotImplemented"],
    ["x-amz-grant-read to another account", { "x-amz-grant-read": "id=\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"" }, 501, "NotImplemented"],
    ["x-amz-grant-read to an e-mail", { "x-amz-grant-read": "emailAddress=\"x@example.com\"" }, 501, "NotImplemented"],
    ["an unknown canned ACL", { "x-amz-acl": "public" }, 400, "InvalidArgument"],
  ])("PutObject with %s → %d %s, and nothing is stored", async (_n, headers, status, code) => {
    const { c } = await withBucket();
    const res = await c.send("/bkt/k", { method: "PUT", body: "secret", headers });
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
    expect((await c.head("bkt", "k")).status).toBe(404);
  });

  it("the same refusals on CreateMultipartUpload and CopyObject", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "src", "x");
    expect((await c.send("/bkt/mp?uploads", { method: "POST", headers: { "x-amz-server-side-encryption": "AES256" } })).status).toBe(501);
    expect((await c.send("/bkt/cp", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", "x-amz-acl": "log-delivery-write" } })).status).toBe(501);
    expect((await c.head("bkt", "cp")).status).toBe(404);
  });

  it("GET with SSE-C headers over plain HTTP → 400 (the key must not travel in clear)", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "x");
    const res = await c.send("/bkt/k", { headers: { "x-amz-server-side-encryption-customer-algorithm": "AES256" } });
    expect(res.status).toBe(400);
  });

  it("x-amz-acl private and bucket-owner-full-control say what is true and are accepted", async () => {
    const { c } = await withBucket();
    expect((await c.send("/bkt/a", { method: "PUT", body: "x", headers: { "x-amz-acl": "private" } })).status).toBe(200);
    expect((await c.send("/bkt/b", { method: "PUT", body: "x", headers: { "x-amz-acl": "bucket-owner-full-control" } })).status).toBe(200);
    expect((await c.send("/other", { method: "PUT", headers: { "x-amz-acl": "private" } })).status).toBe(200);
  });

  it("CreateBucket with x-amz-bucket-object-lock-enabled: true is served (object-lock.test.ts): a lock-enabled bucket", async () => {
    const { c } = await withBucket();
    const res = await c.send("/locked", { method: "PUT", headers: { "x-amz-bucket-object-lock-enabled": "true" } });
    expect(res.status).toBe(200);
    expect((await c.send("/locked?object-lock")).status).toBe(200);
  });
});

describe("unknown subresources", () => {
  it.each(["/bkt?events", "/bkt?events=s3:ObjectCreated:*&prefix=&suffix=", "/bkt?foo", "/bkt/k?foo", "/bkt?intelligent-tiering"])("GET %s → 501 NotImplemented, not a listing or the object", async (path) => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "x");
    const res = await c.send(path);
    expect(res.status).toBe(501);
    expect(await errorCode(res)).toBe("NotImplemented");
  });

  it("parameters with values are ignored as S3 ignores them (x-id, a stray one)", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "x");
    expect((await c.send("/bkt/k?x-id=GetObject&stray=1")).status).toBe(200);
    expect((await c.send("/bkt?list-type=2&fetch-owner=true&x-id=ListObjectsV2")).status).toBe(200);
  });
});

describe("CRC64NVME multipart uploads (issue 12 #3)", () => {
  it("default to FULL_OBJECT (the only type S3 allows for it); COMPOSITE is refused", async () => {
    const { c } = await withBucket();
    const res = await c.send("/bkt/mp?uploads", { method: "POST", headers: { "x-amz-checksum-algorithm": "CRC64NVME" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-checksum-type")).toBe("FULL_OBJECT");
    const bad = await c.send("/bkt/mp?uploads", { method: "POST", headers: { "x-amz-checksum-algorithm": "CRC64NVME", "x-amz-checksum-type": "COMPOSITE" } });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("InvalidRequest");
    const crc32 = await c.send("/bkt/mp?uploads", { method: "POST", headers: { "x-amz-checksum-algorithm": "CRC32" } });
    expect(crc32.headers.get("x-amz-checksum-type")).toBe("COMPOSITE");
  });
});
