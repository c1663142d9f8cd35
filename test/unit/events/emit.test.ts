// Producers outside the S3 request path (lifecycle, admin, sync) emit from an EventSource of
// their own; the record an S3 request writes is the same function of (source, change).
import { describe, expect, it } from "bun:test";
import { pendingEvents, readNotificationConfig } from "../../../src/events/emit.ts";
import type { EventSource } from "../../../src/events/record.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";
import { md5B64, withBucket } from "../helpers/s3.ts";

const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_t: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_t: "http://127.0.0.1:1/" });
const config = `<NotificationConfiguration><QueueConfiguration><Id>r1</Id><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event>` +
  `<Queue>arn:minio:sqs::t:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;

async function listening() {
  const b = await withBucket("bkt", { notifyTargets: targets });
  expect((await b.c.send("/bkt?notification", { method: "PUT", body: config, headers: { "content-md5": md5B64(config) } })).status).toBe(200);
  return b;
}

describe("pendingEvents from an event source", () => {
  it("a system producer's record carries its source and the time of the change", async () => {
    const { env } = await listening();
    let t = Date.UTC(2026, 11, 1, 12, 0, 0);
    const lifecycle: EventSource = { principalId: "", requestId: "lc-1", sourceIp: "", userAgent: "s3edge-lifecycle", endpoint: "", region: "eu-1", clock: { now: () => t } };
    t += 5; // read when the change is recorded, not when the source is built
    const [row, ...rest] = await pendingEvents(env.deps, lifecycle, { eventName: "s3:ObjectRemoved:Delete", bucket: "bkt", key: "old/x" });
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ bucket: "bkt", target: "t:webhook", created: t });
    expect(JSON.parse(row.record)).toMatchObject({
      awsRegion: "eu-1", eventTime: new Date(t).toISOString(), eventName: "s3:ObjectRemoved:Delete",
      userIdentity: { principalId: "" }, responseElements: { "x-amz-request-id": "lc-1", "x-minio-origin-endpoint": "" },
      s3: { configurationId: "r1", bucket: { name: "bkt" }, object: { key: "old%2Fx", versionId: "" } }, source: { userAgent: "s3edge-lifecycle" },
    });
  });
  it("an S3 PUT writes the record of its request's source", async () => {
    const { env, c } = await listening();
    expect((await c.put("bkt", "k", "v")).status).toBe(200);
    const [row] = await env.deps.meta.leaseEvents({ limit: 10, now: env.deps.clock.now(), leaseMs: 1000 });
    expect(JSON.parse(row.record)).toMatchObject({
      eventName: "s3:ObjectCreated:Put", userIdentity: { principalId: "AKIDTEST" }, awsRegion: env.deps.config.region,
      responseElements: { "x-minio-origin-endpoint": "http://127.0.0.1:9000" }, s3: { object: { key: "k", size: 1 } },
    });
  });
  it("nothing when the bucket has no configuration; configs read with the bucket are used as given", async () => {
    const { env } = await withBucket("bkt", { notifyTargets: targets });
    const source: EventSource = { principalId: "", requestId: "r", sourceIp: "", userAgent: "", endpoint: "", region: "", clock: env.deps.clock };
    expect(await pendingEvents(env.deps, source, { eventName: "s3:ObjectCreated:Put", bucket: "bkt", key: "k" })).toEqual([]);
    expect(await readNotificationConfig(env.deps.meta, "bkt", {})).toBeNull();
  });
});
