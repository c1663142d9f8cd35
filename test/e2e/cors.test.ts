// Bucket CORS end to end: aws cli put/get/delete-bucket-cors, a preflight with curl, CORS
// headers on a presigned GET, and (when Debian's chromium is installed) a real browser on a
// second local origin uploading with a presigned PUT.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { aws, awsJson, bucketName, curl, ok, tempDir, useServer, xmlCode } from "./harness.ts";
import { browserFetchFromOrigin } from "./browser.ts";

const ep = useServer();
const B = bucketName("cors");
const APP_ORIGIN = "https://app.example.com";

const CONFIG = {
  CORSRules: [
    {
      ID: "uploads", AllowedOrigins: ["https://*.example.com"], AllowedMethods: ["PUT", "GET"],
      AllowedHeaders: ["content-type", "x-amz-*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600,
    },
    { AllowedOrigins: ["*"], AllowedMethods: ["HEAD"] },
  ],
};

const putCors = (config: unknown) => aws(ep, ["s3api", "put-bucket-cors", "--bucket", B, "--cors-configuration", JSON.stringify(config)]);
const preflight = (key: string, headers: Record<string, string>) => curl(null, `${ep.url}/${B}/${key}`, { method: "OPTIONS", headers });

describe("bucket CORS", () => {
  test("aws cli: get before put is NoSuchCORSConfiguration; put, get back, unsupported method refused", async () => {
    ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]), "create-bucket");
    const none = await aws(ep, ["s3api", "get-bucket-cors", "--bucket", B]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("NoSuchCORSConfiguration");
    ok(await putCors(CONFIG), "put-bucket-cors");
    const got = await awsJson(ep, ["s3api", "get-bucket-cors", "--bucket", B]);
    expect(got.CORSRules).toEqual(CONFIG.CORSRules);
    const bad = await putCors({ CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["PATCH"] }] });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("Found unsupported HTTP method in CORS config. Unsupported method is PATCH");
  });

  test("curl: an unsigned OPTIONS preflight is answered from the rules", async () => {
    const res = await preflight("dir/upload.bin", {
      Origin: APP_ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,x-amz-date",
    });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe(APP_ORIGIN);
    expect(res.headers["access-control-allow-methods"]).toBe("PUT, GET");
    expect(res.headers["access-control-allow-headers"]).toBe("content-type, x-amz-date");
    expect(res.headers["access-control-max-age"]).toBe("600");
    expect(res.headers["access-control-expose-headers"]).toBe("ETag");
    expect(res.headers["vary"]).toBe("Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    const refused = await preflight("k", { Origin: "https://example.org", "Access-Control-Request-Method": "PUT" });
    expect(refused.status).toBe(403);
    expect(xmlCode(refused.body)).toBe("AccessForbidden");
    const noOrigin = await preflight("k", { "Access-Control-Request-Method": "PUT" });
    expect(noOrigin.status).toBe(400);
  });

  test("a presigned GET from a matching origin carries Access-Control-Allow-Origin; another origin gets none", async () => {
    const file = join(tempDir(), "hello.txt");
    await Bun.write(file, "hello");
    ok(await aws(ep, ["s3api", "put-object", "--bucket", B, "--key", "hello.txt", "--body", file]), "put-object");
    const url = ok(await aws(ep, ["s3", "presign", `s3://${B}/hello.txt`]), "presign").trim();
    const res = await curl(null, url, { headers: { Origin: APP_ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.body).toBe("hello");
    expect(res.headers["access-control-allow-origin"]).toBe(APP_ORIGIN);
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect(res.headers["access-control-expose-headers"]).toBe("ETag");
    const other = await curl(null, url, { headers: { Origin: "https://example.org" } });
    expect(other.status).toBe(200);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  test.skipIf(!existsSync("/usr/bin/chromium"))("headless Chromium on another origin: presigned PUT and GET work with the rule, fail without it", async () => {
    const presign = async (method: "put" | "get", key: string) => {
      // aws cli presigns GET only; boto3 (botocore, on the machine with the cli) signs the PUT.
      // SigV4 (boto3 presigns SigV2 by default, which signs Content-Type: the browser's text/plain would not match).
      const script = `import boto3,os;from botocore.config import Config;c=boto3.client("s3",endpoint_url=os.environ["EP"],region_name=os.environ["R"],aws_access_key_id=os.environ["AK"],aws_secret_access_key=os.environ["SK"],config=Config(signature_version="s3v4"));` +
        `print(c.generate_presigned_url("${method}_object",Params={"Bucket":"${B}","Key":"${key}"},ExpiresIn=600))`;
      const p = Bun.spawn(["python3", "-c", script], { env: { ...process.env, EP: ep.url, R: ep.region, AK: ep.accessKey, SK: ep.secretKey }, stdout: "pipe", stderr: "pipe" });
      const out = (await new Response(p.stdout).text()).trim();
      if ((await p.exited) !== 0) throw new Error(await new Response(p.stderr).text());
      return out;
    };
    const run = async () => browserFetchFromOrigin({
      put: await presign("put", "from-browser.txt"), get: await presign("get", "from-browser.txt"), body: "sent by a page",
    });
    // The page's origin is http://127.0.0.1:<port>: allow it (the port is the wildcard's part).
    ok(await putCors({ CORSRules: [{ AllowedOrigins: ["http://127.0.0.1:*"], AllowedMethods: ["PUT", "GET"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag"] }] }), "put-bucket-cors");
    const allowed = await run();
    expect(allowed).toEqual({ put: { ok: true, status: 200, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) }, get: { ok: true, status: 200, text: "sent by a page" } });
    ok(await aws(ep, ["s3api", "delete-bucket-cors", "--bucket", B]), "delete-bucket-cors");
    const refused = await run();
    expect(refused.put.ok).toBe(false);
    expect(refused.get.ok).toBe(false);
  }, 60_000);

  test("aws cli: delete-bucket-cors; then get is NoSuchCORSConfiguration and a preflight is refused", async () => {
    ok(await aws(ep, ["s3api", "delete-bucket-cors", "--bucket", B]), "delete-bucket-cors");
    const none = await aws(ep, ["s3api", "get-bucket-cors", "--bucket", B]);
    expect(none.stderr).toContain("NoSuchCORSConfiguration");
    const res = await preflight("k", { Origin: APP_ORIGIN, "Access-Control-Request-Method": "GET" });
    expect(res.status).toBe(403);
    expect(res.body).toContain("CORS is not enabled for this bucket.");
  });
});
