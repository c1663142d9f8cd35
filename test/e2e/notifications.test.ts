// Bucket notifications end to end: aws cli configures them (what `mc event add` sends, in AWS
// JSON), SDK v3 changes objects, and a real webhook receiver on 127.0.0.1 gets MinIO-shaped
// records, delivered through the durable queue (Bun: the local queue; workerd: the EVENTS Queue
// and its consumer). The target "E2E" is configured by variables: here for a self-started
// server, by test/workers/run-e2e.sh for workerd (port in S3EDGE_WEBHOOK_PORT).
import { afterAll, describe, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand,
  PutObjectCommand, PutObjectTaggingCommand, S3Client, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { join } from "node:path";
import { aws, awsJson, bucketName, md5Hex, MiB, ok, randomData, sdkConfig, tempDir, useServer } from "./harness.ts";
import { startReceiver, type Received } from "./webhook-receiver.ts";
import * as Minio from "minio";

const rx = startReceiver(Number(process.env.S3EDGE_WEBHOOK_PORT ?? 0));
afterAll(() => rx.stop());
const ep = useServer({
  env: () => ({
    MINIO_NOTIFY_WEBHOOK_ENABLE_E2E: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_E2E: rx.url, MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_E2E: "e2e-token",
  }),
});
const ARN = "arn:minio:sqs::E2E:webhook";
const B = bucketName("notify");
const client = () => new S3Client(sdkConfig(ep));

/** Events for this file's bucket (a shared workerd endpoint may serve other files too). */
const mine = (r: Received[]) => r.filter((x) => x.body?.Records?.[0]?.s3?.bucket?.name === B);
const waitEvents = (n: number, ms = 20_000) => rx.waitFor((r) => mine(r).length >= n, ms).then(mine);
const names = (r: Received[]) => r.map((x) => `${x.body.EventName} ${x.body.Key}`);

async function putConfig(config: unknown) {
  const file = join(tempDir(), "notification.json");
  await Bun.write(file, JSON.stringify(config));
  return aws(ep, ["s3api", "put-bucket-notification-configuration", "--bucket", B, "--notification-configuration", `file://${file}`]);
}

describe("bucket notifications (webhook)", () => {
  test("aws cli sets and reads the configuration; a bad ARN is InvalidArgument", async () => {
    ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]), "create-bucket");
    const empty = await aws(ep, ["s3api", "get-bucket-notification-configuration", "--bucket", B]);
    expect(empty.code).toBe(0);
    const bad = await putConfig({ QueueConfigurations: [{ QueueArn: "arn:minio:sqs::NOPE:webhook", Events: ["s3:ObjectCreated:*"] }] });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("InvalidArgument");
    ok(await putConfig({
      QueueConfigurations: [
        { Id: "created", QueueArn: ARN, Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in/" }] } } },
        // A second rule for the same target never doubles an event: a target gets each event once.
        { Id: "removed", QueueArn: ARN, Events: ["s3:ObjectRemoved:*", "s3:ObjectAccessed:Get"] },
      ],
    }), "put-bucket-notification-configuration");
    const got = await awsJson(ep, ["s3api", "get-bucket-notification-configuration", "--bucket", B]);
    expect(got.QueueConfigurations).toEqual([
      { Id: "created", QueueArn: ARN, Events: ["s3:ObjectCreated:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in/" }] } } },
      { Id: "removed", QueueArn: ARN, Events: ["s3:ObjectRemoved:*", "s3:ObjectAccessed:Get"] },
    ]);
  });

  test("PUT, copy, multipart, GET, tagging and DELETE arrive as MinIO records with the bearer token", async () => {
    const s3 = client();
    const body = randomData(1000);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "in/a b.bin", Body: body, ContentType: "application/x-test", Metadata: { k: "v" } }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "out/skip.bin", Body: body })); // prefix filter: no event
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: "in/copy.bin", CopySource: `${B}/in/a%20b.bin` }));
    const part = randomData(5 * MiB);
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "in/mp.bin" }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: "in/mp.bin", UploadId: up.UploadId, PartNumber: 1, Body: part }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: "in/mp.bin", UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
    await (await s3.send(new GetObjectCommand({ Bucket: B, Key: "in/copy.bin" }))).Body!.transformToByteArray();
    await s3.send(new PutObjectTaggingCommand({ Bucket: B, Key: "in/mp.bin", Tagging: { TagSet: [{ Key: "t", Value: "1" }] } }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "in/copy.bin" }));
    const events = await waitEvents(6);
    // The queue delivers at least once and in commit order per target on Bun; Queues may reorder.
    expect(names(events).sort()).toEqual([
      `s3:ObjectAccessed:Get ${B}/in/copy.bin`,
      `s3:ObjectCreated:CompleteMultipartUpload ${B}/in/mp.bin`,
      `s3:ObjectCreated:Copy ${B}/in/copy.bin`,
      `s3:ObjectCreated:Put ${B}/in/a b.bin`,
      `s3:ObjectCreated:PutTagging ${B}/in/mp.bin`,
      `s3:ObjectRemoved:Delete ${B}/in/copy.bin`,
    ]);
    const put = events.find((e) => e.body.EventName === "s3:ObjectCreated:Put")!;
    expect(put.headers.get("authorization")).toBe("Bearer e2e-token");
    const rec = put.body.Records[0];
    expect(rec).toMatchObject({
      eventVersion: "2.0", eventName: "s3:ObjectCreated:Put", awsRegion: ep.region, userIdentity: { principalId: ep.accessKey },
      s3: { configurationId: "created", bucket: { name: B, arn: `arn:aws:s3:::${B}` },
        object: { key: "in%2Fa+b.bin", size: 1000, eTag: md5Hex(body), contentType: "application/x-test", userMetadata: { "x-amz-meta-k": "v" } } },
    });
    expect(rec.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rec.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    const removed = events.find((e) => e.body.EventName === "s3:ObjectRemoved:Delete")!.body.Records[0];
    expect(removed.s3.configurationId).toBe("removed");
    expect(removed.s3.object.size).toBeUndefined();
  });

  test("a receiver that fails gets the event again later (retry with backoff)", async () => {
    const before = mine(rx.received).length;
    rx.failNext(2, 503);
    await client().send(new PutObjectCommand({ Bucket: B, Key: "in/retried.txt", Body: "x" }));
    const events = await waitEvents(before + 1, 30_000);
    expect(names(events.slice(before))).toEqual([`s3:ObjectCreated:Put ${B}/in/retried.txt`]);
    // On workerd the retries went through the Queue consumer (not a shard's own fallback delivery).
    const log = process.env.S3EDGE_SERVER_LOG;
    if (process.env.S3EDGE_RUNTIME === "workerd" && log) {
      const text = await Bun.file(log).text();
      expect(text).toMatch(/"msg":"event delivery failed; will retry"[^\n]*"attempts":2[^\n]*"via":"queue"/);
    }
  }, 60_000);

  test("minio-js sets, reads and removes a configuration (the XML mc sends)", async () => {
    const mc = new Minio.Client({
      endPoint: ep.host, port: ep.port, useSSL: false, accessKey: ep.accessKey, secretKey: ep.secretKey, region: ep.region, pathStyle: true,
    });
    const q = new Minio.QueueConfig(ARN);
    q.addEvent(Minio.ObjectCreatedAll);
    q.addFilterSuffix(".log");
    const config = new Minio.NotificationConfig();
    config.add(q);
    await mc.setBucketNotification(B, config);
    const got = await mc.getBucketNotification(B);
    expect(got.QueueConfiguration).toEqual([{ Id: undefined, Queue: ARN, Event: ["s3:ObjectCreated:*"], Filter: [{ Name: "suffix", Value: ".log" }] } as never]);
    const before = mine(rx.received).length;
    await mc.putObject(B, "x/app.log", Buffer.from("line\n"));
    await mc.putObject(B, "x/app.txt", Buffer.from("line\n"));
    const events = await waitEvents(before + 1);
    await Bun.sleep(300);
    expect(names(mine(rx.received).slice(before))).toEqual([`s3:ObjectCreated:Put ${B}/x/app.log`]);
    expect(events.length).toBe(before + 1);
    await mc.removeAllBucketNotification(B);
    expect((await mc.getBucketNotification(B)).QueueConfiguration).toEqual([]);
  });

  test("removing the configuration stops events", async () => {
    ok(await putConfig({}), "put empty configuration");
    const got = await awsJson(ep, ["s3api", "get-bucket-notification-configuration", "--bucket", B]).catch(() => ({}));
    expect(got.QueueConfigurations ?? []).toEqual([]);
    const before = mine(rx.received).length;
    await client().send(new PutObjectCommand({ Bucket: B, Key: "in/quiet.txt", Body: "x" }));
    // A marker through another bucket's configuration would need a second bucket; waiting a
    // little longer than a delivery takes is enough to see nothing arrive.
    await Bun.sleep(runtimeDelay());
    expect(mine(rx.received).length).toBe(before);
  });
});

function runtimeDelay(): number {
  return process.env.S3EDGE_RUNTIME === "workerd" ? 3000 : 1000;
}
