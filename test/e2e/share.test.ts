// Share links (osproxy): made through the admin endpoint the console uses and by `bun run share`,
// downloaded by curl from /s/<token> with Range, conditions and `curl -C -` resume; tampered
// and expired links refused with an S3 error that names neither bucket nor key. Runs on Bun
// and on workerd (the CLI makes links offline from the root credentials, the same on both).
import { describe, expect, it, beforeAll } from "bun:test";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { bucketName, curl, md5Hex, ok, randomData, REPO_ROOT, run, tempDir, useServer, xmlCode } from "./harness.ts";

const ep = useServer();
const bucket = bucketName("share");
const key = "reports/2026/q4 summary.bin";
const data = randomData(3 * 1024 * 1024 + 123);
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
let s3: AwsClient;

const objUrl = () => `${ep.url}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

async function share(expires: string, k = key): Promise<Response> {
  const q = new URLSearchParams({ bucket, key: k, expires });
  return s3.fetch(`${ep.url}/minio/admin/v3/s3edge/share?${q}`, { method: "POST", headers: { "x-amz-content-sha256": EMPTY_SHA256 } });
}

async function link(expires = "1h"): Promise<string> {
  const r = await share(expires);
  const body = await r.text();
  expect(r.status, body).toBe(200);
  const j = JSON.parse(body) as { path: string; url: string; expiration: string };
  expect(j.path).toMatch(/^\/s\/[A-Za-z0-9_-]+$/);
  return `${ep.url}${j.path}`;
}

beforeAll(async () => {
  s3 = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region, retries: 0 });
  expect((await s3.fetch(`${ep.url}/${bucket}`, { method: "PUT" })).status).toBe(200);
  expect((await s3.fetch(objUrl(), { method: "PUT", body: data })).status).toBe(200);
});

describe("share links", () => {
  it("downloads whole, by range, with conditions; reveals no bucket, key or backend", async () => {
    const url = await link();
    expect(url).not.toContain(bucket);
    expect(url).not.toContain("reports");
    const whole = await curl(null, url);
    expect(whole.status).toBe(200);
    expect(md5Hex(whole.bytes)).toBe(md5Hex(data));
    expect(whole.headers["content-length"]).toBe(String(data.length));
    expect(whole.headers["content-disposition"]).toContain("q4%20summary.bin");
    expect(JSON.stringify(whole.headers)).not.toContain(bucket);
    const part = await curl(null, url, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 100-199/${data.length}`);
    expect(md5Hex(part.bytes)).toBe(md5Hex(data.subarray(100, 200)));
    const etag = whole.headers["etag"];
    expect((await curl(null, url, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await curl(null, url, { headers: { "if-match": '"0000"' } })).status).toBe(412);
    const head = await curl(null, url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(data.length));
  });

  it("curl -C - resumes an interrupted download", async () => {
    const url = await link();
    const dir = tempDir("s3edge-share-");
    const file = join(dir, "partial.bin");
    writeFileSync(file, data.subarray(0, 1_000_000)); // what an interrupted download left
    ok(await run(["curl", "-sS", "-f", "-C", "-", "-o", file, url]), "curl -C -");
    expect(md5Hex(new Uint8Array(readFileSync(file)))).toBe(md5Hex(data));
  });

  it("a tampered link is 403 AccessDenied, naming nothing", async () => {
    const url = await link();
    const token = url.slice(url.lastIndexOf("/") + 1);
    const i = Math.floor(token.length / 2);
    const flipped = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
    for (const bad of [flipped, token.slice(0, -2), "not-a-token", token + "AA"]) {
      const r = await curl(null, `${ep.url}/s/${bad}`);
      expect(r.status).toBe(403);
      expect(xmlCode(r.body)).toBe("AccessDenied");
      expect(r.body).not.toContain(bucket);
    }
  });

  it("an expired link is refused with S3's expired-request error", async () => {
    const url = await link("1s");
    // Made with whole-second expiry: refused within ~2 s; poll rather than sleep a fixed time.
    let r = await curl(null, url);
    for (let i = 0; i < 40 && r.status === 200; i++) { await Bun.sleep(100); r = await curl(null, url); }
    expect(r.status).toBe(403);
    expect(xmlCode(r.body)).toBe("AccessDenied");
    expect(r.body).toContain("Request has expired");
  });

  it("refuses bad expiries and unsigned callers; a deleted object reads as NoSuchKey", async () => {
    expect((await share("30d")).status).toBe(400);
    expect((await share("soon")).status).toBe(400);
    const anon = await fetch(`${ep.url}/minio/admin/v3/s3edge/share?bucket=${bucket}&key=x`, { method: "POST" });
    expect(anon.status).toBe(403);
    await s3.fetch(`${ep.url}/${bucket}/gone.txt`, { method: "PUT", body: "bye" });
    const r = await share("1h", "gone.txt");
    const url = `${ep.url}${(await r.json() as { path: string }).path}`;
    expect((await curl(null, url)).body).toBe("bye");
    await s3.fetch(`${ep.url}/${bucket}/gone.txt`, { method: "DELETE" });
    const after = await curl(null, url);
    expect(after.status).toBe(404);
    expect(xmlCode(after.body)).toBe("NoSuchKey");
    expect(after.body).not.toContain(bucket);
  });

  it("`bun run share` prints a link the gateway serves", async () => {
    const r = await run([join(REPO_ROOT, "node_modules/.bin/bun"), "src/cli/share.ts", `${bucket}/${key}`, "--expires", "10m", "--endpoint", ep.url], {
      cwd: REPO_ROOT, env: { S3EDGE_ROOT_USER: ep.accessKey, S3EDGE_ROOT_PASSWORD: ep.secretKey },
    });
    const url = ok(r, "share CLI").trim();
    expect(url).toMatch(new RegExp(`^${ep.url}/s/[A-Za-z0-9_-]+$`));
    const got = await curl(null, url);
    expect(got.status).toBe(200);
    expect(md5Hex(got.bytes)).toBe(md5Hex(data));
  });
});
