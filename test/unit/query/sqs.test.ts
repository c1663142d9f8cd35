// The SQS API through createApp: both protocols (JSON with X-Amz-Target, Query forms with XML
// answers), SQS's error codes, long polling, receipt handles, IAM (sqs:* actions on queue ARNs),
// and the queue store's durability across a reopen of its SQLite file.
import { describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryDeps } from "../helpers/deps.ts";
import { ROOT, type Env } from "../helpers/s3.ts";
import { signV4 } from "../helpers/sign-v4.ts";
import { createSqlQueueStore } from "../../../src/events/sqs-sql-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { formToInput, resultXml } from "../../../src/query/sqs-query.ts";
import { awsEventKey, sqsBody } from "../../../src/events/sqs-targets.ts";
import { parseQueueArn } from "../../../src/events/sqs-queues.ts";

const EP = "http://127.0.0.1:9000";
type Who = { accessKey: string; secret: string };

function env(): Env {
  const e = memoryDeps();
  // The app inherits from deps: a store added now is what its requests see.
  e.deps.queues = createSqlQueueStore(createBunSqliteDriver(":memory:"));
  return e;
}

async function json(e: Env, action: string, input: Record<string, unknown>, who: Who = { accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey }) {
  const req = await signV4({
    method: "POST", url: `${EP}/`, body: JSON.stringify(input), service: "sqs", now: e.deps.clock.now(), ...who,
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
  });
  const res = await e.app.request(req);
  return { status: res.status, body: await res.json(), error: res.headers.get("x-amzn-query-error") };
}

async function form(e: Env, body: string, path = "/") {
  const req = await signV4({
    method: "POST", url: `${EP}${path}`, body, service: "sqs", now: e.deps.clock.now(), accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  const res = await e.app.request(req);
  return { status: res.status, text: await res.text() };
}

const QURL = (name: string) => `${EP}/000000000000/${name}`;

describe("SQS JSON protocol", () => {
  it("creates a queue, reports its ARN and counts, sends, receives, deletes", async () => {
    const e = env();
    expect(await json(e, "CreateQueue", { QueueName: "jobs" })).toMatchObject({ status: 200, body: { QueueUrl: QURL("jobs") } });
    const attrs = (await json(e, "GetQueueAttributes", { QueueUrl: QURL("jobs"), AttributeNames: ["QueueArn", "ApproximateNumberOfMessages"] })).body;
    expect(attrs).toEqual({ Attributes: { QueueArn: "arn:aws:sqs:us-east-1:000000000000:jobs", ApproximateNumberOfMessages: "0" } });
    const sent = (await json(e, "SendMessage", { QueueUrl: QURL("jobs"), MessageBody: "hello" })).body;
    expect(sent.MD5OfMessageBody).toBe("5d41402abc4b2a76b9719d911017c592");
    const got = (await json(e, "ReceiveMessage", { QueueUrl: QURL("jobs"), MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["ApproximateReceiveCount"] })).body;
    expect(got.Messages).toEqual([{
      MessageId: sent.MessageId, ReceiptHandle: expect.any(String), MD5OfBody: sent.MD5OfMessageBody, Body: "hello", Attributes: { ApproximateReceiveCount: "1" },
    }]);
    // Hidden while in flight.
    expect((await json(e, "ReceiveMessage", { QueueUrl: QURL("jobs") })).body).toEqual({});
    const counts = (await json(e, "GetQueueAttributes", { QueueUrl: QURL("jobs"), AttributeNames: ["All"] })).body.Attributes;
    expect([counts.ApproximateNumberOfMessages, counts.ApproximateNumberOfMessagesNotVisible]).toEqual(["0", "1"]);
    expect((await json(e, "DeleteMessage", { QueueUrl: QURL("jobs"), ReceiptHandle: got.Messages[0].ReceiptHandle })).status).toBe(200);
    expect((await e.deps.queues!.queueStats("jobs", e.deps.clock.now())).inflight).toBe(0);
  });

  it.each([
    ["GetQueueUrl", { QueueName: "none" }, "AWS.SimpleQueueService.NonExistentQueue;Sender", "QueueDoesNotExist"],
    ["ReceiveMessage", { QueueUrl: QURL("none") }, "AWS.SimpleQueueService.NonExistentQueue;Sender", "QueueDoesNotExist"],
    ["CreateQueue", { QueueName: "bad name!" }, "InvalidParameterValue;Sender", "InvalidParameterValue"],
    ["CreateQueue", { QueueName: "q", Attributes: { VisibilityTimeout: "99999" } }, "InvalidAttributeValue;Sender", "InvalidAttributeValue"],
    ["CreateQueue", { QueueName: "q", Attributes: { Colour: "blue" } }, "InvalidAttributeName;Sender", "InvalidAttributeName"],
    ["CreateQueue", { QueueName: "q", Attributes: { FifoQueue: "true" } }, "InvalidAttributeName;Sender", "InvalidAttributeName"],
    ["DeleteMessageBatch", { QueueUrl: QURL("jobs"), Entries: [] }, "AWS.SimpleQueueService.EmptyBatchRequest;Sender", "EmptyBatchRequest"],
    ["DeleteMessageBatch", { QueueUrl: QURL("jobs"), Entries: [{ Id: "a", ReceiptHandle: "x" }, { Id: "a", ReceiptHandle: "y" }] },
      "AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender", "BatchEntryIdsNotDistinct"],
    ["ReceiveMessage", { QueueUrl: QURL("jobs"), MaxNumberOfMessages: 11 }, "InvalidParameterValue;Sender", "InvalidParameterValue"],
    ["DeleteMessage", { QueueUrl: QURL("jobs"), ReceiptHandle: "garbage" }, "ReceiptHandleIsInvalid;Sender", "ReceiptHandleIsInvalid"],
    ["TagQueue", { QueueUrl: QURL("jobs") }, "InvalidAction;Sender", "UnknownOperationException"],
  ])("%s %j → %s", async (action, input, header, shape) => {
    const e = env();
    await json(e, "CreateQueue", { QueueName: "jobs" });
    const r = await json(e, action, input);
    expect(r.status).toBe(400);
    expect(r.error).toBe(header);
    expect(r.body.__type).toBe(`com.amazonaws.sqs#${shape}`);
  });

  it("long polling wakes when a message arrives", async () => {
    const e = env();
    await json(e, "CreateQueue", { QueueName: "poll" });
    const t0 = Date.now();
    const poll = json(e, "ReceiveMessage", { QueueUrl: QURL("poll"), WaitTimeSeconds: 5 });
    setTimeout(() => { json(e, "SendMessage", { QueueUrl: QURL("poll"), MessageBody: "late" }); }, 100);
    expect((await poll).body.Messages[0].Body).toBe("late");
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("a stale receipt handle deletes nothing; ChangeMessageVisibility 0 makes it visible; MessageNotInflight", async () => {
    const e = env();
    await json(e, "CreateQueue", { QueueName: "vis" });
    await json(e, "SendMessage", { QueueUrl: QURL("vis"), MessageBody: "m" });
    const first = (await json(e, "ReceiveMessage", { QueueUrl: QURL("vis") })).body.Messages[0].ReceiptHandle;
    expect((await json(e, "ChangeMessageVisibility", { QueueUrl: QURL("vis"), ReceiptHandle: first, VisibilityTimeout: 0 })).status).toBe(200);
    expect((await json(e, "ChangeMessageVisibility", { QueueUrl: QURL("vis"), ReceiptHandle: first, VisibilityTimeout: 10 })).error)
      .toBe("AWS.SimpleQueueService.MessageNotInflight;Sender");
    const second = (await json(e, "ReceiveMessage", { QueueUrl: QURL("vis") })).body.Messages[0].ReceiptHandle;
    expect(second).not.toBe(first);
    expect((await json(e, "DeleteMessage", { QueueUrl: QURL("vis"), ReceiptHandle: first })).status).toBe(200);
    expect((await e.deps.queues!.queueStats("vis", e.deps.clock.now())).inflight).toBe(1);
    expect((await json(e, "DeleteMessage", { QueueUrl: QURL("vis"), ReceiptHandle: second })).status).toBe(200);
    expect((await e.deps.queues!.queueStats("vis", e.deps.clock.now())).inflight).toBe(0);
  });

  it("IAM: sqs:* actions on queue ARNs (root allowed, users by policy)", async () => {
    const e = env();
    await json(e, "CreateQueue", { QueueName: "mine" });
    await json(e, "CreateQueue", { QueueName: "theirs" });
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"], Resource: ["arn:aws:sqs:*:*:mine"] }] };
    expect((await e.deps.iam.putPolicy("reader", JSON.stringify(doc))).ok).toBe(true);
    expect((await e.deps.iam.putUser({ accessKey: "worker", secretKey: "worker-secret", status: "enabled", policies: ["reader"] })).ok).toBe(true);
    const who = { accessKey: "worker", secret: "worker-secret" };
    expect((await json(e, "ReceiveMessage", { QueueUrl: QURL("mine") }, who)).status).toBe(200);
    expect((await json(e, "GetQueueUrl", { QueueName: "mine" }, who)).status).toBe(200);
    const denied = await json(e, "ReceiveMessage", { QueueUrl: QURL("theirs") }, who);
    expect([denied.status, denied.body.__type]).toEqual([403, "com.amazonaws.sqs#AccessDeniedException"]);
    expect((await json(e, "SendMessage", { QueueUrl: QURL("mine"), MessageBody: "x" }, who)).status).toBe(403);
    expect((await json(e, "CreateQueue", { QueueName: "new" }, who)).status).toBe(403);
  });
});

describe("SQS Query protocol", () => {
  it("answers in the SQS namespace, at / and at the queue URL", async () => {
    const e = env();
    const c = await form(e, "Action=CreateQueue&QueueName=q1&Attribute.1.Name=DelaySeconds&Attribute.1.Value=0&Version=2012-11-05");
    expect(c.status).toBe(200);
    expect(c.text).toContain(`<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>${QURL("q1")}</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>`);
    expect((await form(e, "Action=SendMessage&MessageBody=hi", "/000000000000/q1")).text).toContain("<MD5OfMessageBody>49f68a5c8493ec2c0bf489821c21fc3b</MD5OfMessageBody>");
    const r = await form(e, `Action=ReceiveMessage&QueueUrl=${encodeURIComponent(QURL("q1"))}&AttributeName.1=SentTimestamp`);
    expect(r.text).toMatch(/<ReceiveMessageResult><Message><MessageId>[^<]+<\/MessageId><ReceiptHandle>[^<]+<\/ReceiptHandle><MD5OfBody>49f68a5c8493ec2c0bf489821c21fc3b<\/MD5OfBody><Body>hi<\/Body><Attribute><Name>SentTimestamp<\/Name><Value>\d+<\/Value><\/Attribute><\/Message><\/ReceiveMessageResult>/);
    const missing = await form(e, "Action=GetQueueUrl&QueueName=none");
    expect(missing.status).toBe(400);
    expect(missing.text).toContain("<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
  });

  it("leaves other Query actions to their API", async () => {
    const e = env();
    const req = await signV4({
      method: "POST", url: `${EP}/`, body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts", now: e.deps.clock.now(),
      accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey, headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const res = await e.app.request(req);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<GetCallerIdentityResult>");
  });

  it("reads the form once at /: SQS's actions take up to 3 MiB, the other Query APIs 413 past 256 KiB", async () => {
    const e = env();
    await json(e, "CreateQueue", { QueueName: "big" });
    const body = "x".repeat(200 * 1024);
    const batch = `Action=SendMessageBatch&QueueUrl=${encodeURIComponent(QURL("big"))}` +
      `&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=${body}&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=${body}`;
    const sent = await form(e, batch);
    expect(sent.status).toBe(200);
    expect(sent.text.match(/<SendMessageBatchResultEntry>/g)?.length).toBe(2);
    const topic = await signV4({
      method: "POST", url: `${EP}/`, body: `Action=CreateTopic&Name=t&Attributes.entry.1.key=OpaqueData&Attributes.entry.1.value=${body}${body}`, service: "sns",
      now: e.deps.clock.now(), accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey, headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const res = await e.app.request(topic);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("<Code>RequestEntityTooLarge</Code>");
  });

  it("a form to a queue URL whose Action is not SQS's is S3's (a bucket of that name)", async () => {
    const e = env();
    const req = await signV4({
      method: "POST", url: `${EP}/000000000000/q1`, body: "Action=GetCallerIdentity&Version=2011-06-15", now: e.deps.clock.now(),
      accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey, headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const res = await e.app.request(req);
    expect(await res.text()).toMatch(/^<\?xml[^>]*>\s*<Error><Code>/);
  });

  it("errors of SQS's Query actions are SQS's <ErrorResponse>, with x-amzn-requestid; signed for another service → refused", async () => {
    const e = env();
    const missing = await e.app.request(await signV4({
      method: "POST", url: `${EP}/`, body: "Action=GetQueueUrl&QueueName=none", service: "sqs", now: e.deps.clock.now(),
      accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey, headers: { "content-type": "application/x-www-form-urlencoded" },
    }));
    expect(missing.headers.get("x-amzn-requestid")).toBe(missing.headers.get("x-amz-request-id"));
    expect(await missing.text()).toContain(`<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>`);
    const wrong = await e.app.request(await signV4({
      method: "POST", url: `${EP}/`, body: "Action=ListQueues", service: "sts", now: e.deps.clock.now(),
      accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey, headers: { "content-type": "application/x-www-form-urlencoded" },
    }));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("<Code>AuthorizationHeaderMalformed</Code>");
    const anonymous = await e.app.request(new Request(`${EP}/`, { method: "POST", body: "Action=ListQueues", headers: { "content-type": "application/x-www-form-urlencoded" } }));
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain(`<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AccessDenied</Code>`);
  });

  it("an SQS action the gateway does not have (TagQueue), signed for sqs, is InvalidAction", async () => {
    const e = env();
    const res = await e.app.request(await signV4({
      method: "POST", url: `${EP}/`, body: "Action=TagQueue&QueueUrl=x", service: "sqs", now: e.deps.clock.now(),
      accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey, headers: { "content-type": "application/x-www-form-urlencoded" },
    }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code>");
  });

  it("maps the form's lists and entries to the JSON shape, and results back", () => {
    const input = formToInput(new URLSearchParams("Attribute.2.Name=B&Attribute.2.Value=2&Attribute.1.Name=A&Attribute.1.Value=1&AttributeName.1=All&DeleteMessageBatchRequestEntry.1.Id=x&DeleteMessageBatchRequestEntry.1.ReceiptHandle=h"));
    expect(input).toEqual({ Attributes: { A: "1", B: "2" }, AttributeNames: ["All"], Entries: [{ Id: "x", ReceiptHandle: "h" }] });
    expect(resultXml("DeleteMessageBatch", { Successful: [{ Id: "x" }], Failed: [] })).toEqual({ DeleteMessageBatchResultEntry: [{ Id: "x" }], BatchResultErrorEntry: [] });
  });
});

describe("queue store", () => {
  it("keeps queues and messages across a reopen of its SQLite file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sqs-store-"));
    try {
      const file = join(dir, "meta.sqlite");
      let db = createBunSqliteDriver(file);
      const now = Date.now();
      let s = createSqlQueueStore(db);
      await s.createQueue({ name: "d", attributes: { MessageRetentionPeriod: "60" }, created: now, modified: now });
      await s.sendMessages("d", [{ id: "m1", body: "one", md5: "x" }, { id: "m1", body: "dup", md5: "x" }, { id: "m2", body: "two", md5: "y" }], now);
      await db.close?.();
      db = createBunSqliteDriver(file);
      s = createSqlQueueStore(db);
      const got = await s.receiveMessages("d", { max: 10, visibilityMs: 1000, now });
      expect(got.map((m) => m.body)).toEqual(["one", "two"]);
      // Past the retention period: dropped at the next receive.
      await s.changeVisibility("d", got[0].receiptHandle, 0, now);
      expect(await s.receiveMessages("d", { max: 10, visibilityMs: 1000, now: now + 61_000 })).toEqual([]);
      await db.close?.();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("queues as notification targets", () => {
  it("parses queue ARNs of any partition", () => {
    expect(parseQueueArn("arn:aws-cn:sqs:cn-north-1:123:transport-dev")).toEqual({ region: "cn-north-1", account: "123", name: "transport-dev" });
    expect(parseQueueArn("arn:minio:sqs::1:webhook")).toBeNull();
  });

  it("gives the message AWS's record: aws:s3, no s3: prefix, '/' kept in the key", () => {
    expect(awsEventKey("a+b%2Fc%2B.txt")).toBe("a+b/c%2B.txt");
    const body = JSON.parse(sqsBody({ eventName: "s3:ObjectCreated:Put", eventSource: "minio:s3", s3: { object: { key: "test-folder%2Fx.html", size: 1 } } }));
    expect(body).toEqual({ Records: [{ eventName: "ObjectCreated:Put", eventSource: "aws:s3", s3: { object: { key: "test-folder/x.html", size: 1 } } }] });
  });
});
