// Bucket lifecycle end to end: the aws cli's put/get/delete-bucket-lifecycle-configuration and
// its view of S3's validation errors, and expiry driven by a fake clock through the test-only
// sweep trigger (S3EDGE_TEST_CLOCK=1: POST /s3edge/test/lifecycle?now=…, signed by root).
// The aws cli starts slowly, so setup and the other error cases go through signed fetches.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import * as Minio from "minio";
import { createHash } from "node:crypto";
import { aws, awsJson, bucketName, ok, useServer, xmlCode } from "./harness.ts";
import { startReceiver, type Receiver } from "./webhook-receiver.ts";

// The webhook target "E2E" (run-e2e.sh configures it for workerd, on S3EDGE_WEBHOOK_PORT). Bound
// in beforeAll, not at load, so it never holds the port while notifications.test.ts runs.
let rx: Receiver;
beforeAll(() => { rx = startReceiver(Number(process.env.S3EDGE_WEBHOOK_PORT ?? 0)); });
afterAll(() => rx?.stop());
// Sweeps every second (run-e2e.sh sets the same for workerd), for the background schedule test.
const ep = useServer({
  env: () => ({
    S3EDGE_TEST_CLOCK: "1", S3EDGE_LIFECYCLE_INTERVAL: "1s",
    MINIO_NOTIFY_WEBHOOK_ENABLE_E2E: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_E2E: rx.url, MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_E2E: "e2e-token",
  }),
});
const B = bucketName("lifecycle");
const DAY = 86_400_000;

const CONFIG = {
  Rules: [
    { ID: "tmp", Filter: { Prefix: "tmp/" }, Status: "Enabled", Expiration: { Days: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    {
      ID: "tagged", Status: "Enabled", NoncurrentVersionExpiration: { NoncurrentDays: 30, NewerNoncurrentVersions: 2 },
      Filter: { And: { Prefix: "docs/", Tags: [{ Key: "class", Value: "scratch" }], ObjectSizeGreaterThan: 1, ObjectSizeLessThan: 1000000 } },
    },
    { ID: "dated", Filter: { ObjectSizeGreaterThan: 1000 }, Status: "Disabled", Expiration: { Date: "2030-01-01T00:00:00Z" } },
    { ID: "markers", Filter: {}, Status: "Enabled", Expiration: { ExpiredObjectDeleteMarker: true } },
  ],
};

/** A request signed by root, as any SDK sends it. */
function s3(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const client = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region });
  return client.fetch(`${ep.url}${path}`, init);
}
const md5 = (s: string) => createHash("md5").update(s).digest("base64");
const putXml = (bucket: string, xml: string) => s3(`/${bucket}?lifecycle`, { method: "PUT", body: xml, headers: { "content-md5": md5(xml) } });

/** The fake clock: one sweep of `bucket` at `now`, as the background schedule would run it then. */
async function sweepAt(now: number, bucket: string): Promise<Record<string, unknown>> {
  const res = await s3(`/s3edge/test/lifecycle?now=${now}&bucket=${bucket}`, { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function keys(bucket: string): Promise<string[]> {
  const text = await (await s3(`/${bucket}?list-type=2`)).text();
  return [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
}

describe("bucket lifecycle", () => {
  test("aws cli: put, get back, delete (none before and after: NoSuchLifecycleConfiguration)", async () => {
    expect((await s3(`/${B}`, { method: "PUT" })).status).toBe(200);
    const none = await s3(`/${B}?lifecycle`);
    expect([none.status, xmlCode(await none.text())]).toEqual([404, "NoSuchLifecycleConfiguration"]);
    ok(await aws(ep, ["s3api", "put-bucket-lifecycle-configuration", "--bucket", B, "--lifecycle-configuration", JSON.stringify(CONFIG)]), "put-bucket-lifecycle-configuration");
    const got = await awsJson(ep, ["s3api", "get-bucket-lifecycle-configuration", "--bucket", B]);
    // The cli prints a Date as its version formats timestamps (as sent, or as +00:00).
    const dated = got.Rules[2];
    expect(Date.parse(dated.Expiration.Date)).toBe(Date.parse(CONFIG.Rules[2]!.Expiration!.Date!));
    expect(got.Rules).toEqual([CONFIG.Rules[0], CONFIG.Rules[1], { ...CONFIG.Rules[2], Expiration: dated.Expiration }, CONFIG.Rules[3]]);
    ok(await aws(ep, ["s3api", "delete-bucket-lifecycle", "--bucket", B]), "delete-bucket-lifecycle");
    expect(xmlCode(await (await s3(`/${B}?lifecycle`)).text())).toBe("NoSuchLifecycleConfiguration");
  });

  test("minio-js (mc's XML): setBucketLifecycle, getBucketLifecycle, removeBucketLifecycle", async () => {
    const mc = new Minio.Client({
      endPoint: ep.host, port: ep.port, useSSL: ep.url.startsWith("https:"), accessKey: ep.accessKey, secretKey: ep.secretKey, region: ep.region, pathStyle: true,
    });
    const b = bucketName("lc-minio");
    await mc.makeBucket(b, ep.region);
    await mc.setBucketLifecycle(b, {
      Rule: [
        { ID: "expire", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 7 } },
        { ID: "versions", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: 3 } },
      ],
    } as never);
    const got = (await mc.getBucketLifecycle(b)) as unknown as { Rule: Record<string, unknown>[] };
    expect(got.Rule).toEqual([
      { ID: "expire", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 7 } },
      { ID: "versions", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: 3 } },
    ]);
    await mc.removeBucketLifecycle(b);
    expect(xmlCode(await (await s3(`/${b}?lifecycle`)).text())).toBe("NoSuchLifecycleConfiguration");
  });

  test("aws cli: a rule with Days 0 is refused (InvalidArgument)", async () => {
    const r = await aws(ep, ["s3api", "put-bucket-lifecycle-configuration", "--bucket", B, "--lifecycle-configuration",
      JSON.stringify({ Rules: [{ ID: "a", Filter: {}, Status: "Enabled", Expiration: { Days: 0 } }] })]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("InvalidArgument");
  });

  const rule = (inner: string, id = "a") => `<Rule><ID>${id}</ID><Filter/><Status>Enabled</Status>${inner}</Rule>`;
  const doc = (rules: string) => `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</LifecycleConfiguration>`;
  test.each([
    ["a Date not at midnight", "InvalidArgument", doc(rule("<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>"))],
    ["duplicate rule IDs", "InvalidArgument", doc(rule("<Expiration><Days>1</Days></Expiration>") + rule("<Expiration><Days>2</Days></Expiration>"))],
    ["no action", "InvalidRequest", doc(rule(""))],
    ["a Transition", "InvalidStorageClass", doc(rule("<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>"))],
    ["Days and Date", "MalformedXML", doc(rule("<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>"))],
  ])("%s → 400 %s", async (_name, code, xml) => {
    const res = await putXml(B, xml);
    expect([res.status, xmlCode(await res.text())]).toEqual([400, code]);
  });

  test("fake clock: objects and uploads under the prefix go at the midnight after the days, the rest stay", async () => {
    const b = bucketName("lc-expiry");
    expect((await s3(`/${b}`, { method: "PUT" })).status).toBe(200);
    for (const k of ["tmp/a", "tmp/b", "keep/c"]) expect((await s3(`/${b}/${k}`, { method: "PUT", body: "x" })).status).toBe(200);
    const upload = /<UploadId>([^<]+)</.exec(await (await s3(`/${b}/tmp/big?uploads`, { method: "POST" })).text())![1];
    expect((await putXml(b, doc(`<Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>` +
      `<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`))).status).toBe(200);
    const now = Date.now();
    const due = now - (now % DAY) + 2 * DAY; // written today + 1 day → the midnight after tomorrow's
    expect(await sweepAt(due - 60_000, b)).toMatchObject({ buckets: 1, expired: 0, aborted: 0 });
    expect(await keys(b)).toEqual(["keep/c", "tmp/a", "tmp/b"]);
    expect(await sweepAt(due, b)).toMatchObject({ buckets: 1, expired: 2, aborted: 1 });
    expect(await keys(b)).toEqual(["keep/c"]);
    expect((await s3(`/${b}/tmp/a`, { method: "HEAD" })).status).toBe(404);
    expect(await (await s3(`/${b}?uploads`)).text()).not.toContain(upload!);
    // The sweep answers the same the next time: nothing is left to do.
    expect(await sweepAt(due + DAY, b)).toMatchObject({ expired: 0, aborted: 0 });
  });

  test("fake clock, versioned bucket: expiry writes a delete marker, noncurrent versions and the lone marker go later", async () => {
    const b = bucketName("lc-versions");
    expect((await s3(`/${b}`, { method: "PUT" })).status).toBe(200);
    const enable = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    expect((await s3(`/${b}?versioning`, { method: "PUT", body: enable })).status).toBe(200);
    expect((await s3(`/${b}/k`, { method: "PUT", body: "v1" })).status).toBe(200);
    expect((await putXml(b, doc(rule("<Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>", "cur") +
      rule("<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>", "dm")))).status).toBe(200);
    const now = Date.now();
    const due = now - (now % DAY) + 2 * DAY;
    expect(await sweepAt(due, b)).toMatchObject({ expired: 1, noncurrent: 0, markers: 0 });
    expect((await s3(`/${b}/k`, { method: "HEAD" })).status).toBe(404);
    const listed = await (await s3(`/${b}?versions`)).text();
    expect(listed).toContain("<DeleteMarker>");
    expect(listed).toContain("<Version>");
    // A day after the marker replaced it, the data version goes; then the marker stands alone and goes too.
    expect(await sweepAt(due + 2 * DAY, b)).toMatchObject({ noncurrent: 1, markers: 1 });
    const after = await (await s3(`/${b}?versions`)).text();
    expect(after).not.toContain("<Version>");
    expect(after).not.toContain("<DeleteMarker>");
  });

  test("fake clock: an expiry reaches the webhook as MinIO's ObjectRemoved:Delete from Internal: [ILM-Expiry]", async () => {
    const b = bucketName("lc-events");
    expect((await s3(`/${b}`, { method: "PUT" })).status).toBe(200);
    const n = `<NotificationConfiguration><QueueConfiguration><Id>gone</Id><Event>s3:ObjectRemoved:*</Event><Event>s3:LifecycleExpiration:*</Event>` +
      `<Queue>arn:minio:sqs::E2E:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
    expect((await s3(`/${b}?notification`, { method: "PUT", body: n, headers: { "content-md5": md5(n) } })).status).toBe(200);
    expect((await s3(`/${b}/old.log`, { method: "PUT", body: "x" })).status).toBe(200);
    expect((await putXml(b, doc(rule("<Expiration><Days>1</Days></Expiration>")))).status).toBe(200);
    const now = Date.now();
    expect(await sweepAt(now - (now % DAY) + 2 * DAY, b)).toMatchObject({ expired: 1 });
    const mine = (r: { body: any }[]) => r.filter((x) => x.body?.Records?.[0]?.s3?.bucket?.name === b);
    const got = mine(await rx.waitFor((r) => mine(r).length >= 1, 20_000));
    expect(got).toHaveLength(1);
    expect(got[0]!.body.EventName).toBe("s3:ObjectRemoved:Delete");
    expect(got[0]!.body.Records[0]).toMatchObject({ eventName: "s3:ObjectRemoved:Delete", source: { userAgent: "Internal: [ILM-Expiry]" }, s3: { object: { key: "old.log" } } });
  });

  test("the background schedule (Bun's interval, the Durable Object's alarm) applies a past Expiration Date", async () => {
    const b = bucketName("lc-schedule");
    expect((await s3(`/${b}`, { method: "PUT" })).status).toBe(200);
    for (const k of ["old/a", "new/b"]) expect((await s3(`/${b}/${k}`, { method: "PUT", body: "x" })).status).toBe(200);
    // A Date already past: every object under the prefix is expired at the next pass.
    expect((await putXml(b, doc(`<Rule><ID>past</ID><Filter><Prefix>old/</Prefix></Filter><Status>Enabled</Status>` +
      `<Expiration><Date>2020-01-01T00:00:00Z</Date></Expiration></Rule>`))).status).toBe(200);
    let left = await keys(b);
    for (let i = 0; i < 100 && left.includes("old/a"); i++) {
      await Bun.sleep(100);
      left = await keys(b);
    }
    expect(left).toEqual(["new/b"]);
  });
});
