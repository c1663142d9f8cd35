import { describe, expect, it } from "bun:test";
import { S3Error } from "../../../src/xml/errors.ts";
import { parseXml } from "../../../src/xml/xml.ts";
import { matchingRules, notificationXmlBody, parseNotificationConfig } from "../../../src/events/notification-config.ts";
import { parseArn, targetsFromEnv } from "../../../src/events/targets.ts";
import { eventMatches, isKnownEventName } from "../../../src/events/names.ts";
import { eventRecord, queryEscape } from "../../../src/events/record.ts";
import { ConfigError } from "../../../src/config.ts";
import { buildXml } from "../../../src/xml/xml.ts";

const targets = targetsFromEnv({
  MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/a",
  S3EDGE_NOTIFY_WEBHOOK_ENABLE: "true", S3EDGE_NOTIFY_WEBHOOK_ENDPOINT: "https://example.invalid/b", S3EDGE_NOTIFY_WEBHOOK_AUTH_TOKEN: "tok",
});

const queue = (arn: string, events: string[], filter = "") =>
  `<QueueConfiguration>${events.map((e) => `<Event>${e}</Event>`).join("")}${filter}<Queue>${arn}</Queue></QueueConfiguration>`;
const doc = (...q: string[]) => parseXml(`<NotificationConfiguration>${q.join("")}</NotificationConfiguration>`);
const rules = (name: string, value: string) => `<FilterRule><Name>${name}</Name><Value>${value}</Value></FilterRule>`;
const filter = (...r: string[]) => `<Filter><S3Key>${r.join("")}</S3Key></Filter>`;

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof S3Error ? `${e.code}:${e.message}` : String(e); }
  return "ok";
}

describe("notification targets from variables", () => {
  it("reads MinIO and S3EDGE names, ids from the suffix (default `_`), and defaults", () => {
    expect(Object.keys(targets).sort()).toEqual(["1:webhook", "_:webhook"]);
    expect(targets["1:webhook"]).toMatchObject({ id: "1", endpoint: "http://127.0.0.1:1/a", queueLimit: 100_000, maxRetries: 10 });
    expect((targets["_:webhook"] as { authToken?: string }).authToken).toBe("tok");
  });
  it("skips disabled targets and refuses an enabled one without a usable endpoint", () => {
    expect(targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_X: "off", MINIO_NOTIFY_WEBHOOK_ENDPOINT_X: "http://a" })).toEqual({});
    expect(() => targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_X: "on" })).toThrow(ConfigError);
    expect(() => targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_X: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_X: "ftp://a" })).toThrow(ConfigError);
    expect(() => targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_X: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_X: "http://a", MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_X: "-3" })).toThrow(ConfigError);
    expect(targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_X: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_X: "http://a", MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_X: "5" })["X:webhook"].queueLimit).toBe(5);
  });
  it("parses six-field minio ARNs only", () => {
    expect(parseArn("arn:minio:sqs::1:webhook")).toEqual({ region: "", id: "1", type: "webhook" });
    expect(parseArn("arn:minio:sqs:us-east-1:_:webhook")).toEqual({ region: "us-east-1", id: "_", type: "webhook" });
    for (const bad of ["arn:minio:sqs::1", "arn:minio:sqs:::webhook", "arn:aws:sqs::1:webhook", "arn:minio:sns::1:webhook", "x"]) expect(parseArn(bad)).toBeNull();
  });
});

describe("event names", () => {
  it("knows S3's names and wildcards, and matches wildcards by family", () => {
    for (const n of ["s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectRemoved:Delete", "s3:ObjectAccessed:Head", "s3:BucketCreated:*"]) expect(isKnownEventName(n)).toBe(true);
    for (const n of ["s3:ObjectCreated:Nope", "s3:Nope:*", "ObjectCreated:Put", ""]) expect(isKnownEventName(n)).toBe(false);
    expect(eventMatches("s3:ObjectCreated:*", "s3:ObjectCreated:Copy")).toBe(true);
    expect(eventMatches("s3:ObjectCreated:*", "s3:ObjectRemoved:Delete")).toBe(false);
    expect(eventMatches("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy")).toBe(false);
  });
});

describe("PutBucketNotificationConfiguration validation", () => {
  const parse = (d: Record<string, any>) => parseNotificationConfig(d, targets, "us-east-1");
  it("accepts what mc sends and keeps the ARN string as given", () => {
    const c = parse(doc(queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], filter(rules("prefix", "photos/"), rules("suffix", ".jpg")))));
    expect(c.queues).toEqual([{ arn: "arn:minio:sqs::1:webhook", target: "1:webhook", events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], prefix: "photos/", suffix: ".jpg" }]);
  });
  it("an empty document clears the configuration", () => {
    expect(parse(parseXml("<NotificationConfiguration></NotificationConfiguration>")).queues).toEqual([]);
  });
  it("answers InvalidArgument for unknown targets, regions, events, filter names, duplicates and overlaps", () => {
    expect(code(() => parse(doc(queue("arn:minio:sqs::2:webhook", ["s3:ObjectCreated:*"]))))).toStartWith("InvalidArgument:A specified destination ARN does not exist");
    expect(code(() => parse(doc(queue("arn:minio:sqs::1", ["s3:ObjectCreated:*"]))))).toStartWith("InvalidArgument:A specified destination ARN");
    expect(code(() => parse(doc(queue("arn:minio:sqs:eu-west-1:1:webhook", ["s3:ObjectCreated:*"]))))).toContain("different region");
    expect(code(() => parse(doc(queue("arn:minio:sqs:us-east-1:1:webhook", ["s3:ObjectCreated:*"]))))).toBe("ok");
    expect(code(() => parse(doc(queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:Nope"]))))).toBe("InvalidArgument:A specified event is not supported for notifications.");
    expect(code(() => parse(doc(queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:Put", "s3:ObjectCreated:Put"]))))).toStartWith("InvalidArgument:Duplicate");
    expect(code(() => parse(doc(queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"], filter(rules("Prefix", "a"))))))).toBe("InvalidArgument:filter rule name must be either prefix or suffix");
    expect(code(() => parse(doc(queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"], filter(rules("prefix", "a"), rules("prefix", "b"))))))).toContain("more than one prefix");
    expect(code(() => parse(doc(queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"], filter(rules("suffix", "x".repeat(1025)))))))).toContain("1024 bytes");
    const q = queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"]);
    expect(code(() => parse(doc(q, q)))).toContain("overlapping");
  });
  it("refuses Topic/CloudFunction configurations and malformed documents", () => {
    expect(code(() => parse(parseXml("<NotificationConfiguration><TopicConfiguration><Topic>arn:aws:sns:::t</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration></NotificationConfiguration>")))).toStartWith("InvalidArgument");
    expect(code(() => parse(doc("<QueueConfiguration><Event>s3:ObjectCreated:*</Event></QueueConfiguration>")))).toStartWith("MalformedXML");
    expect(code(() => parse(doc("<QueueConfiguration><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration>")))).toStartWith("MalformedXML");
    expect(code(() => parse(parseXml("<Other/>")))).toStartWith("MalformedXML");
  });
  it("renders back what was stored, Id included", () => {
    const c = parse(doc(`<QueueConfiguration><Id>n1</Id><Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:Put</Event>${filter(rules("suffix", ".txt"))}</QueueConfiguration>`));
    const xml = buildXml("NotificationConfiguration", notificationXmlBody(c));
    expect(xml).toContain("<QueueConfiguration><Id>n1</Id><Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:Put</Event><Filter><S3Key><FilterRule><Name>suffix</Name><Value>.txt</Value></FilterRule></S3Key></Filter></QueueConfiguration>");
  });
});

describe("matching", () => {
  const c = parseNotificationConfig(doc(
    queue("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"], filter(rules("prefix", "ab"), rules("suffix", "ba"))),
    queue("arn:minio:sqs::1:webhook", ["s3:ObjectRemoved:*"]),
    queue("arn:minio:sqs::_:webhook", ["s3:ObjectCreated:Put"]),
  ), targets, "us-east-1");
  it("applies events and the glob prefix*suffix, one rule per target", () => {
    expect(matchingRules(c, "s3:ObjectCreated:Put", "ab-x-ba").map((r) => r.target)).toEqual(["1:webhook", "_:webhook"]);
    expect(matchingRules(c, "s3:ObjectCreated:Put", "aba").map((r) => r.target)).toEqual(["_:webhook"]); // prefix and suffix may not overlap
    expect(matchingRules(c, "s3:ObjectCreated:Copy", "abba").map((r) => r.target)).toEqual(["1:webhook"]);
    expect(matchingRules(c, "s3:ObjectRemoved:Delete", "zzz").map((r) => r.target)).toEqual(["1:webhook"]);
    expect(matchingRules(c, "s3:ObjectAccessed:Get", "abba")).toEqual([]);
  });
});

describe("event record", () => {
  it("escapes keys as Go's QueryEscape", () => {
    expect(queryEscape("photos/my photo*(1)~.jpg")).toBe("photos%2Fmy+photo%2A%281%29~.jpg");
    expect(queryEscape("ü")).toBe("%C3%BC");
  });
  it("has MinIO's shape; removals carry no size or eTag", () => {
    const base = {
      bucket: "b", key: "a b", principalId: "admin", region: "us-east-1", requestId: "R1", time: Date.UTC(2026, 10, 24, 10, 0, 0, 123),
      configurationId: "Config", sourceIp: "1.2.3.4", userAgent: "ua", endpoint: "http://gw",
    };
    const put = eventRecord({ ...base, eventName: "s3:ObjectCreated:Put", object: { size: 4, etag: '"abc"', versionId: "null", headers: { "content-type": "text/plain", "x-amz-meta-k": "v", "cache-control": "x" } } });
    expect(put).toMatchObject({
      eventVersion: "2.0", eventSource: "minio:s3", awsRegion: "us-east-1", eventTime: "2026-11-24T10:00:00.123Z", eventName: "s3:ObjectCreated:Put",
      userIdentity: { principalId: "admin" }, responseElements: { "x-amz-request-id": "R1" },
      s3: { s3SchemaVersion: "1.0", configurationId: "Config", bucket: { name: "b", arn: "arn:aws:s3:::b" },
        object: { key: "a+b", size: 4, eTag: "abc", contentType: "text/plain", userMetadata: { "content-type": "text/plain", "x-amz-meta-k": "v" }, versionId: "" } },
    });
    expect((put.s3 as any).object.sequencer).toBe((BigInt(base.time) * 1_000_000n).toString(16).toUpperCase());
    const del = eventRecord({ ...base, eventName: "s3:ObjectRemoved:Delete" });
    expect((del.s3 as any).object).toEqual({ key: "a+b", versionId: "", sequencer: expect.any(String) });
  });
});
