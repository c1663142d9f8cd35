// S3BlobStore against a second real s3edge gateway as its upstream, through the same BlobStore
// contract as the memory and fs stores; plus what only a remote store has: retries, timeouts,
// an unreachable upstream (a 503 for the client, never a crash), URL validation.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import { blobStoreContract } from "../../contract/blob-store.ts";
import { createMemoryBlobStore } from "../../../src/store/memory/blob-store.ts";
import { createFsBlobStore } from "../../../src/runtime/bun/fs-blob-store.ts";
import { BlobStoreUnavailable, createS3BlobStore, UpstreamError, type S3BlobStoreOptions } from "../../../src/store/s3/blob-store.ts";
import { parseBlobUrl } from "../../../src/store/s3/url.ts";
import { createUpstreamFetch } from "../../../src/runtime/bun/upstream-fetch.ts";
import { ConfigError } from "../../../src/config-error.ts";
import { freePort, runServe, startGateway, type Gateway } from "./s3-gateway.ts";

let up: Gateway;
const BUCKET = "chunks-upstream";
const root = mkdtempSync(join(tmpdir(), "s3edge-blobcontract-"));

beforeAll(async () => {
  up = await startGateway();
  const r = await up.client.fetch(`${up.url}/${BUCKET}`, { method: "PUT" });
  expect(r.status).toBe(200);
}, 20_000);
afterAll(async () => { await up?.destroy(); rmSync(root, { recursive: true, force: true }); });

const baseOpts = (o: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions => ({
  endpoint: up.url, bucket: BUCKET, prefix: "", region: "us-east-1", style: "path",
  accessKeyId: up.accessKey, secretAccessKey: up.secretKey, backoffMs: 5, ...o,
});

blobStoreContract("memory", () => createMemoryBlobStore());
blobStoreContract("fs", () => createFsBlobStore(mkdtempSync(join(root, "fs-")), { fsync: false }));
blobStoreContract("s3 (path style, s3edge upstream)", () => createS3BlobStore(baseOpts()));
blobStoreContract("s3 (under a prefix)", () => createS3BlobStore(baseOpts({ prefix: `node-${crypto.randomUUID().slice(0, 6)}/chunks/` })));
blobStoreContract("s3 (GET/HEAD over pooled sockets)", () => createS3BlobStore(baseOpts({ fetch: createUpstreamFetch() })));

/** A throwaway HTTP server for the fault cases; `answer` decides per request. */
async function fakeUpstream(answer: (n: number, req: Request) => Response | Promise<Response> | null): Promise<{ url: string; hits: () => number; close(): void }> {
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const r = answer(n++, new Request(`http://x${req.url}`, { method: req.method }));
    const got = await r;
    if (!got) return; // never answer: a stalled upstream
    res.writeHead(got.status, Object.fromEntries(got.headers));
    res.end(Buffer.from(await got.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits: () => n, close: () => { server.closeAllConnections(); server.close(); } };
}

const slowDown = () => new Response("<Error><Code>SlowDown</Code><Message>busy</Message></Error>", { status: 503, headers: { "content-type": "application/xml" } });

// The same faults over both transports: the runtime's fetch, and Bun's pooled sockets for GET/HEAD
// (src/runtime/bun/upstream-fetch.ts, what `s3edge serve` uses).
for (const [transport, viaFetch] of [["fetch", undefined], ["pooled sockets", createUpstreamFetch()]] as const) {
describe(`S3BlobStore faults (${transport})`, () => {
  const storeOpts = (o: Partial<S3BlobStoreOptions> = {}) => baseOpts({ fetch: viaFetch, ...o });
  it("retries 503 SlowDown on idempotent calls, then succeeds", async () => {
    const fake = await fakeUpstream((n) => (n < 2 ? slowDown() : new Response("", { status: 200, headers: { "content-length": "5" } })));
    try {
      const s = createS3BlobStore(storeOpts({ endpoint: fake.url }));
      expect(await s.head("k")).toEqual({ size: 5 });
      expect(fake.hits()).toBe(3);
    } finally { fake.close(); }
  });

  it("an upstream that keeps failing is BlobStoreUnavailable (S3 ServiceUnavailable, 503) after the retries", async () => {
    const fake = await fakeUpstream(() => slowDown());
    try {
      const s = createS3BlobStore(storeOpts({ endpoint: fake.url, retries: 2 }));
      const e = await s.get("k").catch((x) => x);
      expect(e).toBeInstanceOf(BlobStoreUnavailable);
      expect(e.status).toBe(503);
      expect(e.code).toBe("ServiceUnavailable");
      expect(e.message).not.toContain("127.0.0.1"); // clients never learn the backend
      expect(fake.hits()).toBe(3);
    } finally { fake.close(); }
  });

  it("a streamed put is sent once (its bytes cannot be sent again)", async () => {
    const fake = await fakeUpstream(() => slowDown());
    try {
      const s = createS3BlobStore(storeOpts({ endpoint: fake.url }));
      await expect(s.put("k", new Response("abc").body!, { size: 3 })).rejects.toBeInstanceOf(BlobStoreUnavailable);
      expect(fake.hits()).toBe(1);
    } finally { fake.close(); }
  });

  it("a refused request (403) is an UpstreamError at once, not retried", async () => {
    const fake = await fakeUpstream(() => new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 }));
    try {
      const s = createS3BlobStore(storeOpts({ endpoint: fake.url }));
      const e = await s.list().catch((x) => x);
      expect(e).toBeInstanceOf(UpstreamError);
      expect(e.code).toBe("AccessDenied");
      expect(fake.hits()).toBe(1);
    } finally { fake.close(); }
  });

  it("a connection refused is BlobStoreUnavailable, quickly", async () => {
    const s = createS3BlobStore(storeOpts({ endpoint: `http://127.0.0.1:${await freePort()}` }));
    const t = Date.now();
    await expect(s.head("k")).rejects.toBeInstanceOf(BlobStoreUnavailable);
    await expect(s.probe()).rejects.toBeInstanceOf(BlobStoreUnavailable);
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it("an upstream that never answers times out into BlobStoreUnavailable", async () => {
    const fake = await fakeUpstream(() => null);
    try {
      const s = createS3BlobStore(storeOpts({ endpoint: fake.url, timeoutMs: 200, retries: 1 }));
      const t = Date.now();
      await expect(s.head("k")).rejects.toBeInstanceOf(BlobStoreUnavailable);
      expect(Date.now() - t).toBeLessThan(2000);
      expect(fake.hits()).toBe(2);
    } finally { fake.close(); }
  });

  it("falls back to single DELETEs where DeleteObjects is not implemented", async () => {
    const seen: string[] = [];
    const fake = await fakeUpstream((_, req) => {
      seen.push(`${req.method} ${new URL(req.url).pathname}`);
      return req.method === "POST" ? new Response("<Error><Code>NotImplemented</Code></Error>", { status: 501 }) : new Response(null, { status: 204 });
    });
    try {
      const s = createS3BlobStore(storeOpts({ endpoint: fake.url, prefix: "p/" }));
      await s.delete(["a", "b"]);
      expect(seen).toEqual([`POST /${BUCKET}/`, `DELETE /${BUCKET}/p/a`, `DELETE /${BUCKET}/p/b`]);
    } finally { fake.close(); }
  });

  it("virtual-host style puts the bucket in the host name", async () => {
    const hosts: string[] = [];
    const s = createS3BlobStore(storeOpts({
      style: "virtual", endpoint: "http://s3.example.test:9000",
      fetch: (async (input: RequestInfo | URL) => { hosts.push(new URL(String(input)).host + new URL(String(input)).pathname); return new Response(null, { status: 404 }); }) as typeof fetch,
    }));
    expect(await s.head("abc")).toBeNull();
    expect(hosts).toEqual([`${BUCKET}.s3.example.test:9000/abc`]);
  });
});
}

describe("blob store URL", () => {
  const env = { S3EDGE_BLOB_ACCESS_KEY: "ak", S3EDGE_BLOB_SECRET_KEY: "sk" };
  it("parses scheme, host, bucket, prefix, region and style", () => {
    const t = parseBlobUrl("s3+https://minio.internal:9000/chunks/node-a/x?region=eu-west-1&style=virtual", env);
    expect(t).toEqual({
      kind: "s3", display: "s3+https://minio.internal:9000/chunks/node-a/x",
      options: { endpoint: "https://minio.internal:9000", bucket: "chunks", prefix: "node-a/x/", region: "eu-west-1", style: "virtual", accessKeyId: "ak", secretAccessKey: "sk", sessionToken: undefined },
    });
    expect(parseBlobUrl(undefined, env)).toEqual({ kind: "fs" });
    expect((parseBlobUrl("s3+http://127.0.0.1:9000/b1b", env) as { options: { prefix: string; style: string } }).options).toMatchObject({ prefix: "", style: "path" });
  });

  it.each([
    ["http://h:1/b", "unsupported scheme http"],
    ["s3+http://h:1/", "no bucket"],
    ["s3+http://h:1/Bad_Bucket", "invalid bucket name"],
    ["s3+http://u:p@h:1/bkt", "credentials do not belong in the URL"],
    ["s3+http://h:1/bkt?style=sideways", "style must be path or virtual"],
    ["s3+http://h:1/bkt?foo=1", "unknown parameter"],
    ["not a url", "not a URL"],
  ])("refuses %s", (url, why) => {
    expect(() => parseBlobUrl(url, env)).toThrow(why);
    expect(() => parseBlobUrl(url, env)).toThrow(ConfigError);
  });

  it("needs the credentials", () => {
    expect(() => parseBlobUrl("s3+http://h:1/bkt", {})).toThrow("S3EDGE_BLOB_ACCESS_KEY and S3EDGE_BLOB_SECRET_KEY must be set");
  });
});

describe("gateway start-up with --blobs / --meta", () => {
  it("a bad URL is one line naming it, exit 2", async () => {
    const r = await runServe(["--blobs", "s3+ftp://h/b"]);
    expect(r.code).toBe(2);
    expect(r.out.trim().split("\n")).toEqual([expect.stringContaining("--blobs: unsupported scheme s3+ftp")]);
  });

  it("an unreachable upstream is one line naming it, exit 2", async () => {
    const port = await freePort();
    const r = await runServe([], { S3EDGE_BLOB_URL: `s3+http://127.0.0.1:${port}/chunks`, S3EDGE_BLOB_ACCESS_KEY: "a", S3EDGE_BLOB_SECRET_KEY: "b" });
    expect(r.code).toBe(2);
    expect(r.out.trim().split("\n")).toEqual([expect.stringContaining(`blob store s3+http://127.0.0.1:${port}/chunks is unreachable`)]);
  });

  it("a missing bucket upstream is named, exit 2", async () => {
    const r = await runServe(["--blobs", `s3+http://127.0.0.1:${up.port}/no-such-bucket`], { S3EDGE_BLOB_ACCESS_KEY: up.accessKey, S3EDGE_BLOB_SECRET_KEY: up.secretKey });
    expect(r.code).toBe(2);
    expect(r.out).toContain("NoSuchBucket");
  });

  it("--meta postgres:// that nothing answers: one line naming it (password masked), exit 2", async () => {
    const port = await freePort();
    const r = await runServe(["--meta", `postgres://u:secret@127.0.0.1:${port}/db`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`s3edge: metadata store postgres://u:…@127.0.0.1:${port}/db is unreachable`);
    expect(r.out).not.toContain("secret");
  });

  it("--meta with a malformed postgres URL or another scheme: exit 2", async () => {
    expect((await runServe(["--meta", "postgres://u:pw@[bad/db"])).out).toContain("--meta: postgres://u:…@[bad/db is not a valid postgres:// URL");
    expect((await runServe([], { S3EDGE_META_URL: "mysql://h/db" })).out).toContain("S3EDGE_META_URL: unsupported store mysql://h/db");
  });

  it("--meta postgres:// with a bad S3EDGE_LEADER_TTL_MS: exit 2 before connecting", async () => {
    const r = await runServe(["--meta", "postgres://u:pw@127.0.0.1:1/db"], { S3EDGE_LEADER_TTL_MS: "5s" });
    expect([r.code, r.out.trim()]).toEqual([2, "s3edge: S3EDGE_LEADER_TTL_MS: 5s is not a whole number of milliseconds from 200 to 3600000"]);
  });
});
