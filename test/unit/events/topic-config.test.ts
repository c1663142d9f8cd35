// TopicConfiguration (Ceph/AWS SNS topics) in a bucket's notification configuration: parsing
// with Ceph's filters (S3Key prefix/suffix/regex, S3Metadata, S3Tags), unknown topics refused,
// the GET answer, many-to-many topics ↔ notifications, and the Ceph-shaped record a topic gets
// (MinIO targets keep MinIO's), delivered to a real HTTP receiver through the outbox.
import { afterAll, describe, expect, it } from "bun:test";
import { S3Error } from "../../../src/xml/errors.ts";
import { parseXml } from "../../../src/xml/xml.ts";
import { matchingRules, notificationXmlBody, parseNotificationConfig } from "../../../src/events/notification-config.ts";
import { targetsFromEnv, type NotifyTarget } from "../../../src/events/targets.ts";
import type { TopicTarget } from "../../../src/events/topics.ts";
import { drainOutbox } from "../../../src/events/deliver.ts";
import { md5B64, md5Hex, parseXmlText, withBucket } from "../helpers/s3.ts";
import { startCountingReceiver } from "./receiver.ts";

const topic = (id: string, endpoint = "http://127.0.0.1:1/", extra: Partial<TopicTarget> = {}): TopicTarget => ({
  type: "sns", id, endpoint, args: "", opaqueData: "", persistent: false, cloudevents: false, verifySsl: true, owner: "AKIDTEST",
  queueLimit: 1000, maxRetries: 3, ttlMs: 60_000, ...extra,
});
const TARGETS: Record<string, NotifyTarget> = { "t1:sns": topic("t1"), "t2:sns": topic("t2") };
const ARN = (n: string) => `arn:aws:sns:us-east-1::${n}`;
const rule = (name: string, value: string) => `<FilterRule><Name>${name}</Name><Value>${value}</Value></FilterRule>`;
const tc = (arn: string, events: string[], o: { id?: string; filter?: string } = {}) =>
  `<TopicConfiguration>${o.id ? `<Id>${o.id}</Id>` : ""}<Topic>${arn}</Topic>${events.map((e) => `<Event>${e}</Event>`).join("")}${o.filter ?? ""}</TopicConfiguration>`;
const doc = (...parts: string[]) => parseXml(`<NotificationConfiguration>${parts.join("")}</NotificationConfiguration>`);
const parse = (d: Record<string, any>) => parseNotificationConfig(d, TARGETS, "us-east-1");

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof S3Error ? `${e.code}:${e.message}` : String(e); }
  return "ok";
}

describe("TopicConfiguration parsing", () => {
  it("takes a topic ARN with events, Id and Ceph's filters, and gives them back", () => {
    const filter = `<Filter><S3Key>${rule("prefix", "img/")}${rule("suffix", ".jpg")}${rule("regex", "^img/[a-z]+")}</S3Key>` +
      `<S3Metadata>${rule("X-Amz-Meta-Color", "blue")}</S3Metadata><S3Tags>${rule("env", "prod")}</S3Tags></Filter>`;
    const c = parse(doc(tc(ARN("t1"), ["s3:ObjectCreated:*"], { id: "n1", filter })));
    expect(c.topics).toEqual([{
      arn: ARN("t1"), target: "t1:sns", events: ["s3:ObjectCreated:*"], id: "n1", prefix: "img/", suffix: ".jpg", regex: "^img/[a-z]+",
      metadata: [{ name: "x-amz-meta-color", value: "blue" }], tags: [{ name: "env", value: "prod" }],
    }]);
    expect(notificationXmlBody(c)).toEqual({
      TopicConfiguration: [{
        Id: "n1", Topic: ARN("t1"), Event: ["s3:ObjectCreated:*"],
        Filter: {
          S3Key: { FilterRule: [{ Name: "prefix", Value: "img/" }, { Name: "suffix", Value: ".jpg" }, { Name: "regex", Value: "^img/[a-z]+" }] },
          S3Metadata: { FilterRule: [{ Name: "x-amz-meta-color", Value: "blue" }] }, S3Tags: { FilterRule: [{ Name: "env", Value: "prod" }] },
        },
      }],
      QueueConfiguration: [],
    });
  });

  it("no Event means every ObjectCreated and ObjectRemoved event (Ceph's default)", () => {
    expect(parse(doc(tc(ARN("t1"), []))).topics?.[0].events).toEqual(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]);
  });

  it.each([
    ["an unknown topic", doc(tc(ARN("nope"), ["s3:ObjectCreated:*"])), /^InvalidArgument:The topic arn:aws:sns:us-east-1::nope does not exist/],
    ["a non-SNS ARN", doc(tc("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"])), /^InvalidArgument/],
    ["a missing Topic", doc("<TopicConfiguration><Event>s3:ObjectCreated:*</Event></TopicConfiguration>"), /^MalformedXML/],
    ["an unknown event", doc(tc(ARN("t1"), ["s3:Nope"])), /^InvalidArgument:A specified event/],
    ["a bad regex", doc(tc(ARN("t1"), ["s3:ObjectCreated:*"], { filter: `<Filter><S3Key>${rule("regex", "(")}</S3Key></Filter>` })), /^InvalidArgument:The regex/],
    ["two regex rules", doc(tc(ARN("t1"), ["s3:ObjectCreated:*"], { filter: `<Filter><S3Key>${rule("regex", "a")}${rule("regex", "b")}</S3Key></Filter>` })), /^InvalidArgument/],
    ["a duplicate Id", doc(tc(ARN("t1"), [], { id: "x" }), tc(ARN("t2"), [], { id: "x" })), /^InvalidArgument:Two TopicConfigurations/],
  ])("refuses %s", (_, d, re) => {
    expect(code(() => parse(d))).toMatch(re);
  });

  it("a regex rule stays refused for MinIO queues (AWS's prefix/suffix only)", () => {
    const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/" });
    const d = parseXml(`<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key>${rule("regex", "a")}</S3Key></Filter></QueueConfiguration></NotificationConfiguration>`);
    expect(code(() => parseNotificationConfig(d, targets, "us-east-1"))).toStartWith("InvalidArgument");
  });
});

describe("TopicConfiguration matching", () => {
  const c = parse(doc(
    tc(ARN("t1"), ["s3:ObjectCreated:*"], { id: "a", filter: `<Filter><S3Key>${rule("regex", "\\.jpg$")}</S3Key></Filter>` }),
    tc(ARN("t1"), ["s3:ObjectRemoved:*"], { id: "b" }),
    tc(ARN("t2"), ["s3:ObjectCreated:Put"], { id: "c", filter: `<Filter><S3Metadata>${rule("x-amz-meta-color", "blue")}</S3Metadata><S3Tags>${rule("env", "prod")}</S3Tags></Filter>` }),
  ));
  const ids = (name: string, key: string, object?: Parameters<typeof matchingRules>[3]) => matchingRules(c, name, key, object).map((r) => r.id);

  it("many-to-many: one topic in two notifications, two topics on one event", () => {
    const blue = { headers: { "x-amz-meta-color": "blue" }, tags: { env: "prod" } };
    expect(ids("s3:ObjectCreated:Put", "a.jpg", blue)).toEqual(["a", "c"]);
    expect(ids("s3:ObjectRemoved:Delete", "a.jpg")).toEqual(["b"]);
  });
  it("regex, metadata and tag rules must all hold", () => {
    expect(ids("s3:ObjectCreated:Put", "a.png", { headers: { "x-amz-meta-color": "blue" }, tags: { env: "prod" } })).toEqual(["c"]);
    expect(ids("s3:ObjectCreated:Put", "a.png", { headers: { "x-amz-meta-color": "red" }, tags: { env: "prod" } })).toEqual([]);
    expect(ids("s3:ObjectCreated:Put", "a.png", { headers: { "x-amz-meta-color": "blue" }, tags: {} })).toEqual([]);
    expect(ids("s3:ObjectCreated:Copy", "a.png", { headers: { "x-amz-meta-color": "blue" }, tags: { env: "prod" } })).toEqual([]);
  });
});

describe("through the gateway", () => {
  const rx = startCountingReceiver();
  afterAll(() => rx.stop());

  it("PUT refuses an unknown topic with 400 and GET answers the TopicConfiguration", async () => {
    const { env, c } = await withBucket("bkt");
    const bad = `<NotificationConfiguration>${tc(ARN("nope"), ["s3:ObjectCreated:*"])}</NotificationConfiguration>`;
    const r1 = await c.send("/bkt?notification", { method: "PUT", body: bad, headers: { "content-md5": md5B64(bad) } });
    expect(r1.status).toBe(400);
    expect(await r1.text()).toContain("<Code>InvalidArgument</Code>");
    await env.deps.targets.putTopic(topic("t1"));
    const good = `<NotificationConfiguration>${tc(ARN("t1"), ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], { id: "configuration" })}</NotificationConfiguration>`;
    expect((await c.send("/bkt?notification", { method: "PUT", body: good, headers: { "content-md5": md5B64(good) } })).status).toBe(200);
    const got = parseXmlText(await (await c.send("/bkt?notification")).text());
    expect(got.NotificationConfiguration.TopicConfiguration).toEqual({ Id: "configuration", Topic: ARN("t1"), Event: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] });
  });

  it("a topic gets Ceph's record (MinIO's webhook target MinIO's) at its endpoint", async () => {
    const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_m: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_m: `${rx.url}/minio` });
    const { env, c } = await withBucket("bkt", { notifyTargets: targets });
    await env.deps.targets.putTopic(topic("t1", `${rx.url}/ceph`, { opaqueData: "me@example.com" }));
    const config = `<NotificationConfiguration>${tc(ARN("t1"), [], { id: "configuration" })}` +
      `<QueueConfiguration><Id>q</Id><Queue>arn:minio:sqs::m:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`;
    expect((await c.send("/bkt?notification", { method: "PUT", body: config, headers: { "content-md5": md5B64(config) } })).status).toBe(200);
    rx.received.length = 0;
    expect((await c.put("bkt", "dir/hello world.txt", "hello, world!!!", { "x-amz-meta-color": "blue" })).status).toBe(200);
    expect((await c.del("bkt", "dir/hello world.txt")).status).toBe(204);
    const source = { targets: env.deps.targets, now: env.deps.clock.now, log: env.deps.log };
    while (await drainOutbox(env.deps.meta, source)) { /* until empty */ }
    await rx.waitFor((r) => r.length >= 3);
    const ceph = rx.received.map((h) => h.body).filter((b) => !("EventName" in b));
    const minio = rx.received.map((h) => h.body).filter((b) => "EventName" in b);
    expect(minio).toHaveLength(1);
    expect(minio[0].Records[0]).toMatchObject({ eventSource: "minio:s3", eventName: "s3:ObjectCreated:Put", s3: { object: { key: "dir%2Fhello+world.txt" } } });
    expect(ceph.map((b) => Object.keys(b))).toEqual([["Records"], ["Records"]]);
    const [put, del] = ceph.map((b) => b.Records[0]);
    expect(put).toMatchObject({
      eventVersion: "2.2", eventSource: "ceph:s3", awsRegion: env.deps.config.region, eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "AKIDTEST" }, responseElements: { "x-amz-request-id": expect.any(String), "x-amz-id-2": expect.any(String) },
      s3: {
        s3SchemaVersion: "1.0", configurationId: "configuration",
        bucket: { name: "bkt", ownerIdentity: { principalId: "AKIDTEST" }, arn: "arn:aws:s3:::bkt", id: expect.any(String) },
        object: { key: "dir/hello world.txt", size: 15, eTag: md5Hex("hello, world!!!"), versionId: "", tags: [] },
      },
      opaqueData: "me@example.com",
    });
    expect(put.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(put.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
    expect(put.eventId).toMatch(new RegExp(`^\\d+\\.\\d{6}\\.${md5Hex("hello, world!!!")}$`));
    expect(put.s3.object.metadata).toContainEqual({ key: "x-amz-meta-color", val: "blue" });
    expect(put.s3.object.metadata.map((m: { key: string }) => m.key).every((k: string) => k.startsWith("x-amz-"))).toBe(true);
    // Ceph's removal record carries the removed object's size and ETag.
    expect(del).toMatchObject({ eventName: "ObjectRemoved:Delete", s3: { object: { key: "dir/hello world.txt", size: 15, eTag: md5Hex("hello, world!!!") } } });
  });
});

describe("delivery: persistent topics through the outbox, the others before the answer", () => {
  const rx = startCountingReceiver();
  afterAll(() => rx.stop());
  const config = (...names: string[]) => `<NotificationConfiguration>${names.map((n) => tc(ARN(n), ["s3:ObjectCreated:*"], { id: n })).join("")}</NotificationConfiguration>`;

  it("a non-persistent topic has the record when the PUT answers; a persistent one once the outbox is drained", async () => {
    const { env, c } = await withBucket("bkt");
    await env.deps.targets.putTopic(topic("sync", `${rx.url}/sync`));
    await env.deps.targets.putTopic(topic("durable", `${rx.url}/durable`, { persistent: true }));
    const body = config("sync", "durable");
    expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    rx.received.length = 0;
    expect((await c.put("bkt", "k", "v")).status).toBe(200);
    expect(rx.received.map((h) => h.body.Records[0].s3.configurationId)).toEqual(["sync"]);
    const leased = await env.deps.meta.leaseEvents({ limit: 10, now: env.deps.clock.now(), leaseMs: 1 });
    expect(leased.map((e) => e.target)).toEqual(["durable:sns"]);
  });

  it("CreateMultipartUpload: Ceph's topics hear ObjectCreated:Post (pushed, or queued when persistent); MinIO's queue rules do not", async () => {
    const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_m: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_m: `${rx.url}/minio` });
    const { env, c } = await withBucket("bkt", { notifyTargets: targets });
    await env.deps.targets.putTopic(topic("sync", `${rx.url}/sync`));
    await env.deps.targets.putTopic(topic("durable", `${rx.url}/durable`, { persistent: true }));
    const body = config("sync", "durable").replace("</NotificationConfiguration>",
      "<QueueConfiguration><Id>q</Id><Queue>arn:minio:sqs::m:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>");
    expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    rx.received.length = 0;
    const init = await c.send("/bkt/big.bin?uploads", { method: "POST", headers: { "x-amz-meta-color": "red" } });
    expect(init.status).toBe(200);
    expect(rx.received.map((h) => [h.body.Records[0].eventName, h.body.Records[0].s3.object.key, h.body.Records[0].s3.object.size])).toEqual([["ObjectCreated:Post", "big.bin", 0]]);
    expect(rx.received[0].body.Records[0].s3.object.metadata).toContainEqual({ key: "x-amz-meta-color", val: "red" });
    const leased = await env.deps.meta.leaseEvents({ limit: 10, now: env.deps.clock.now(), leaseMs: 1 });
    expect(leased.map((e) => e.target)).toEqual(["durable:sns"]);
    expect(JSON.stringify(leased[0])).toContain("ObjectCreated:Post");
  });

  it("deleting a key that is not there pushes nothing", async () => {
    const { env, c } = await withBucket("bkt");
    await env.deps.targets.putTopic(topic("sync", `${rx.url}/sync`));
    const body = `<NotificationConfiguration>${tc(ARN("sync"), ["s3:ObjectRemoved:*"], { id: "rm" })}</NotificationConfiguration>`;
    expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    rx.received.length = 0;
    expect((await c.del("bkt", "never")).status).toBe(204);
    expect(rx.received).toEqual([]);
    expect((await c.put("bkt", "k", "v")).status).toBe(200);
    expect((await c.del("bkt", "k")).status).toBe(204);
    expect(rx.received.map((h) => [h.body.Records[0].eventName, h.body.Records[0].s3.object.size])).toEqual([["ObjectRemoved:Delete", 1]]);
  });

  it("a failing or unreachable endpoint never fails the S3 call (the event is lost and logged)", async () => {
    const { env, c } = await withBucket("bkt");
    rx.status = 500;
    await env.deps.targets.putTopic(topic("refuses", `${rx.url}/x`));
    await env.deps.targets.putTopic(topic("gone", "http://127.0.0.1:1/"));
    const body = config("refuses", "gone");
    expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    const before = rx.requests;
    expect((await c.put("bkt", "k", "v")).status).toBe(200);
    expect(rx.requests).toBe(before + 1);
    expect(await env.deps.meta.leaseEvents({ limit: 10, now: env.deps.clock.now(), leaseMs: 1 })).toEqual([]);
    rx.status = null;
  });
});
