// The lifecycle sweep against the real SQL MetaStore (in memory, plain and sharded as on
// Workers) with a fake clock: what expires when, what stays, and the events it writes.
import { describe, expect, it } from "bun:test";
import { sweepLifecycle } from "../../../src/s3/lifecycle-sweep.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";
import { createTargetStats } from "../../../src/events/targets-stats.ts";
import { md5B64, withBucket } from "../helpers/s3.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_t: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_t: "http://127.0.0.1:1/" });

const lifecycle = (rules: string) => `<LifecycleConfiguration>${rules}</LifecycleConfiguration>`;

async function setup(rules: string, opts: { sharded?: boolean; notify?: string[] } = {}) {
  const b = await withBucket("bkt", { notifyTargets: targets }, { sharded: opts.sharded });
  b.env.setNow(T0);
  const body = lifecycle(rules);
  const res = await b.c.send("/bkt?lifecycle", { method: "PUT", body, headers: { "content-md5": md5B64(body) } });
  expect(res.status).toBe(200);
  if (opts.notify) {
    const n = `<NotificationConfiguration><QueueConfiguration><Id>n1</Id>${opts.notify.map((e) => `<Event>${e}</Event>`).join("")}` +
      `<Queue>arn:minio:sqs::t:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
    expect((await b.c.send("/bkt?notification", { method: "PUT", body: n, headers: { "content-md5": md5B64(n) } })).status).toBe(200);
  }
  const sweep = (now: number, budget?: number, pageSize?: number) => sweepLifecycle(b.env.deps, { now, budget, pageSize });
  const keys = async () => (await b.env.deps.meta.listObjects("bkt", { prefix: "", start: "", inclusive: false, limit: 100 })).map((o) => o.key);
  return { ...b, sweep, keys };
}

const rule = (id: string, filter: string, action: string, status = "Enabled") => `<Rule><ID>${id}</ID>${filter}<Status>${status}</Status>${action}</Rule>`;

describe.each([false, true])("lifecycle sweep (sharded: %p)", (sharded) => {
  it("Expiration Days: due at the midnight after the days, only under the prefix", async () => {
    const { c, sweep, keys } = await setup(rule("r", "<Filter><Prefix>logs/</Prefix></Filter>", "<Expiration><Days>2</Days></Expiration>"), { sharded });
    for (const k of ["logs/a", "logs/b", "keep/c"]) expect((await c.put("bkt", k, "x")).status).toBe(200);
    const due = Date.UTC(2026, 0, 13); // 10 Jan 08:00 + 2 days → 13 Jan 00:00
    expect(await sweep(due - 1)).toMatchObject({ buckets: 1, expired: 0 });
    expect(await keys()).toEqual(["keep/c", "logs/a", "logs/b"]);
    expect(await sweep(due)).toMatchObject({ buckets: 1, expired: 2, more: false });
    expect(await keys()).toEqual(["keep/c"]);
    expect(await sweep(due + 10 * DAY)).toMatchObject({ expired: 0 });
  });

  it("tag and size filters: only the objects they select", async () => {
    const { c, sweep, keys } = await setup(
      rule("tags", "<Filter><And><Prefix>t/</Prefix><Tag><Key>tmp</Key><Value>yes</Value></Tag></And></Filter>", "<Expiration><Days>1</Days></Expiration>") +
      rule("big", "<Filter><ObjectSizeGreaterThan>3</ObjectSizeGreaterThan></Filter>", "<Expiration><Days>1</Days></Expiration>"),
      { sharded },
    );
    expect((await c.put("bkt", "t/tagged", "x", { "x-amz-tagging": "tmp=yes" })).status).toBe(200);
    expect((await c.put("bkt", "t/other", "x", { "x-amz-tagging": "tmp=no" })).status).toBe(200);
    expect((await c.put("bkt", "t/none", "x")).status).toBe(200);
    expect((await c.put("bkt", "big", "12345")).status).toBe(200);
    expect((await c.put("bkt", "small", "123")).status).toBe(200);
    expect(await sweep(T0 + 3 * DAY)).toMatchObject({ expired: 2 });
    expect(await keys()).toEqual(["small", "t/none", "t/other"]);
  });

  it("Expiration Date: everything matching from that day; disabled rules never", async () => {
    const { c, sweep, keys } = await setup(
      rule("d", "<Filter><Prefix>a/</Prefix></Filter>", "<Expiration><Date>2026-02-01T00:00:00Z</Date></Expiration>") +
      rule("off", "<Filter/>", "<Expiration><Days>1</Days></Expiration>", "Disabled"),
      { sharded },
    );
    for (const k of ["a/1", "b/1"]) expect((await c.put("bkt", k, "x")).status).toBe(200);
    expect(await sweep(Date.UTC(2026, 0, 31, 23, 59))).toMatchObject({ expired: 0 });
    expect(await sweep(Date.UTC(2026, 1, 1))).toMatchObject({ expired: 1 });
    expect(await keys()).toEqual(["b/1"]);
  });

  it("AbortIncompleteMultipartUpload: stale uploads under the prefix are aborted", async () => {
    const { c, env, sweep } = await setup(rule("mpu", "<Filter><Prefix>up/</Prefix></Filter>", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"), { sharded });
    const stale = await c.createUpload("bkt", "up/x");
    const other = await c.createUpload("bkt", "elsewhere");
    env.setNow(T0 + DAY);
    const fresh = await c.createUpload("bkt", "up/y");
    expect(await sweep(Date.UTC(2026, 0, 12))).toMatchObject({ aborted: 1 });
    expect(await env.deps.meta.getUpload("bkt", stale)).toBeNull();
    expect(await env.deps.meta.getUpload("bkt", other)).not.toBeNull();
    expect(await env.deps.meta.getUpload("bkt", fresh)).not.toBeNull();
  });

  it("pages through objects and uploads (page size 2)", async () => {
    const { c, env, sweep, keys } = await setup(rule("r", "<Filter><Prefix>x/</Prefix></Filter>", "<Expiration><Days>1</Days></Expiration>" +
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"), { sharded });
    for (const k of ["x/1", "x/2", "x/3", "x/4", "x/5", "y"]) expect((await c.put("bkt", k, "x")).status).toBe(200);
    for (const k of ["x/u1", "x/u2", "x/u3"]) await c.createUpload("bkt", k);
    expect(await sweep(T0 + 5 * DAY, undefined, 2)).toMatchObject({ expired: 5, aborted: 3 });
    expect(await keys()).toEqual(["y"]);
    expect(await env.deps.meta.listUploads("bkt", { prefix: "", keyMarker: "", uploadIdMarker: "", limit: 10 })).toEqual([]);
  });

  it("a budget bounds a pass; the next pass goes on", async () => {
    const { c, sweep, keys } = await setup(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"), { sharded });
    for (const k of ["a", "b", "c"]) expect((await c.put("bkt", k, "x")).status).toBe(200);
    expect(await sweep(T0 + 5 * DAY, 2)).toMatchObject({ expired: 2, more: true });
    expect(await sweep(T0 + 5 * DAY, 2)).toMatchObject({ expired: 1, more: false });
    expect(await keys()).toEqual([]);
  });
});

describe.each([false, true])("lifecycle sweep of a versioned bucket (sharded: %p)", (sharded) => {
  async function versioned(rules: string, status = "Enabled", notify?: string[]) {
    const b = await setup(rules, { sharded, notify });
    const v = `<VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>`;
    expect((await b.c.send("/bkt?versioning", { method: "PUT", body: v })).status).toBe(200);
    const versions = async () => (await b.env.deps.meta.listObjectVersions("bkt", { prefix: "", start: "", inclusive: false, limit: 100 }))
      .map((x) => `${x.key}:${x.deleteMarker ? "marker" : x.size}:${x.isLatest ? "current" : "noncurrent"}`);
    return { ...b, versions };
  }

  it("Expiration of a current version writes a delete marker (ObjectRemoved:DeleteMarkerCreated); the data stays noncurrent", async () => {
    const { c, env, sweep, versions } = await versioned(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"), "Enabled", ["s3:ObjectRemoved:*"]);
    expect((await c.put("bkt", "k", "abc")).status).toBe(200);
    expect(await sweep(T0 + 3 * DAY)).toMatchObject({ expired: 1 });
    expect((await c.get("bkt", "k")).status).toBe(404);
    expect(await versions()).toEqual(["k:marker:current", "k:3:noncurrent"]);
    const [row] = await env.deps.meta.leaseEvents({ now: T0 + 3 * DAY, leaseMs: 1000, limit: 100 });
    const record = JSON.parse(row!.record);
    expect(record.eventName).toBe("s3:ObjectRemoved:DeleteMarkerCreated");
    expect(record.s3.object.versionId).toMatch(/^[A-Za-z0-9._-]{16,64}$/);
    // The marker is current already: a second pass writes no other one.
    expect(await sweep(T0 + 4 * DAY)).toMatchObject({ expired: 0 });
  });

  it("Suspended: the marker is the null version", async () => {
    const { c, sweep, env } = await versioned(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"), "Suspended");
    expect((await c.put("bkt", "k", "abc")).status).toBe(200);
    expect(await sweep(T0 + 3 * DAY)).toMatchObject({ expired: 1 });
    const [marker] = await env.deps.meta.listObjectVersions("bkt", { prefix: "", start: "", inclusive: false, limit: 10 });
    expect(marker).toMatchObject({ key: "k", versionId: "null", deleteMarker: true, isLatest: true });
  });

  it("NoncurrentVersionExpiration: NoncurrentDays after being replaced, the NewerNoncurrentVersions newest kept", async () => {
    const { c, env, sweep, versions } = await versioned(rule("nc", "<Filter/>", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>"));
    expect((await c.put("bkt", "k", "1")).status).toBe(200);
    env.setNow(T0 + 3_600_000);
    expect((await c.put("bkt", "k", "22")).status).toBe(200);
    env.setNow(T0 + 7_200_000);
    expect((await c.put("bkt", "k", "333")).status).toBe(200);
    // Replaced on 10 Jan: noncurrent for a day from the midnight after → due 12 Jan 00:00.
    expect(await sweep(Date.UTC(2026, 0, 11, 23))).toMatchObject({ noncurrent: 0 });
    expect(await sweep(Date.UTC(2026, 0, 12))).toMatchObject({ noncurrent: 1 });
    expect(await versions()).toEqual(["k:3:current", "k:2:noncurrent"]);
  });

  it("pages through versions, a key's versions split across pages (page size 2)", async () => {
    const { c, env, sweep, versions } = await versioned(rule("nc", "<Filter/>", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>"));
    for (const [i, body] of ["1", "22", "333"].entries()) {
      env.setNow(T0 + i * 1000);
      expect((await c.put("bkt", "a", body)).status).toBe(200);
      expect((await c.put("bkt", "b", body)).status).toBe(200);
    }
    expect(await sweep(T0 + 5 * DAY, undefined, 2)).toMatchObject({ noncurrent: 2 });
    expect(await versions()).toEqual(["a:3:current", "a:2:noncurrent", "b:3:current", "b:2:noncurrent"]);
  });

  it("ExpiredObjectDeleteMarker: a delete marker left alone (its versions expired) is removed", async () => {
    const { c, sweep, versions } = await versioned(
      rule("nc", "<Filter/>", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>") +
      rule("dm", "<Filter/>", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"),
    );
    expect((await c.put("bkt", "k", "1")).status).toBe(200);
    expect((await c.put("bkt", "keep", "1")).status).toBe(200);
    expect((await c.del("bkt", "k")).status).toBe(204);
    expect(await versions()).toEqual(["k:marker:current", "k:1:noncurrent", "keep:1:current"]);
    expect(await sweep(T0 + 5 * DAY)).toMatchObject({ noncurrent: 1, markers: 1, expired: 0 });
    expect(await versions()).toEqual(["keep:1:current"]);
  });
});

describe("lifecycle events", () => {
  it("MinIO's ObjectRemoved:Delete from Internal: [ILM-Expiry], and AWS's LifecycleExpiration:Delete to a rule naming it", async () => {
    const { c, env, sweep } = await setup(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"), { notify: ["s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"] });
    expect((await c.put("bkt", "k", "x")).status).toBe(200);
    await env.deps.meta.leaseEvents({ now: T0, leaseMs: 1, limit: 100 }).then((rows) => env.deps.meta.settleEvents("bkt", { done: rows.map((r) => r.id) }));
    const at = T0 + 5 * DAY;
    expect(await sweep(at)).toMatchObject({ expired: 1 });
    const rows = await env.deps.meta.leaseEvents({ now: at, leaseMs: 1000, limit: 100 });
    // One record per target: the ObjectRemoved one (the rule names both families).
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.record)).toMatchObject({
      eventName: "s3:ObjectRemoved:Delete", eventTime: new Date(at).toISOString(),
      source: { userAgent: "Internal: [ILM-Expiry]" }, s3: { configurationId: "n1", object: { key: "k" } },
    });
  });

  it("a full target queue keeps the object (as a DELETE's SlowDown); the next pass, once drained, expires it", async () => {
    const small = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_t: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_t: "http://127.0.0.1:1/", MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_t: "1" });
    const b = await withBucket("bkt", { notifyTargets: small });
    b.env.setNow(T0);
    const body = lifecycle(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"));
    expect((await b.c.send("/bkt?lifecycle", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    expect((await b.c.put("bkt", "a", "x")).status).toBe(200);
    expect((await b.c.put("bkt", "b", "x")).status).toBe(200);
    const n = `<NotificationConfiguration><QueueConfiguration><Id>n1</Id><Event>s3:ObjectRemoved:*</Event>` +
      `<Queue>arn:minio:sqs::t:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
    expect((await b.c.send("/bkt?notification", { method: "PUT", body: n, headers: { "content-md5": md5B64(n) } })).status).toBe(200);
    const at = T0 + 5 * DAY;
    expect(await sweepLifecycle(b.env.deps, { now: at })).toMatchObject({ expired: 1 });
    expect((await b.env.deps.meta.listObjects("bkt", { prefix: "", start: "", inclusive: false, limit: 10 })).map((o) => o.key)).toEqual(["b"]);
    const rows = await b.env.deps.meta.leaseEvents({ now: at, leaseMs: 1, limit: 10 });
    await b.env.deps.meta.settleEvents("bkt", { done: rows.map((r) => r.id) });
    expect(await sweepLifecycle(b.env.deps, { now: at })).toMatchObject({ expired: 1 });
  });

  it("an expiry's events count as triggered (/metrics) and wake the delivery, as a request's do", async () => {
    const { c, env } = await setup(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"), { notify: ["s3:ObjectRemoved:*"] });
    expect((await c.put("bkt", "k", "x")).status).toBe(200);
    expect((await c.put("bkt", "keep", "x")).status).toBe(200);
    const stats = createTargetStats();
    const heard: string[][] = [];
    stats.onTriggered((t) => heard.push([...t]));
    // "keep" changed since the listing (another ETag): its removal does not happen, nor count.
    const realList = env.deps.meta.listObjects.bind(env.deps.meta);
    const meta = Object.create(env.deps.meta, { listObjects: { value: async (...a: Parameters<typeof realList>) => {
      const page = await realList(...a);
      return page.map((o) => (o.key === "keep" ? { ...o, etag: '"stale"' } : o));
    } } });
    expect(await sweepLifecycle({ ...env.deps, meta, notifyStats: stats }, { now: T0 + 5 * DAY })).toMatchObject({ expired: 1 });
    expect(heard).toEqual([["t:webhook"]]);
  });

  it("a rule naming only s3:LifecycleExpiration:* gets AWS's name", async () => {
    const { c, env, sweep } = await setup(rule("r", "<Filter/>", "<Expiration><Days>1</Days></Expiration>"), { notify: ["s3:LifecycleExpiration:*"] });
    expect((await c.put("bkt", "k", "x")).status).toBe(200);
    expect(await sweep(T0 + 5 * DAY)).toMatchObject({ expired: 1 });
    const rows = await env.deps.meta.leaseEvents({ now: T0 + 5 * DAY, leaseMs: 1000, limit: 100 });
    expect(rows.map((r) => JSON.parse(r.record).eventName)).toEqual(["s3:LifecycleExpiration:Delete"]);
  });
});
