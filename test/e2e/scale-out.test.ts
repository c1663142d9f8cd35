// Scale-out, first slice (issue 17): gateway A keeps its chunks in gateway B's bucket
// (`--blobs s3+http://B/bucket/prefix`). Round trips through A (PUT, GET, Range, multipart,
// delete + GC reaching B), an upstream outage (503 ServiceUnavailable, readiness flips, A stays
// up), recovery, and SIGTERM draining a download in flight.
// Bun only: it runs two gateway processes and kills and restarts one; on workerd there is no
// second process to point at (the Worker's blobs are its R2 binding).
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { md5Hex, randomData, runtime, xmlCode } from "./harness.ts";
import { startGateway, type Gateway } from "../unit/store/s3-gateway.ts";

const onBun = runtime() === "bun" && !process.env.S3EDGE_ENDPOINT;
const MiB = 1024 * 1024;
const UP_BUCKET = "chunks";
const PREFIX = "node-a";
let up: Gateway, gw: Gateway;

const upstreamKeys = async (): Promise<string[]> => {
  const r = await up.client.fetch(`${up.url}/${UP_BUCKET}?list-type=2&prefix=${PREFIX}/`);
  return [...(await r.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
};
const until = async (cond: () => Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (!(await cond())) { if (Date.now() > end) throw new Error("condition not met in time"); await Bun.sleep(100); }
};
const status = async (path: string) => (await fetch(`${gw.url}${path}`)).status;

describe.skipIf(!onBun)("scale-out: S3 upstream blobs (Bun only: two gateway processes)", () => {
  setDefaultTimeout(60_000);
  beforeAll(async () => {
    up = await startGateway();
    expect((await up.client.fetch(`${up.url}/${UP_BUCKET}`, { method: "PUT" })).status).toBe(200);
    gw = await startGateway({
      accessKey: "admin", secretKey: "secret12345",
      args: ["--blobs", `s3+http://127.0.0.1:${up.port}/${UP_BUCKET}/${PREFIX}`],
      env: { S3EDGE_BLOB_ACCESS_KEY: up.accessKey, S3EDGE_BLOB_SECRET_KEY: up.secretKey, S3EDGE_CHUNK_SIZE: String(MiB), S3EDGE_SHUTDOWN_TIMEOUT_MS: "10000" },
    });
    expect((await gw.client.fetch(`${gw.url}/data`, { method: "PUT" })).status).toBe(200);
  }, 30_000);
  afterAll(async () => { await gw?.destroy(); await up?.destroy(); });

  const big = randomData(3 * MiB + 4321);

  it("PUT, GET and Range through A; the chunks live in B under the prefix", async () => {
    expect((await gw.client.fetch(`${gw.url}/data/big.bin`, { method: "PUT", body: big })).status).toBe(200);
    const got = await gw.client.fetch(`${gw.url}/data/big.bin`);
    expect(got.status).toBe(200);
    expect(md5Hex(new Uint8Array(await got.arrayBuffer()))).toBe(md5Hex(big));
    const part = await gw.client.fetch(`${gw.url}/data/big.bin`, { headers: { range: `bytes=${MiB - 10}-${2 * MiB + 9}` } });
    expect(part.status).toBe(206);
    expect(md5Hex(new Uint8Array(await part.arrayBuffer()))).toBe(md5Hex(big.subarray(MiB - 10, 2 * MiB + 10)));
    expect((await upstreamKeys()).length).toBe(4); // 3 MiB + a tail at 1 MiB chunks
  });

  it("multipart upload and delete; GC frees the chunks in B", async () => {
    const create = await gw.client.fetch(`${gw.url}/data/mp.bin?uploads`, { method: "POST" });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await create.text())![1];
    const parts = [randomData(5 * MiB), randomData(MiB + 7)];
    const etags: string[] = [];
    for (const [i, p] of parts.entries()) {
      const r = await gw.client.fetch(`${gw.url}/data/mp.bin?partNumber=${i + 1}&uploadId=${uploadId}`, { method: "PUT", body: p });
      expect(r.status).toBe(200);
      etags.push(r.headers.get("etag")!);
    }
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    expect((await gw.client.fetch(`${gw.url}/data/mp.bin?uploadId=${uploadId}`, { method: "POST", body: xml })).status).toBe(200);
    const got = new Uint8Array(await (await gw.client.fetch(`${gw.url}/data/mp.bin`)).arrayBuffer());
    expect(md5Hex(got)).toBe(md5Hex(new Uint8Array([...parts[0], ...parts[1]])));
    const before = (await upstreamKeys()).length;
    expect(before).toBe(4 + 7);
    expect((await gw.client.fetch(`${gw.url}/data/mp.bin`, { method: "DELETE" })).status).toBe(204);
    await until(async () => (await upstreamKeys()).length === 4);
  });

  it("upstream down: requests get 503 ServiceUnavailable, ready flips, A stays up; back up: all works", async () => {
    expect(await status("/minio/health/ready")).toBe(200);
    expect(await status("/minio/health/cluster?maintenance=true")).toBe(412); // SQLite metadata is this node's own
    await up.stop("SIGKILL");
    const get = await gw.client.fetch(`${gw.url}/data/big.bin`);
    expect(get.status).toBe(503);
    const body = await get.text();
    expect(xmlCode(body)).toBe("ServiceUnavailable");
    expect(body).not.toContain(String(up.port)); // the backend stays hidden
    const put = await gw.client.fetch(`${gw.url}/data/new.bin`, { method: "PUT", body: randomData(2 * MiB) });
    expect(put.status).toBe(503);
    await until(async () => (await status("/minio/health/ready")) === 503);
    expect(await status("/minio/health/cluster")).toBe(503);
    expect(await status("/minio/health/live")).toBe(200);
    // Metadata-only requests still work.
    expect((await gw.client.fetch(`${gw.url}/data?list-type=2`)).status).toBe(200);
    expect(gw.pid() && process.kill(gw.pid()!, 0)).toBe(true);

    await up.start();
    await until(async () => (await status("/minio/health/ready")) === 200);
    const again = await gw.client.fetch(`${gw.url}/data/big.bin`);
    expect(md5Hex(new Uint8Array(await again.arrayBuffer()))).toBe(md5Hex(big));
    expect((await gw.client.fetch(`${gw.url}/data/new.bin`, { method: "PUT", body: randomData(2 * MiB) })).status).toBe(200);
  });

  it("SIGTERM drains a download in flight, then exits 0", async () => {
    const r = await gw.client.fetch(`${gw.url}/data/big.bin`);
    const reader = r.body!.getReader();
    const first = await reader.read();
    const stopped = gw.stop("SIGTERM");
    await Bun.sleep(200); // the gateway has the signal; the download must go on
    const chunks: Uint8Array[] = [first.value!];
    for (;;) { const { done, value } = await reader.read(); if (done) break; chunks.push(value); }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) { all.set(c, o); o += c.length; }
    expect(md5Hex(all)).toBe(md5Hex(big));
    expect(await stopped).toBe(0);
    await expect(fetch(`${gw.url}/minio/health/live`)).rejects.toBeDefined();
  });
});
