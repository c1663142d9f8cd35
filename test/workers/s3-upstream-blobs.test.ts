// The Worker over an S3 upstream (issue 17): with S3EDGE_BLOB_URL set, workers/gateway.ts keeps
// its chunks in that bucket instead of its R2 binding: here a Bun s3edge stands in for AWS/MinIO.
// Objects round-trip whole and by range across chunk boundaries, chunks land under the URL's
// prefix, a delete's GC (the MetaShard's alarm) removes them there. A bad blob URL is refused at
// start (test/unit/runtime/workers-blob-store.test.ts).
// Runs in the workerd suite (test/run-all.sh) or alone: bun test test/workers/s3-upstream-blobs.test.ts
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { AwsClient } from "aws4fetch";
import { randomData } from "../e2e/harness.ts";
import { startGateway, type Gateway } from "../unit/store/s3-gateway.ts";
import { gatewayConfig, startDevWorker, type DevWorker } from "./wrangler-dev.ts";

setDefaultTimeout(60_000);
const MiB = 1024 * 1024;
const UP_BUCKET = "edge-chunks";
const PREFIX = "worker-a";
let up: Gateway;
let w: DevWorker;
let s3: AwsClient;

const upstreamKeys = async (): Promise<string[]> => {
  const r = await up.client.fetch(`${up.url}/${UP_BUCKET}?list-type=2&prefix=${PREFIX}/`);
  return [...(await r.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!);
};

describe("the Worker's chunks in an S3 upstream (S3EDGE_BLOB_URL)", () => {
  beforeAll(async () => {
    up = await startGateway();
    expect((await up.client.fetch(`${up.url}/${UP_BUCKET}`, { method: "PUT" })).status).toBe(200);
    w = await startDevWorker("workers/gateway.ts", gatewayConfig({
      S3EDGE_BLOB_URL: `s3+http://127.0.0.1:${up.port}/${UP_BUCKET}/${PREFIX}`,
      S3EDGE_BLOB_ACCESS_KEY: up.accessKey, S3EDGE_BLOB_SECRET_KEY: up.secretKey,
      S3EDGE_CHUNK_SIZE: String(MiB), S3EDGE_GC_INTERVAL_MS: "500",
    }), "/minio/health/live");
    s3 = new AwsClient({ accessKeyId: "admin", secretAccessKey: "secret12345", service: "s3", region: "us-east-1" });
    expect((await s3.fetch(`${w.base}/data`, { method: "PUT" })).status).toBe(200);
  }, 120_000);
  afterAll(async () => { await w?.stop(); await up?.destroy(); });

  it("PUT and GET (whole and ranges) go through the upstream; chunks sit under the prefix", async () => {
    const data = randomData(3 * MiB + 12345);
    const put = await s3.fetch(`${w.base}/data/big.bin`, { method: "PUT", body: data });
    expect(put.status).toBe(200);
    const keys = await upstreamKeys();
    expect(keys.length).toBeGreaterThanOrEqual(4); // four 1 MiB chunks
    expect(keys.every((k) => k.startsWith(`${PREFIX}/`))).toBe(true);
    const got = new Uint8Array(await (await s3.fetch(`${w.base}/data/big.bin`)).arrayBuffer());
    expect(got.length).toBe(data.length);
    expect(Buffer.compare(got, data)).toBe(0);
    const r = await s3.fetch(`${w.base}/data/big.bin`, { headers: { range: `bytes=${MiB - 10}-${2 * MiB + 9}` } });
    expect(r.status).toBe(206);
    expect(Buffer.compare(new Uint8Array(await r.arrayBuffer()), data.subarray(MiB - 10, 2 * MiB + 10))).toBe(0);
  });

  it("a delete's garbage collection removes the chunks from the upstream", async () => {
    const del = await s3.fetch(`${w.base}/data/big.bin`, { method: "DELETE" });
    expect(del.status).toBe(204);
    const end = Date.now() + 30_000;
    while ((await upstreamKeys()).length > 0) {
      if (Date.now() > end) throw new Error(`chunks still in the upstream: ${(await upstreamKeys()).join(", ")}\n${w.log()}`);
      await Bun.sleep(250);
    }
  });
});
