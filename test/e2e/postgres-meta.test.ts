// Gateways on --meta postgres:// (issue 17), chunks in a blob upstream (a second s3edge):
// boto3 round trips (PUT, conditional PUT, GET, Range, LIST, multipart, versioning, deletes)
// with the metadata in a real PostgreSQL; a restart keeps it all; then two more nodes over the
// same database and upstream: a multipart upload with its parts sent to two nodes, completed
// on the third, read back from all three, a conditional create raced across them, and a user
// added through one node's admin API signing in on another (IAM on the same database); the
// KMS key ring and SQS queues shared (a key created on node 1, an SSE-KMS object PUT on node 2
// read on node 3; a queue made on one node used on another); one leader for background work,
// replaced when killed.
// Bun only: on Workers the metadata lives in Durable Objects, not PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { md5Hex, python, randomData, runtime, type Endpoint } from "./harness.ts";
import { missing, startPostgres, type TestServer } from "./servers.ts";
import { startGateway, type Gateway } from "../unit/store/s3-gateway.ts";
import { encryptData } from "../../src/admin/crypto/encrypt-data.ts";
import { AwsClient } from "aws4fetch";
import { connectPostgres } from "../../src/store/postgres/client.ts";

const onBun = runtime() === "bun" && !process.env.S3EDGE_ENDPOINT;
const noPg = missing("postgres");
const why = !onBun ? " (skipped on workerd: Workers keep metadata in Durable Objects)" : noPg ? ` (skipped: ${noPg} is not installed; scripts/test-deps.sh)` : "";
const BUCKET = "pgmeta";
const MiB = 1024 * 1024;

const endpoint = (g: Gateway): Endpoint => ({
  url: g.url, host: "127.0.0.1", port: g.port, accessKey: g.accessKey, secretKey: g.secretKey,
  region: "us-east-1", domain: "localhost", external: false, logs: g.logs,
});

describe.skipIf(!onBun || !!noPg)(`gateways on --meta postgres://${why}`, () => {
  setDefaultTimeout(60_000);
  let pg: TestServer, up: Gateway, gw: Gateway;
  let node: () => Promise<Gateway>;
  let more: Gateway[] = [];
  let pgUrl = "";
  beforeAll(async () => {
    [pg, up] = await Promise.all([startPostgres(), startGateway()]);
    expect((await up.client.fetch(`${up.url}/chunks`, { method: "PUT" })).status).toBe(200);
    pgUrl = `postgres://${pg.user}:${pg.password}@127.0.0.1:${pg.port}/${pg.database}`;
    const args = ["--meta", pgUrl, "--blobs", `s3+http://127.0.0.1:${up.port}/chunks`];
    // The same master key on every node (docs/scale-out.md); a short leader lease, so a killed leader is replaced within the test.
    const env = { S3EDGE_BLOB_ACCESS_KEY: up.accessKey, S3EDGE_BLOB_SECRET_KEY: up.secretKey, S3EDGE_LEADER_TTL_MS: "1500",
      S3EDGE_KMS_SECRET_KEY: `pg-master:${Buffer.from(new Uint8Array(32).fill(7)).toString("base64")}` };
    node = () => startGateway({ accessKey: "admin", secretKey: "secret12345", args, env });
    gw = await node();
  }, 60_000);
  afterAll(async () => { await Promise.all([gw?.destroy(), up?.destroy(), ...more.map((g) => g.destroy())]); await pg?.destroy(); });

  let written: { versions: { v1: string; v2: string; marker: string } } & Record<string, unknown>;

  it("boto3: PUT, conditional PUT, GET, Range, LIST, multipart, versioning and deletes", async () => {
    written = await python(endpoint(gw), "postgres_meta.py", { S3EDGE_E2E_BUCKET: BUCKET, MODE: "write" });
    expect(written).toMatchObject({
      if_none_match_again: "PreconditionFailed", listed_parts: [1, 2], range: true, marker: true, v1_body: "one",
      deleted_get: 404, keys: ["dir/big.bin", "dir/small.txt", "mp.bin"], small: "small object on postgres",
    });
    expect(written.version_ids).toEqual([written.versions.v2, written.versions.v1]);
    expect(written.marker_ids).toEqual([written.versions.marker]);
  });

  it("a restart keeps everything", async () => {
    await gw.stop();
    await gw.start();
    const again = await python(endpoint(gw), "postgres_meta.py", { S3EDGE_E2E_BUCKET: BUCKET, MODE: "read" });
    expect(again).toMatchObject({
      keys: written.keys, version_ids: written.version_ids, marker_ids: written.marker_ids, small: written.small, big_md5: true, mp_md5: true,
    });
  });

  it("three nodes: what one wrote the others list; parts on two nodes, Complete on the third, read from all; a raced create has one winner; IAM is shared", async () => {
    more = await Promise.all([node(), node()]);
    {
      const nodes = [gw, ...more];
      const [a, b, c] = nodes;
      const at = (g: Gateway, path: string, init?: RequestInit) => g.client.fetch(`${g.url}/${BUCKET}${path}`, init);
      const listed = await (await at(c, "?list-type=2")).text();
      expect([...listed.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1])).toEqual(written.keys as string[]);
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await (await at(b, "/three.bin?uploads", { method: "POST" })).text())![1];
      const parts = [randomData(5 * MiB), randomData(MiB + 5)];
      const sent = await Promise.all(parts.map((p, i) => at([a, b][i], `/three.bin?partNumber=${i + 1}&uploadId=${uploadId}`, { method: "PUT", body: p })));
      expect(sent.map((r) => r.status)).toEqual([200, 200]);
      const xml = `<CompleteMultipartUpload>${sent.map((r, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${r.headers.get("etag")}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      expect((await at(c, `/three.bin?uploadId=${uploadId}`, { method: "POST", body: xml })).status).toBe(200);
      const whole = new Uint8Array([...parts[0], ...parts[1]]);
      expect(md5Hex(new Uint8Array(await (await at(c, "/three.bin")).arrayBuffer()))).toBe(md5Hex(whole));
      // The other nodes read across the part boundary (the whole body once is enough on a shared 2-core box).
      const range = `bytes=${5 * MiB - 3}-${5 * MiB + 2}`;
      for (const g of [a, b]) {
        const r = await at(g, "/three.bin", { headers: { range } });
        expect([r.status, md5Hex(new Uint8Array(await r.arrayBuffer()))]).toEqual([206, md5Hex(whole.subarray(5 * MiB - 3, 5 * MiB + 3))]);
      }
      // If-None-Match: * raced on all three nodes: one creates, the others get 412.
      const raced = await Promise.all(nodes.map((g, i) => at(g, "/once.txt", { method: "PUT", body: `from ${i}`, headers: { "if-none-match": "*" } })));
      expect(raced.map((r) => r.status).sort()).toEqual([200, 412, 412]);
      // IAM lives in the database too: a user added on one node signs in on another (an unknown
      // key makes a node re-read the IAM stamp at once, rate-limited to once a second).
      const body = await encryptData(a.secretKey, new TextEncoder().encode(JSON.stringify({ secretKey: "pguser-secret-1", status: "enabled", policy: "readwrite" })), { id: 2 });
      expect((await a.client.fetch(`${a.url}/minio/admin/v3/add-user?accessKey=pguser`, { method: "PUT", body: new Uint8Array(body) })).status).toBe(200);
      const user = new AwsClient({ accessKeyId: "pguser", secretAccessKey: "pguser-secret-1", service: "s3", region: "us-east-1", retries: 0 });
      let status = 0;
      for (const end = Date.now() + 5000; Date.now() < end; await Bun.sleep(200)) {
        status = (await user.fetch(`${c.url}/${BUCKET}/once.txt`)).status;
        if (status === 200) break;
      }
      expect(status).toBe(200);
      // Stateless: both stores are shared, so any node may be taken down.
      expect((await fetch(`${b.url}/minio/health/cluster?maintenance=true`)).status).toBe(200);
    }
  });

  it("three nodes share the KMS key ring and SQS queues; one node leads GC, lifecycle and the outbox drain, and a killed leader is replaced", async () => {
    const [a, b, c] = [gw, ...more];
    // A key created on node 1, an SSE-KMS object PUT through node 2, read through node 3.
    const admin = (g: Gateway, path: string) => g.client.fetch(`${g.url}/minio/admin/v3/${path}`, { method: "POST", headers: { "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" } });
    expect((await admin(a, "kms/key/create?key-id=shared-key")).status).toBe(200);
    const data = randomData(300_000);
    const put = await b.client.fetch(`${b.url}/${BUCKET}/kms.bin`, { method: "PUT", body: data, headers: {
      "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "shared-key" } });
    expect([put.status, put.headers.get("x-amz-server-side-encryption-aws-kms-key-id")]).toEqual([200, "arn:aws:kms:shared-key"]);
    const got = await c.client.fetch(`${c.url}/${BUCKET}/kms.bin`);
    expect([got.status, md5Hex(new Uint8Array(await got.arrayBuffer()))]).toEqual([200, md5Hex(data)]);
    // An SQS queue made on one node: listed, fed and drained through the others.
    const sqs = async (g: Gateway, action: string, input: Record<string, unknown>) => {
      const client = new AwsClient({ accessKeyId: g.accessKey, secretAccessKey: g.secretKey, service: "sqs", region: "us-east-1", retries: 0 });
      const r = await client.fetch(`${g.url}/`, { method: "POST", body: JSON.stringify(input),
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` } });
      expect(r.status).toBe(200);
      return r.json() as Promise<Record<string, any>>;
    };
    const queueUrl = (await sqs(a, "CreateQueue", { QueueName: "shared-q" })).QueueUrl as string;
    expect((await sqs(b, "ListQueues", {})).QueueUrls).toEqual([queueUrl.replace(a.url, b.url)]);
    await sqs(b, "SendMessage", { QueueUrl: queueUrl.replace(a.url, b.url), MessageBody: "across nodes" });
    const received = await sqs(c, "ReceiveMessage", { QueueUrl: queueUrl.replace(a.url, c.url), WaitTimeSeconds: 2 });
    expect(received.Messages?.map((m: { Body: string }) => m.Body)).toEqual(["across nodes"]);
    // Exactly one lease row, held by one of the three nodes' processes.
    const sql = connectPostgres(pgUrl, { max: 1 });
    try {
      const holder = async () => ((await sql`SELECT holder FROM leader_leases WHERE expires > clock_timestamp()`)[0]?.holder as string | undefined) ?? "";
      const pidOf = (h: string) => Number(/:(\d+)\./.exec(h)?.[1]);
      const nodes = [a, b, c];
      const first = pidOf(await holder());
      const leader = nodes.find((g) => g.pid() === first);
      expect(leader).toBeDefined();
      // SIGKILL: no release; another node takes over once the lease (1.5 s) expires.
      await leader!.stop("SIGKILL");
      let next: Gateway | undefined;
      for (const end = Date.now() + 8000; !next && Date.now() < end; await Bun.sleep(200)) {
        const now = pidOf(await holder());
        next = nodes.find((g) => g !== leader && g.pid() === now);
      }
      expect(next).toBeDefined();
      // The survivors still serve the key and the queue.
      const again = await next!.client.fetch(`${next!.url}/${BUCKET}/kms.bin`);
      expect([again.status, md5Hex(new Uint8Array(await again.arrayBuffer()))]).toEqual([200, md5Hex(data)]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
