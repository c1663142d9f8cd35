// The SQS-compatible pull API end to end (issue 16): the aws cli and boto3 (botocore's JSON
// protocol, X-Amz-Target: AmazonSQS.*) create a queue, read its ARN, send, long-poll, receive,
// change visibility and delete; errors carry SQS's codes; the Query protocol (a signed form,
// XML answers) reaches the same queue; and a bucket notification with the queue's ARN lands
// each event as a message whose body is the S3 event JSON.
import { describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { aws, awsEnv, awsJson, bucketName, ok, run, useServer } from "./harness.ts";

const ep = useServer();
const Q = bucketName("sqsq");
const B = bucketName("sqsb");
let url = "";

const sqs = (args: string[]) => awsJson(ep, ["sqs", ...args]);
/** The JSON protocol in-process (as botocore sends it), where a client process per call would only cost time. */
async function api(action: string, input: Record<string, unknown>): Promise<{ status: number; body: any; headers: Headers }> {
  const client = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "sqs", region: ep.region, retries: 0 });
  const res = await client.fetch(`${ep.url}/`, {
    method: "POST", body: JSON.stringify(input),
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
const call = async (action: string, input: Record<string, unknown>) => {
  const r = await api(action, input);
  if (r.status !== 200) throw new Error(`${action}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

describe("SQS API (aws cli, boto3)", () => {
  test("create-queue, get-queue-url, list-queues, get-queue-attributes", async () => {
    url = (await sqs(["create-queue", "--queue-name", Q, "--attributes", "VisibilityTimeout=20"])).QueueUrl;
    expect(url).toBe(`${ep.url}/000000000000/${Q}`);
    // The same name and attributes again is the same queue; other attributes an error.
    expect((await call("CreateQueue", { QueueName: Q, Attributes: { VisibilityTimeout: "20" } })).QueueUrl).toBe(url);
    const clash = await api("CreateQueue", { QueueName: Q, Attributes: { VisibilityTimeout: "21" } });
    expect(clash.headers.get("x-amzn-query-error")).toBe("QueueAlreadyExists;Sender");
    expect((await call("GetQueueUrl", { QueueName: Q })).QueueUrl).toBe(url);
    expect((await call("ListQueues", { QueueNamePrefix: Q.slice(0, 8) })).QueueUrls).toContain(url);
    const a = (await sqs(["get-queue-attributes", "--queue-url", url, "--attribute-names", "All"])).Attributes;
    expect(a.QueueArn).toBe(`arn:aws:sqs:${ep.region}:000000000000:${Q}`);
    expect(a.ApproximateNumberOfMessages).toBe("0");
    expect(a.VisibilityTimeout).toBe("20");
  });

  test("send, receive (attributes, MD5OfBody), visibility, delete", async () => {
    const sent = await sqs(["send-message", "--queue-url", url, "--message-body", "hello sqs"]);
    expect(sent.MD5OfMessageBody).toBe(new Bun.CryptoHasher("md5").update("hello sqs").digest("hex"));
    const got = (await sqs(["receive-message", "--queue-url", url, "--attribute-names", "All", "--visibility-timeout", "0"])).Messages;
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ MessageId: sent.MessageId, Body: "hello sqs", MD5OfBody: sent.MD5OfMessageBody });
    expect(got[0].Attributes.ApproximateReceiveCount).toBe("1");
    // Visibility 0: visible again at once, counted as a second receive, with a new handle.
    const again = (await call("ReceiveMessage", { QueueUrl: url, AttributeNames: ["All"] })).Messages[0];
    expect(again.Attributes.ApproximateReceiveCount).toBe("2");
    expect(again.ReceiptHandle).not.toBe(got[0].ReceiptHandle);
    const attrs = (await call("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] })).Attributes;
    expect(attrs.ApproximateNumberOfMessagesNotVisible).toBe("1");
    await call("ChangeMessageVisibility", { QueueUrl: url, ReceiptHandle: again.ReceiptHandle, VisibilityTimeout: 60 });
    ok(await aws(ep, ["sqs", "delete-message", "--queue-url", url, "--receipt-handle", again.ReceiptHandle]));
    expect(await call("ReceiveMessage", { QueueUrl: url })).toEqual({});
    const bad = await api("DeleteMessage", { QueueUrl: url, ReceiptHandle: "not-a-handle" });
    expect(bad.body.__type).toBe("com.amazonaws.sqs#ReceiptHandleIsInvalid");
  });

  test("long polling returns as soon as a message arrives; batches", async () => {
    const t0 = Date.now();
    const poll = call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 });
    await Bun.sleep(500);
    await call("SendMessageBatch", { QueueUrl: url, Entries: [{ Id: "a", MessageBody: "one" }, { Id: "b", MessageBody: "two" }] });
    const got = (await poll).Messages;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(got.length).toBeGreaterThanOrEqual(1);
    const rest = (await call("ReceiveMessage", { QueueUrl: url, MaxNumberOfMessages: 10 })).Messages ?? [];
    const all = [...got, ...rest];
    expect(all.map((m: any) => m.Body).sort()).toEqual(["one", "two"]);
    const del = await call("DeleteMessageBatch", { QueueUrl: url, Entries: all.map((m: any, i: number) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })) });
    expect(del.Successful).toHaveLength(2);
    expect(del.Failed ?? []).toHaveLength(0);
  });

  test("errors: AWS.SimpleQueueService.NonExistentQueue / boto3 QueueDoesNotExist", async () => {
    const r = await aws(ep, ["sqs", "get-queue-url", "--queue-name", `${Q}-none`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("AWS.SimpleQueueService.NonExistentQueue");
    const py = await run(["python3", "-c", `
import boto3, json, os
c = boto3.client("sqs", endpoint_url=os.environ["S3EDGE_E2E_ENDPOINT"])
try:
    c.receive_message(QueueUrl=os.environ["Q"] + "-none")
    print("no error")
except c.exceptions.QueueDoesNotExist as e:
    print("QueueDoesNotExist", e.response["Error"]["Code"])
`], { env: awsEnv(ep, { Q: url }) });
    expect(ok(py).trim()).toBe("QueueDoesNotExist AWS.SimpleQueueService.NonExistentQueue");
  });

  test("the Query protocol: a signed form, XML answers", async () => {
    const client = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "sqs", region: ep.region, retries: 0 });
    const post = (form: Record<string, string>, to = `${ep.url}/`) => client.fetch(to, {
      method: "POST", body: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const sent = await post({ Action: "SendMessage", QueueUrl: url, MessageBody: "via query", Version: "2012-11-05" });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain("<MD5OfMessageBody>");
    // Posted to the queue URL itself, as older SDKs do.
    const recv = await post({ Action: "ReceiveMessage", "AttributeName.1": "All", Version: "2012-11-05" }, url);
    const xml = await recv.text();
    expect(xml).toContain("<ReceiveMessageResult><Message>");
    expect(xml).toContain("<Body>via query</Body>");
    expect(xml).toContain("<Name>ApproximateReceiveCount</Name>");
    const handle = /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(xml)![1];
    expect((await post({ Action: "DeleteMessage", QueueUrl: url, ReceiptHandle: handle })).status).toBe(200);
    const missing = await post({ Action: "GetQueueUrl", QueueName: `${Q}-none` });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
  });

  test("a bucket notification to the queue's ARN: events arrive as S3 event JSON", async () => {
    ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]));
    const arn = (await call("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["QueueArn"] })).Attributes.QueueArn;
    const cfg = { QueueConfigurations: [{ Id: "sync", QueueArn: arn, Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] }] };
    ok(await aws(ep, ["s3api", "put-bucket-notification-configuration", "--bucket", B, "--notification-configuration", JSON.stringify(cfg)]));
    const unknown = { QueueConfigurations: [{ QueueArn: `${arn}-none`, Events: ["s3:ObjectCreated:*"] }] };
    const refused = await aws(ep, ["s3api", "put-bucket-notification-configuration", "--bucket", B, "--notification-configuration", JSON.stringify(unknown)]);
    expect(refused.stderr).toContain("InvalidArgument");
    const s3 = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region, retries: 0 });
    const obj = `${ep.url}/${B}/test-folder/folder-01/peccancy.html`;
    expect((await s3.fetch(obj, { method: "PUT", body: "<p>hi</p>" })).status).toBe(200);
    expect((await s3.fetch(obj, { method: "DELETE" })).status).toBe(204);
    const records: any[] = [];
    for (let i = 0; i < 10 && records.length < 2; i++) {
      const r = await call("ReceiveMessage", { QueueUrl: url, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 });
      for (const m of r.Messages ?? []) {
        records.push(...JSON.parse(m.Body).Records);
        await call("DeleteMessage", { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
      }
    }
    expect(records.map((r) => r.eventName)).toEqual(["ObjectCreated:Put", "ObjectRemoved:Delete"]);
    expect(records[0]).toMatchObject({ eventSource: "aws:s3", s3: { configurationId: "sync", bucket: { name: B }, object: { key: "test-folder/folder-01/peccancy.html", size: 9 } } });
    expect(BigInt(`0x${records[1].s3.object.sequencer}`)).toBeGreaterThan(BigInt(`0x${records[0].s3.object.sequencer}`));
  });

  test("delete-queue", async () => {
    await call("DeleteQueue", { QueueUrl: url });
    expect((await api("GetQueueUrl", { QueueName: Q })).headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
  });
});
