// boto3 against the gateway. Each test runs one script from test/e2e/py/ (real boto3 calls,
// endpoint and credentials from the environment) which prints its observations as JSON;
// the assertions live here.
import { beforeAll, describe, expect, test } from "bun:test";
import { bucketName, python, useServer } from "./harness.ts";

const ep = useServer();
const B = bucketName("boto3");
const VHOST_BUCKET = bucketName("boto3vh");
// The scripts touch disjoint buckets or key prefixes, so all start together once the server is
// up (each is mostly Python start-up, presign.py sleeps out an expiry); each test awaits its own.
const scripts = new Map<string, Promise<any>>();
const py = (script: string, bucket = B) => scripts.get(script) ?? python(ep, script, { S3EDGE_E2E_BUCKET: bucket });
beforeAll(() => {
  for (const [script, bucket] of [
    ["checksums.py", B], ["multipart.py", B], ["conditional.py", B], ["listing.py", B],
    ["sigv2.py", bucketName("boto3v2")], ["vhost.py", VHOST_BUCKET], ["presign.py", B],
  ] as const) {
    const p = python(ep, script, { S3EDGE_E2E_BUCKET: bucket });
    p.catch(() => {}); // reported by the test that awaits it
    scripts.set(script, p);
  }
});

/** UTF-8 byte order, the order S3 lists keys in. */
const byteOrder = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe("boto3", () => {
  test("put/get/head with flexible checksums CRC32, CRC32C, SHA1, SHA256, CRC64NVME; bad digests rejected", async () => {
    const r = await py("checksums.py");
    for (const alg of ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]) {
      const c = r[alg];
      expect({ alg, put: c.put, get: c.get, head: c.head, body_ok: c.body_ok, type: c.get_type }).toEqual({
        alg,
        put: c.want,
        get: c.want,
        head: c.want,
        body_ok: true,
        type: "FULL_OBJECT",
      });
    }
    expect(r.bad_sha256).toEqual({ status: 400, code: "BadDigest" });
    expect(r.bad_crc32).toEqual({ status: 400, code: "BadDigest" });
    expect(r.bad_md5).toEqual({ status: 400, code: "BadDigest" });
    expect(r.after_bad.status).toBe(404);
    // Ranged GET with ChecksumMode=ENABLED: S3 (and MinIO) send no full-object checksum for a
    // partial body, so botocore has nothing to validate and the slice reads cleanly.
    expect(r.range).toEqual({ status: 206, body_ok: true, crc32: null, checksum_error: null });
  });

  test("upload_fileobj/download_fileobj multipart with CRC32 parts; low-level multipart with SHA256 parts", async () => {
    const r = await py("multipart.py");
    expect(r.size).toBe(12 * 1024 * 1024 + 777);
    expect(r.etag).toBe(r.want_etag);
    expect(r.download_ok).toBe(true);
    expect(r.metadata).toEqual({ via: "upload_fileobj" });
    expect(r.content_type).toBe("video/x-test");
    // s3transfer creates the upload with CRC32 (COMPOSITE by default in S3).
    if (r.checksum_type === "FULL_OBJECT") expect(r.crc32).toBe(r.want_crc32_full);
    else expect({ type: r.checksum_type, crc32: r.crc32 }).toEqual({ type: "COMPOSITE", crc32: r.want_crc32_composite });

    const s = r.sha256;
    expect(s.part_checksums).toEqual(s.want_part_checksums);
    expect(s.list_parts_checksums).toEqual(s.want_part_checksums);
    expect(s.complete_checksum).toBe(s.want_composite);
    expect(s.get_checksum).toBe(s.want_composite);
    expect(s.body_ok).toBe(true);
    expect(s.part2_ok).toBe(true);
    expect(s.part2_parts_count).toBe(3);
    expect(s.part2_content_range).toBe(`bytes ${5 * 1024 * 1024}-${10 * 1024 * 1024 - 1}/${12 * 1024 * 1024 + 777}`);
    // GET ?partNumber=2 with ChecksumMode returns that part's checksum (S3 behaviour).
    expect(s.part2_checksum).toBe(s.want_part_checksums[1]);
  });

  test("conditional GET/HEAD (If-Match, If-None-Match, If-(Un)Modified-Since), conditional PUT, response overrides", async () => {
    const r = await py("conditional.py");
    const want = (preFail: [number, string | null]) => ({
      if_match_ok: [200, null],
      if_match_star: [200, null],
      if_match_bad: preFail,
      if_none_match_same: [304, "304"],
      if_none_match_star: [304, "304"],
      if_none_match_other: [200, null],
      if_modified_since_before: [200, null],
      if_modified_since_equal: [304, "304"],
      if_unmodified_since_before: preFail,
      if_unmodified_since_equal: [200, null],
      match_and_unmodified_false: [200, null],
      none_match_and_modified_true: [304, "304"],
    });
    expect(r.get).toEqual(want([412, "PreconditionFailed"]));
    // HEAD has no body, so botocore reports the bare status as the code.
    expect(r.head).toEqual(want([412, "412"]));
    expect(r.overrides).toEqual({
      "content-type": "application/x-override",
      "content-disposition": 'attachment; filename="x.txt"',
      "cache-control": "no-cache",
      "content-language": "de-DE",
      expires: "Wed, 02 Jan 2030 03:04:05 GMT",
      "content-encoding": "identity",
    });
    expect(r.stored_content_type).toBe("text/plain");
    expect(r.put_if_none_match_existing).toEqual([412, "PreconditionFailed"]);
    expect(r.put_if_none_match_new).toEqual([200, null]);
    expect(r.body_after).toBe("hello conditional world");
  });

  test("list_objects (v1): Marker pagination, delimiter NextMarker, EncodingType=url", async () => {
    const r = await py("listing.py");
    const all = byteOrder(r.keys);
    expect(r.pages.map((p: any) => p.keys)).toEqual([all.slice(0, 3), all.slice(3, 6), all.slice(6)]);
    expect(r.pages.map((p: any) => p.truncated)).toEqual([true, true, false]);
    expect(r.delim_page1).toEqual({ keys: ["list/b"], prefixes: ["list/a/"], truncated: true, next_marker: "list/b" });
    expect(r.delim_rest).toEqual({ keys: ["list/c d", "list/e+f", "list/g%h", "list/z"], prefixes: ["list/ü/"], truncated: false });
    expect(r.encoded.encoding_type).toBe("url");
    expect(r.encoded.decoded_keys).toEqual(all);
    // Keys that need encoding are sent encoded ('+' must be %2B: clients decode '+' as space).
    const raw: string[] = r.encoded.raw_keys;
    expect(raw.some((k) => k.includes(" ") || k.includes("ü"))).toBe(false);
    expect(raw).toContain("list/e%2Bf");
    expect(r.default_keys).toEqual(all);
    expect(r.v2_default_keys).toEqual(all);
    expect(r.default_prefixes).toEqual(["list/a/", "list/ü/"]);
  });

  test("SigV2 (signature_version='s3'): create/put/get/head/list/tagging/copy/delete, presigned v2 URL", async () => {
    const r = await py("sigv2.py");
    expect(r.create_bucket).toBe(200);
    expect(r.put_etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(r.get_ok).toBe(true);
    expect(r.head).toEqual({ len: 5000, meta: { sig: "v2" }, type: "application/x-v2" });
    expect(r.list).toEqual(["v2/obj name+plus.bin"]);
    expect(r.list_v2).toEqual(["v2/obj name+plus.bin"]);
    expect(r.tags).toEqual([{ Key: "k", Value: "v" }]);
    expect(r.copy_ok).toBe(true);
    expect(r.bad_secret).toEqual([403, "SignatureDoesNotMatch"]);
    expect(r.presign_is_v2).toBe(true);
    expect(r.presign_get_ok).toBe(true);
    expect(r.presign_tampered).toBe(403);
    expect(r.unicode_ok).toBe(true);
    expect(r.after_delete).toBe(404);
  });

  test("virtual-host-style addressing (bucket.localhost)", async () => {
    const vb = VHOST_BUCKET;
    const r = await py("vhost.py", vb);
    expect(r.create).toBe(200);
    expect(r.get_ok).toBe(true);
    expect(r.list).toEqual(["vh/dir/file.txt"]);
    expect(r.head_len).toBe(1800);
    expect(r.location ?? null).toBeNull();
    expect(r.copy_ok).toBe(true);
    expect(r.presigned_ok).toBe(true);
    // boto3 really addressed the bucket by host name, not by path (botocore always sends
    // GetBucketLocation path-style, so that one request is left out).
    const urls = (r.sent_urls as string[]).map((u) => new URL(u)).filter((u) => !u.searchParams.has("location"));
    expect(urls.length).toBeGreaterThanOrEqual(7);
    expect([...new Set(urls.map((u) => u.host))]).toEqual([`${vb}.${ep.domain}:${ep.port}`]);
    expect(urls.some((u) => u.pathname.startsWith(`/${vb}`))).toBe(false);
    // The presigned URL (SigV2 query auth, boto3's default for presigning) is virtual-host too.
    expect(new URL(r.presigned_url).host).toBe(`${vb}.${ep.domain}:${ep.port}`);
  });

  test("generate_presigned_url PUT/GET/HEAD, overrides, wrong method, expiry → 403 AccessDenied", async () => {
    const r = await py("presign.py");
    expect(r.put.status).toBe(200);
    expect(r.put.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(r.get).toEqual({ status: 200, ok: true });
    expect(r.override).toEqual({ status: 200, type: "image/png", disposition: "attachment" });
    expect(r.wrong_method).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(r.still_original).toBe(true);
    expect(r.head).toEqual({ status: 200, length: "20000" });
    expect(r.expired_get).toEqual({ status: 403, code: "AccessDenied" });
    expect(r.expired_put).toEqual({ status: 403, code: "AccessDenied" });
    expect(r.late_exists).toBe(404);
    expect(r.too_long).toEqual({ status: 400, code: "AuthorizationQueryParametersError" });
  });
});
