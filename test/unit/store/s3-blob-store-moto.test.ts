// The BlobStore contract against another S3 implementation: moto's S3 server (the Python
// package moto, on this machine image beside boto3), so S3BlobStore is not only proven against
// s3edge itself. Skipped, with the reason, where moto is not installed.
import { afterAll, beforeAll, describe } from "bun:test";
import { AwsClient } from "aws4fetch";
import type { Subprocess } from "bun";
import { blobStoreContract } from "../../contract/blob-store.ts";
import { createS3BlobStore } from "../../../src/store/s3/blob-store.ts";
import { freePort } from "./s3-gateway.ts";

const motoServer = Bun.which("moto_server");
let proc: Subprocess | undefined;
let endpoint = "";
const creds = { accessKeyId: "testing", secretAccessKey: "testing" };

describe.skipIf(!motoServer)(`S3BlobStore against moto's S3 server${motoServer ? "" : " (skipped: moto_server is not installed: pip install 'moto[server]')"}`, () => {
  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    proc = Bun.spawn([motoServer!, "-H", "127.0.0.1", "-p", String(port)], { stdout: "ignore", stderr: "ignore" });
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${endpoint}/moto-api/`)).status < 500) break; } catch {}
      if (i > 150) throw new Error("moto did not start");
      await Bun.sleep(50);
    }
    const c = new AwsClient({ ...creds, service: "s3", region: "us-east-1", retries: 0 });
    await c.fetch(`${endpoint}/moto-chunks`, { method: "PUT" });
  }, 20_000);
  afterAll(() => { proc?.kill(); });

  blobStoreContract("s3 (moto)", () => createS3BlobStore({ endpoint, bucket: "moto-chunks", prefix: "gw/", region: "us-east-1", style: "path", ...creds, backoffMs: 5 }));
});
