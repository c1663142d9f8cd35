// The console mount (src/console/routes.ts): the browser's GET / redirect that leaves S3
// ListBuckets alone, the shell and hashed assets with their cache headers, and a fresh bundle.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { ENDPOINT, s3 } from "../helpers/s3.ts";
import { CONSOLE_ASSETS, CONSOLE_ENTRY } from "../../../src/console/assets.gen.ts";
import { isBrowserVisit } from "../../../src/console/browser-visit.ts";
import { buildConsole } from "../../../scripts/build-console.ts";

const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const get = (path: string, headers: Record<string, string> = {}) => new Request(ENDPOINT + path, { headers });

describe("console mount", () => {
  it("redirects a browser's plain GET / to /console/", async () => {
    const { app } = memoryDeps();
    const res = await app.request(get("/", { accept: HTML }));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/console/");
  });

  it("leaves a signed ListBuckets at / to S3, even with Accept: text/html", async () => {
    const env = memoryDeps();
    const res = await s3(env).send("/", { headers: { accept: HTML } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<ListAllMyBucketsResult");
  });

  it.each([
    ["an Authorization header", get("/", { accept: HTML, authorization: "AWS4-HMAC-SHA256 Credential=x" })],
    ["a presigned query", get("/?X-Amz-Credential=x&X-Amz-Signature=y", { accept: HTML })],
    ["a SigV2 query", get("/?AWSAccessKeyId=x&Signature=y&Expires=1", { accept: HTML })],
    ["an x-amz header", get("/", { accept: HTML, "x-amz-date": "20260101T000000Z" })],
    ["no text/html in Accept", get("/", { accept: "*/*" })],
    ["a virtual-host bucket", get("/", { accept: HTML, host: "photos.s3.local" })],
    ["a POST", new Request(ENDPOINT + "/", { method: "POST", headers: { accept: HTML } })],
  ])("is not a browser visit with %s", (_, req) => {
    expect(isBrowserVisit(req, ["s3.local"])).toBe(false);
  });

  it("serves the shell without caching, naming the hashed bundle, and /console redirects to /console/", async () => {
    const { app } = memoryDeps();
    const bare = await app.request(get("/console"));
    expect(bare.status).toBe(302);
    expect(bare.headers.get("location")).toBe("/console/");
    for (const path of ["/console/", "/console/anything/below"]) {
      const res = await app.request(get(path));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
      const html = await res.text();
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).toContain(`/console/assets/${CONSOLE_ENTRY.script}`);
      expect(html).toContain(`/console/assets/${CONSOLE_ENTRY.style}`);
      expect(html).toContain('data-region="us-east-1"');
      expect(html).toContain(`data-kdf-worker="/console/assets/${CONSOLE_ENTRY.kdfWorker}"`);
    }
  });

  it("serves the Argon2id Web Worker as its own hashed script, which the CSP lets the page start", async () => {
    const { app } = memoryDeps();
    expect(CONSOLE_ENTRY.kdfWorker).toMatch(/^kdf\.[0-9a-f]{12}\.js$/);
    const res = await app.request(get(`/console/assets/${CONSOLE_ENTRY.kdfWorker}`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = await res.text();
    expect(body).toContain("onmessage");
    expect(body).not.toContain("document"); // a worker bundle, not the page's
    const shell = await app.request(get("/console/"));
    expect(shell.headers.get("content-security-policy")).toContain("worker-src 'self'");
  });

  it("serves hashed assets as immutable; an unknown asset is a 404, another method a 405", async () => {
    const { app } = memoryDeps();
    const res = await app.request(get(`/console/assets/${CONSOLE_ENTRY.script}`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await res.text()).toBe(CONSOLE_ASSETS[CONSOLE_ENTRY.script].body);
    const css = await app.request(get(`/console/assets/${CONSOLE_ENTRY.style}`));
    expect(css.headers.get("content-type")).toContain("text/css");
    expect((await app.request(get("/console/assets/app.000000000000.js"))).status).toBe(404);
    expect((await app.request(new Request(ENDPOINT + "/console", { method: "PUT" }))).status).toBe(405);
  });

  it("assets.gen.ts matches the client sources (rebuild with `bun scripts/build-console.ts`)", async () => {
    const { source } = await buildConsole();
    expect(await Bun.file(new URL("../../../src/console/assets.gen.ts", import.meta.url)).text()).toBe(source);
  });
});
