// Instant upload (osproxy's 秒传) and `bun run put`, against a real gateway on Bun and on workerd:
// a PUT naming its content by x-amz-checksum-sha256 + x-s3edge-instant sends no bytes when the
// bucket holds the content (many names, one copy; deleting one keeps the others) and is 412
// ContentNotStored when it does not (wrong size or hash included) or the content is in another
// bucket; the CLI hashes first, sends only if needed, and resumes a multipart upload it was
// killed in; downloads resume with curl -C - from a presigned and a share URL.
import { beforeAll, describe, expect, it } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { bucketName, md5Hex, MiB, ok, randomFile, REPO_ROOT, run, tempDir, useServer, xmlCode } from "./harness.ts";

const ep = useServer();
const bucket = bucketName("instant");
const other = bucketName("instant-other");
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
let s3: AwsClient;
let dir: string;

const url = (b: string, k: string) => `${ep.url}/${b}/${k.split("/").map(encodeURIComponent).join("/")}`;
const sha256B64 = (d: Uint8Array) => new Bun.CryptoHasher("sha256").update(d).digest("base64");
const instantPut = (b: string, k: string, data: Uint8Array, over: Record<string, string> = {}) => s3.fetch(url(b, k), {
  method: "PUT", body: "",
  headers: { "x-s3edge-instant": String(data.length), "x-amz-checksum-sha256": sha256B64(data), "x-amz-content-sha256": EMPTY_SHA256, ...over },
});
const getBytes = async (b: string, k: string) => {
  const r = await s3.fetch(url(b, k));
  expect(r.status).toBe(200);
  return new Uint8Array(await r.arrayBuffer());
};
const cliEnv = () => ({ AWS_ACCESS_KEY_ID: ep.accessKey, AWS_SECRET_ACCESS_KEY: ep.secretKey, AWS_REGION: ep.region, S3EDGE_ENDPOINT: ep.url });
const put = (file: string, target: string, ...flags: string[]) =>
  run(["bun", join(REPO_ROOT, "src/cli/put.ts"), file, target, "--json", ...flags], { env: cliEnv(), timeoutMs: 60_000 });
const result = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);

beforeAll(async () => {
  s3 = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region, retries: 0 });
  for (const b of [bucket, other]) expect((await s3.fetch(`${ep.url}/${b}`, { method: "PUT" })).status).toBe(200);
  dir = tempDir("s3edge-instant-");
});

describe("instant upload over HTTP", () => {
  it("hit, miss, wrong size or hash; many names one copy; deleting one keeps the others; no other bucket", async () => {
    const { data } = await randomFile(dir, "a.bin", 3 * MiB + 17);
    const src = await s3.fetch(url(bucket, "src.bin"), { method: "PUT", body: data, headers: { "x-amz-checksum-sha256": sha256B64(data) } });
    expect(src.status).toBe(200);
    const etag = `"${md5Hex(data)}"`;

    const miss = await instantPut(bucket, "never", new Uint8Array([1, 2, 3]));
    expect([miss.status, xmlCode(await miss.text())]).toEqual([412, "ContentNotStored"]);
    const wrongSize = await instantPut(bucket, "never", data, { "x-s3edge-instant": String(data.length - 1) });
    expect([wrongSize.status, xmlCode(await wrongSize.text())]).toEqual([412, "ContentNotStored"]);
    const wrongHash = await instantPut(bucket, "never", data, { "x-amz-checksum-sha256": sha256B64(data.subarray(1)) });
    expect([wrongHash.status, xmlCode(await wrongHash.text())]).toEqual([412, "ContentNotStored"]);
    expect((await s3.fetch(url(bucket, "never"), { method: "HEAD" })).status).toBe(404);

    for (const k of ["copy/1.bin", "copy/2 two.bin", "copy/3.bin"]) {
      const r = await instantPut(bucket, k, data);
      expect(r.status).toBe(200);
      expect(r.headers.get("etag")).toBe(etag);
    }
    expect((await s3.fetch(url(bucket, "src.bin"), { method: "DELETE" })).status).toBe(204);
    expect((await s3.fetch(url(bucket, "copy/1.bin"), { method: "DELETE" })).status).toBe(204);
    expect(md5Hex(await getBytes(bucket, "copy/2 two.bin"))).toBe(md5Hex(data));
    expect(md5Hex(await getBytes(bucket, "copy/3.bin"))).toBe(md5Hex(data));

    // The content lives in `bucket` only: another bucket's instant PUT needs the bytes.
    const cross = await instantPut(other, "k", data);
    expect([cross.status, xmlCode(await cross.text())]).toEqual([412, "ContentNotStored"]);
  });
});

describe("bun run put", () => {
  it("hashes first: one PUT for a new file, then instant for another name; multipart, then instant", async () => {
    const small = await randomFile(dir, "small.bin", 1 * MiB + 5);
    const first = result(ok(await put(small.path, `s3://${bucket}/cli/small.bin`), "put small"));
    expect([first.mode, first.etag]).toEqual(["single", md5Hex(small.data)]);
    const again = result(ok(await put(small.path, `s3://${bucket}/cli/small-again.bin`), "put small again"));
    expect([again.mode, again.etag]).toEqual(["instant", md5Hex(small.data)]);
    expect(md5Hex(await getBytes(bucket, "cli/small-again.bin"))).toBe(md5Hex(small.data));

    const big = await randomFile(dir, "big.bin", 10 * MiB + 3);
    const flags = ["--multipart-threshold", "8MiB", "--part-size", "5MiB"];
    const mp = result(ok(await put(big.path, `s3://${bucket}/cli/big.bin`, ...flags), "put big"));
    expect([mp.mode, mp.partsSent]).toEqual(["multipart", 3]);
    const dup = result(ok(await put(big.path, `s3://${bucket}/cli/big-copy.bin`, ...flags), "put big copy"));
    expect([dup.mode, dup.etag]).toEqual(["instant", md5Hex(big.data)]);
    expect(md5Hex(await getBytes(bucket, "cli/big-copy.bin"))).toBe(md5Hex(big.data));
  });

  it("resumes a multipart upload it was killed in, sending only the missing parts", async () => {
    const big = await randomFile(dir, "resume.bin", 15 * MiB + 11);
    const key = "cli/resume.bin";
    const flags = ["--multipart-threshold", "8MiB", "--part-size", "5MiB", "--concurrency", "1"];
    const proc = Bun.spawn(["bun", join(REPO_ROOT, "src/cli/put.ts"), big.path, `s3://${bucket}/${key}`, "--json", "--limit-rate", "8MiB", ...flags], {
      env: { ...process.env, ...cliEnv() }, stdout: "pipe", stderr: "pipe",
    });
    // Kill it once two parts are stored (of four, at 8 MiB/s: about 1.3 s in).
    let uploadId = "";
    for (let i = 0; i < 200 && proc.exitCode === null; i++) {
      const list = await (await s3.fetch(`${ep.url}/${bucket}?uploads&prefix=${encodeURIComponent(key)}`)).text();
      uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(list)?.[1] ?? "";
      if (uploadId) {
        const parts = await (await s3.fetch(`${url(bucket, key)}?uploadId=${encodeURIComponent(uploadId)}`)).text();
        if ((parts.match(/<Part>/g) ?? []).length >= 2) break;
      }
      await Bun.sleep(50);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    expect(uploadId).not.toBe("");
    expect((await s3.fetch(url(bucket, key), { method: "HEAD" })).status).toBe(404);

    const r = result(ok(await put(big.path, `s3://${bucket}/${key}`, ...flags), "put resume"));
    expect(r.mode).toBe("multipart");
    expect(r.uploadId).toBe(uploadId);
    expect(r.partsReused).toBeGreaterThanOrEqual(2);
    expect(r.partsReused + r.partsSent).toBe(4);
    expect(md5Hex(await getBytes(bucket, key))).toBe(md5Hex(big.data));
  });
});

describe("resumable download", () => {
  it("curl -C - continues from a presigned URL and from a share link", async () => {
    const { data } = await randomFile(dir, "dl.bin", 2 * MiB + 99);
    expect((await s3.fetch(url(bucket, "dl.bin"), { method: "PUT", body: data })).status).toBe(200);
    const presigned = (await s3.sign(`${url(bucket, "dl.bin")}?X-Amz-Expires=600`, { method: "GET", aws: { signQuery: true } })).url;
    const q = new URLSearchParams({ bucket, key: "dl.bin", expires: "1h" });
    const made = await s3.fetch(`${ep.url}/minio/admin/v3/s3edge/share?${q}`, { method: "POST", headers: { "x-amz-content-sha256": EMPTY_SHA256 } });
    expect(made.status).toBe(200);
    const shared = `${ep.url}${(await made.json() as { path: string }).path}`;
    for (const [name, link] of [["presigned", presigned], ["share", shared]] as const) {
      const file = join(dir, `partial-${name}.bin`);
      writeFileSync(file, data.subarray(0, 700_001)); // what an interrupted download left
      ok(await run(["curl", "-sS", "-f", "-C", "-", "-o", file, link]), `curl -C - (${name})`);
      expect(md5Hex(new Uint8Array(readFileSync(file)))).toBe(md5Hex(data));
    }
  });
});
