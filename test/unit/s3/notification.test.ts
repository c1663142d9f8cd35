import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, withBucket } from "../helpers/s3.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";
import { withRequestInfo } from "../../../src/http/request-info.ts";

const TARGETS = targetsFromEnv({
  MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/hook",
  MINIO_NOTIFY_WEBHOOK_ENABLE_small: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_small: "http://127.0.0.1:1/hook", MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_small: "2",
});

const config = (arn: string, events: string[], extra = "") =>
  `<NotificationConfiguration><QueueConfiguration>${events.map((e) => `<Event>${e}</Event>`).join("")}${extra}<Queue>${arn}</Queue></QueueConfiguration></NotificationConfiguration>`;

async function setup(opts: { sharded?: boolean } = {}) {
  const b = await withBucket("bkt", { notifyTargets: TARGETS }, opts);
  const putConfig = (body: string) => b.c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } });
  /** Every queued record, oldest first (leases them; tests look, they do not deliver). */
  const drain = async () => (await b.env.deps.meta.leaseEvents({ now: b.env.deps.clock.now(), leaseMs: 60_000, limit: 1000 }))
    .map((m) => ({ target: m.target, record: JSON.parse(m.record) }));
  return { ...b, putConfig, drain };
}

for (const sharded of [false, true]) {
  describe(`bucket notifications (${sharded ? "sharded" : "single"} store)`, () => {
    it("GET answers an empty configuration before any PUT (mc reads first), then what was stored", async () => {
      const { c, putConfig } = await setup({ sharded });
      const empty = await c.send("/bkt?notification");
      expect(empty.status).toBe(200);
      expect(await empty.text()).toContain("<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></NotificationConfiguration>");
      const put = await putConfig(config("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"], "<Filter><S3Key><FilterRule><Name>prefix</Name><Value>p/</Value></FilterRule></S3Key></Filter>"));
      expect(put.status).toBe(200);
      const got = await (await c.send("/bkt?notification")).text();
      expect(got).toContain("<Queue>arn:minio:sqs::1:webhook</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>p/</Value>");
      // An empty document removes it.
      expect((await putConfig("<NotificationConfiguration></NotificationConfiguration>")).status).toBe(200);
      expect(await (await c.send("/bkt?notification")).text()).not.toContain("QueueConfiguration");
    });

    it("refuses unknown targets and missing buckets with S3 errors", async () => {
      const { c, putConfig } = await setup({ sharded });
      const bad = await putConfig(config("arn:minio:sqs::9:webhook", ["s3:ObjectCreated:*"]));
      expect(bad.status).toBe(400);
      expect(await errorCode(bad)).toBe("InvalidArgument");
      expect((await c.send("/nope?notification")).status).toBe(404);
      const body = config("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"]);
      expect(await errorCode(await c.send("/nope?notification", { method: "PUT", body }))).toBe("NoSuchBucket");
      expect(await errorCode(await c.send("/bkt?notification", { method: "PUT", body: "<Nope" }))).toBe("MalformedXML");
    });

    it("queues one record per matching change: Put, Copy, CompleteMultipartUpload, Delete, Get, Head", async () => {
      const { c, env, putConfig, drain } = await setup({ sharded });
      expect((await putConfig(config("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectAccessed:*"]))).status).toBe(200);
      expect((await c.put("bkt", "dir/a%20b.txt", "hello", { "content-type": "text/plain", "x-amz-meta-k": "v" })).status).toBe(200);
      expect((await c.send("/bkt/copy", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/dir/a%20b.txt" } })).status).toBe(200);
      const id = await c.createUpload("bkt", "mp");
      const etag = await c.uploadPart("bkt", "mp", id, 1, new TextEncoder().encode("part"));
      expect((await c.complete("bkt", "mp", id, [{ n: 1, etag }])).status).toBe(200);
      expect((await c.get("bkt", "copy")).status).toBe(200);
      expect((await c.head("bkt", "copy")).status).toBe(200);
      const tagging = "<Tagging><TagSet><Tag><Key>t</Key><Value>1</Value></Tag></TagSet></Tagging>";
      expect((await c.send("/bkt/copy?tagging", { method: "PUT", body: tagging, headers: { "content-md5": md5B64(tagging) } })).status).toBe(200);
      expect((await c.send("/bkt/copy?tagging", { method: "DELETE" })).status).toBe(204);
      expect((await c.send("/bkt/never-was?tagging", { method: "DELETE" })).status).toBe(404);
      expect((await c.del("bkt", "copy")).status).toBe(204);
      expect((await c.del("bkt", "never-was")).status).toBe(204); // nothing removed: no event
      expect((await c.get("bkt", "never-was")).status).toBe(404); // no access: no event
      // Access events are appended after the response (background work on the request path).
      const events = await drain();
      expect(events.map((e) => [e.record.eventName, e.record.s3.object.key])).toEqual([
        ["s3:ObjectCreated:Put", "dir%2Fa+b.txt"],
        ["s3:ObjectCreated:Copy", "copy"],
        ["s3:ObjectCreated:CompleteMultipartUpload", "mp"],
        ["s3:ObjectAccessed:Get", "copy"],
        ["s3:ObjectAccessed:Head", "copy"],
        ["s3:ObjectCreated:PutTagging", "copy"],
        ["s3:ObjectCreated:DeleteTagging", "copy"],
        ["s3:ObjectRemoved:Delete", "copy"],
      ]);
      const put = events[0].record;
      expect(put.s3.object).toMatchObject({ size: 5, eTag: "5d41402abc4b2a76b9719d911017c592", contentType: "text/plain", userMetadata: { "x-amz-meta-k": "v" } });
      expect(put.userIdentity.principalId).toBe(env.deps.config.rootUser);
      expect(events[2].record.s3.object.eTag).toMatch(/-1$/);
      expect(events.every((e) => e.target === "1:webhook")).toBe(true);
    });

    it("filters by event type, prefix and suffix; DeleteObjects reports each removed key", async () => {
      const { c, putConfig, drain } = await setup({ sharded });
      const filter = "<Filter><S3Key><FilterRule><Name>prefix</Name><Value>img/</Value></FilterRule><FilterRule><Name>suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter>";
      expect((await putConfig(config("arn:minio:sqs::1:webhook", ["s3:ObjectRemoved:*"], filter))).status).toBe(200);
      for (const k of ["img/a.jpg", "img/b.png", "doc/c.jpg", "img/d.jpg"]) expect((await c.put("bkt", k, "x")).status).toBe(200);
      expect(await drain()).toEqual([]); // creations not subscribed
      const body = `<Delete>${["img/a.jpg", "img/b.png", "doc/c.jpg", "img/d.jpg", "img/zz.jpg"].map((k) => `<Object><Key>${k}</Key></Object>`).join("")}</Delete>`;
      expect((await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
      expect((await drain()).map((e) => e.record.s3.object.key)).toEqual(["img%2Fa.jpg", "img%2Fd.jpg"]);
    });

    it("a full target queue refuses the change with 503 SlowDown and changes nothing", async () => {
      const { c, env, putConfig } = await setup({ sharded });
      expect((await putConfig(config("arn:minio:sqs::small:webhook", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]))).status).toBe(200);
      expect((await c.put("bkt", "a", "1")).status).toBe(200);
      expect((await c.put("bkt", "b", "2")).status).toBe(200);
      const full = await c.put("bkt", "a", "overwrite");
      expect(full.status).toBe(503);
      expect(await errorCode(full)).toBe("SlowDown");
      expect(new TextDecoder().decode(await c.bytes("bkt", "a"))).toBe("1");
      const del = await c.del("bkt", "b");
      expect(del.status).toBe(503);
      expect((await c.get("bkt", "b")).status).toBe(200);
      const tagging = "<Tagging><TagSet><Tag><Key>t</Key><Value>1</Value></Tag></TagSet></Tagging>";
      expect((await c.send("/bkt/b?tagging", { method: "PUT", body: tagging, headers: { "content-md5": md5B64(tagging) } })).status).toBe(503);
      expect((await c.xml("/bkt/b?tagging")).Tagging.TagSet).toBe("");
      const id = await c.createUpload("bkt", "mp");
      const etag = await c.uploadPart("bkt", "mp", id, 1, new TextEncoder().encode("part"));
      expect((await c.complete("bkt", "mp", id, [{ n: 1, etag }])).status).toBe(503);
      expect((await c.get("bkt", "mp")).status).toBe(404);
      expect(await env.deps.meta.countEvents()).toEqual({ "small:webhook": 2 });
      // Once delivered (here: settled by hand), writes go through again.
      const leased = await env.deps.meta.leaseEvents({ now: env.deps.clock.now(), leaseMs: 1000, limit: 10 });
      await env.deps.meta.settleEvents("bkt", { done: leased.map((m) => m.id) });
      expect((await c.complete("bkt", "mp", id, [{ n: 1, etag }])).status).toBe(200);
    });

    it("no configuration, no events", async () => {
      const { c, env } = await setup({ sharded });
      expect((await c.put("bkt", "a", "1")).status).toBe(200);
      expect((await c.del("bkt", "a")).status).toBe(204);
      expect(await env.deps.meta.countEvents()).toEqual({});
    });
  });
}

describe("the client address in event records comes from the runtime adapter", () => {
  it("sourceIPAddress is the socket's address; client-sent forwarding headers are not trusted", async () => {
    const { c, env, putConfig, drain } = await setup();
    expect((await putConfig(config("arn:minio:sqs::1:webhook", ["s3:ObjectCreated:*"]))).status).toBe(200);
    const req = await c.request("/bkt/ip", { method: "PUT", body: "x", headers: { "x-forwarded-for": "6.6.6.6", "cf-connecting-ip": "6.6.6.6" } });
    const res = await env.app.request(req, undefined, withRequestInfo({ remoteAddress: "10.1.2.3" }));
    expect(res.status).toBe(200);
    const [e] = await drain();
    expect(e.record.requestParameters.sourceIPAddress).toBe("10.1.2.3");
  });
});
