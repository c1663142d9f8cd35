// Raw HTTP with curl: presigned URLs made by the aws cli, SigV4 signed by curl itself
// (--aws-sigv4), and anonymous requests. Checks status codes, error XML and headers exactly
// as S3 defines them.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { aws, bucketName, curl, md5Hex, ok, randomData, sameBytes, tempDir, useServer, xmlCode } from "./harness.ts";

const ep = useServer();
const B = bucketName("curl");
const SIZE = 100_000;
let data: Uint8Array;
let cfgEnv: Record<string, string>;
/** One presigned GET URL for data/obj.bin, reused (each aws-cli start costs ~0.8 s). */
let objUrl = "";
const obj = (k: string) => `${ep.url}/${B}/${k}`;

/** An aws-cli presigned (SigV4) GET URL for a key of the test bucket. */
async function presign(key: string, expires = 300): Promise<string> {
  return ok(await aws(ep, ["s3", "presign", `s3://${B}/${key}`, "--expires-in", String(expires)], { env: cfgEnv }), "presign").trim();
}

beforeAll(async () => {
  const dir = tempDir();
  const cfg = join(dir, "config");
  await Bun.write(cfg, "[default]\ns3 =\n    signature_version = s3v4\n");
  cfgEnv = { AWS_CONFIG_FILE: cfg };
  const mb = await curl(ep, `${ep.url}/${B}`, { method: "PUT", sign: true });
  expect(mb.status).toBe(200);
  data = randomData(SIZE);
  const file = join(dir, "obj.bin");
  await Bun.write(file, data);
  const put = await curl(ep, obj("data/obj.bin"), { method: "PUT", sign: true, dataFile: file, headers: { "content-type": "application/x-curl" } });
  expect(put.status).toBe(200);
  expect(put.headers.etag).toBe(`"${md5Hex(data)}"`);
  objUrl = await presign("data/obj.bin");
});

describe("curl: presigned GET and Range", () => {
  test("full GET through an aws-cli presigned URL: 200, Content-Length, ETag, body", async () => {
    const r = await curl(null, objUrl);
    expect(r.status).toBe(200);
    expect(sameBytes(r.bytes, data)).toBe("equal");
    expect(r.headers.etag).toBe(`"${md5Hex(data)}"`);
    expect(r.headers["content-type"]).toBe("application/x-curl");
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers["last-modified"]).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    // S3 always answers GetObject with a Content-Length (clients such as s3cmd depend on it).
    expect(r.headers["content-length"]).toBe(String(SIZE));
    expect(r.headers["transfer-encoding"]).toBeUndefined();
  });

  const cases: [string, number, number][] = [
    ["bytes=0-9", 0, 9],
    ["bytes=-5", SIZE - 5, SIZE - 1],
    ["bytes=10-", 10, SIZE - 1],
    ["bytes=99990-200000", 99_990, SIZE - 1], // end past the size is clamped
  ];
  for (const [range, start, end] of cases) {
    test(`Range: ${range} → 206 with Content-Range bytes ${start}-${end}/${SIZE}`, async () => {
      const r = await curl(null, objUrl, { headers: { Range: range } });
      expect(r.status).toBe(206);
      expect(r.headers["content-range"]).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(r.headers["content-length"]).toBe(String(end - start + 1));
      expect(sameBytes(r.bytes, data.subarray(start, end + 1))).toBe("equal");
    });
  }

  test("unsatisfiable Range (start beyond the end) → 416 InvalidRange", async () => {
    const r = await curl(null, objUrl, { headers: { Range: `bytes=${SIZE}-` } });
    expect(r.status).toBe(416);
    expect(xmlCode(r.body)).toBe("InvalidRange");
  });

  test("a syntactically invalid Range is ignored → 200 full body (RFC 9110 §14.2)", async () => {
    const r = await curl(null, objUrl, { headers: { Range: "bytes=abc" } });
    expect(r.status).toBe(200);
    expect(r.bytes.length).toBe(SIZE);
  });

  test("HEAD via signed curl: headers only, Content-Length of the object", async () => {
    const r = await curl(ep, obj("data/obj.bin"), { method: "HEAD", sign: true });
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe(String(SIZE));
    expect(r.headers.etag).toBe(`"${md5Hex(data)}"`);
  });

  test("checksum headers are sent only with x-amz-checksum-mode: ENABLED", async () => {
    // Store an object with a SHA256 checksum (header form, signed payload).
    const body = "checksummed body";
    const sha = new Bun.CryptoHasher("sha256").update(body).digest("base64");
    const put = await curl(ep, obj("data/ck.txt"), { method: "PUT", sign: true, data: body, headers: { "x-amz-checksum-sha256": sha } });
    expect(put.status).toBe(200);
    const withMode = await curl(ep, obj("data/ck.txt"), { sign: true, headers: { "x-amz-checksum-mode": "ENABLED" } });
    expect(withMode.headers["x-amz-checksum-sha256"]).toBe(sha);
    const without = await curl(ep, obj("data/ck.txt"), { sign: true });
    expect(without.status).toBe(200);
    expect(without.headers["x-amz-checksum-sha256"]).toBeUndefined();
  });
});

describe("curl: errors", () => {
  test("GET a missing key → 404 application/xml <Code>NoSuchKey</Code> with Key and RequestId", async () => {
    const r = await curl(null, await presign("data/does-not-exist"));
    expect(r.status).toBe(404);
    expect(r.headers["content-type"]).toContain("application/xml");
    expect(xmlCode(r.body)).toBe("NoSuchKey");
    expect(r.body).toContain("<Key>data/does-not-exist</Key>");
    expect(r.body).toMatch(/<RequestId>[^<]+<\/RequestId>/);
    expect(r.headers["x-amz-request-id"]).toBeTruthy();
  });

  test("HEAD a missing key → 404 without a body", async () => {
    const r = await curl(ep, obj("data/does-not-exist"), { method: "HEAD", sign: true });
    expect(r.status).toBe(404);
  });

  test("GET in a missing bucket → 404 NoSuchBucket", async () => {
    const r = await curl(ep, `${ep.url}/${bucketName("curl-none")}/x`, { sign: true });
    expect(r.status).toBe(404);
    expect(xmlCode(r.body)).toBe("NoSuchBucket");
  });

  test("unsigned (anonymous) requests → 403 AccessDenied and nothing is written", async () => {
    const get = await curl(null, obj("data/obj.bin"));
    expect({ status: get.status, code: xmlCode(get.body) }).toEqual({ status: 403, code: "AccessDenied" });
    const list = await curl(null, `${ep.url}/${B}?list-type=2`);
    expect({ status: list.status, code: xmlCode(list.body) }).toEqual({ status: 403, code: "AccessDenied" });
    const buckets = await curl(null, `${ep.url}/`);
    expect({ status: buckets.status, code: xmlCode(buckets.body) }).toEqual({ status: 403, code: "AccessDenied" });
    const put = await curl(null, obj("data/anon.txt"), { method: "PUT", data: "anon" });
    expect({ status: put.status, code: xmlCode(put.body) }).toEqual({ status: 403, code: "AccessDenied" });
    const del = await curl(null, obj("data/obj.bin"), { method: "DELETE" });
    expect(del.status).toBe(403);
    const head = await curl(ep, obj("data/anon.txt"), { method: "HEAD", sign: true });
    expect(head.status).toBe(404);
    const still = await curl(ep, obj("data/obj.bin"), { method: "HEAD", sign: true });
    expect(still.status).toBe(200);
  });

  test("wrong secret → 403 SignatureDoesNotMatch; unknown access key → 403 InvalidAccessKeyId", async () => {
    const wrong = { ...ep, secretKey: "not-the-secret" };
    const r = await curl(wrong, obj("data/obj.bin"), { sign: true });
    expect({ status: r.status, code: xmlCode(r.body) }).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    const unknown = { ...ep, accessKey: "NOSUCHKEY123" };
    const u = await curl(unknown, obj("data/obj.bin"), { sign: true });
    expect({ status: u.status, code: xmlCode(u.body) }).toEqual({ status: 403, code: "InvalidAccessKeyId" });
  });

  test("x-amz-content-sha256 that does not match the body → 400 XAmzContentSHA256Mismatch, nothing stored", async () => {
    const wrongHash = new Bun.CryptoHasher("sha256").update("other").digest("hex");
    const r = await curl(ep, obj("data/mismatch.txt"), { method: "PUT", sign: true, data: "actual body", headers: { "x-amz-content-sha256": wrongHash } });
    expect({ status: r.status, code: xmlCode(r.body) }).toEqual({ status: 400, code: "XAmzContentSHA256Mismatch" });
    const head = await curl(ep, obj("data/mismatch.txt"), { method: "HEAD", sign: true });
    expect(head.status).toBe(404);
  });

  test("an expired presigned URL → 403 AccessDenied", async () => {
    const url = await presign("data/obj.bin", 1);
    await Bun.sleep(2100);
    const r = await curl(null, url);
    expect({ status: r.status, code: xmlCode(r.body) }).toEqual({ status: 403, code: "AccessDenied" });
  });

  test("health endpoint answers 200 without credentials", async () => {
    const r = await curl(null, `${ep.url}/minio/health/live`);
    expect(r.status).toBe(200);
  });
});

describe("curl: virtual-host-style requests", () => {
  // curl resolves *.localhost to the loopback address itself (RFC 6761), so the request
  // carries Host: BUCKET.localhost:PORT exactly as a virtual-host client would send it.
  test("signed GET/PUT/LIST on http://BUCKET.localhost:PORT/", async () => {
    const base = `http://${B}.${ep.domain}:${ep.port}`;
    const put = await curl(ep, `${base}/vhost/file.txt`, { method: "PUT", sign: true, data: "via virtual host" });
    expect(put.status).toBe(200);
    const get = await curl(ep, `${base}/vhost/file.txt`, { sign: true });
    expect(get.status).toBe(200);
    expect(get.body).toBe("via virtual host");
    // curl 7.88 signs query values unencoded (curl/curl#11794), so "/" is pre-encoded here.
    const list = await curl(ep, `${base}/?list-type=2&prefix=vhost%2F`, { sign: true });
    expect(list.status).toBe(200);
    expect(list.body).toContain("<Key>vhost/file.txt</Key>");
    expect(list.body).toContain(`<Name>${B}</Name>`);
    // The same object is visible path-style.
    const path = await curl(ep, obj("vhost/file.txt"), { sign: true });
    expect(path.body).toBe("via virtual host");
    // An explicit Host header works the same way (the URL host is only where curl connects).
    const viaHeader = await curl(ep, `${ep.url}/vhost/file.txt`, { sign: true, headers: { Host: `${B}.${ep.domain}:${ep.port}` } });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toBe("via virtual host");
  });
});
