// Ceph's SNS topic API through createApp: each action's answer in the SNS namespace, attribute
// checks (unknown → InvalidArgument, secrets over plain HTTP refused), ownership, NextToken paging,
// SigV4 for service sns in Ceph's region "default" and SigV2 (boto3 signature_version="s3").
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { memoryDeps } from "../helpers/deps.ts";
import { parseXmlText, ROOT, type Env } from "../helpers/s3.ts";
import { signV4 } from "../helpers/sign-v4.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const EP = "http://127.0.0.1:9000";
const NS = 'xmlns="https://sns.amazonaws.com/doc/2010-03-31/"';

async function sns(env: Env, body: string, o: { who?: { accessKey: string; secret: string }; region?: string; url?: string } = {}) {
  const who = o.who ?? { accessKey: ROOT.accessKeyId, secret: ROOT.secretAccessKey };
  const req = await signV4({ method: "POST", url: (o.url ?? EP) + "/", body, headers: { ...FORM }, service: "sns", region: o.region ?? "default",
    now: env.deps.clock.now(), accessKey: who.accessKey, secret: who.secret, sendPayloadHash: false });
  const res = await env.app.request(req);
  return { status: res.status, text: await res.text() };
}

/** botocore's SigV2 header signing ("s3" signature version): HMAC-SHA1 over method, md5, type, date, resource. */
async function snsV2(env: Env, body: string) {
  const date = new Date(env.deps.clock.now()).toUTCString();
  const sts = `POST\n\n${FORM["content-type"]}\n${date}\n/`;
  const sig = createHmac("sha1", ROOT.secretAccessKey).update(sts).digest("base64");
  const res = await env.app.request(new Request(EP + "/", {
    method: "POST", body, headers: { ...FORM, date, host: "127.0.0.1:9000", authorization: `AWS ${ROOT.accessKeyId}:${sig}` },
  }));
  return { status: res.status, text: await res.text() };
}

const attrs = (a: Record<string, string>) =>
  Object.entries(a).map(([k, v], i) => `&Attributes.entry.${i + 1}.key=${encodeURIComponent(k)}&Attributes.entry.${i + 1}.value=${encodeURIComponent(v)}`).join("");
const create = (env: Env, name: string, a: Record<string, string> = {}, o?: Parameters<typeof sns>[2]) =>
  sns(env, `Action=CreateTopic&Name=${name}${attrs(a)}`, o);
const arn = (name: string) => `arn:aws:sns:us-east-1::${name}`;
const code = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];

describe("CreateTopic", () => {
  it("answers the topic ARN in the SNS namespace and stores the push endpoint and settings", async () => {
    const env = memoryDeps();
    const r = await create(env, "blogtopic", { "push-endpoint": "http://127.0.0.1:8080", OpaqueData: "me@example.com", persistent: "true", max_retries: "3", time_to_live: "60" });
    expect(r.status).toBe(200);
    expect(r.text).toContain(`<CreateTopicResponse ${NS}><CreateTopicResult><TopicArn>${arn("blogtopic")}</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>`);
    const t = await env.deps.targets.getTopic("blogtopic");
    expect(t).toMatchObject({ type: "sns", id: "blogtopic", endpoint: "http://127.0.0.1:8080", opaqueData: "me@example.com", persistent: true, maxRetries: 3, ttlMs: 60_000, owner: ROOT.accessKeyId });
  });

  it("is signed with SigV2 too (the Ceph blog's boto3 client)", async () => {
    const env = memoryDeps();
    const r = await snsV2(env, `Action=CreateTopic&Name=v2topic${attrs({ "push-endpoint": "http://127.0.0.1:8080" })}`);
    expect([r.status, r.text]).toEqual([200, expect.stringContaining(`<TopicArn>${arn("v2topic")}</TopicArn>`)]);
  });

  it.each([
    ["an unknown attribute", { "push-endpoint": "http://h", colour: "blue" }, "InvalidArgument", /unknown topic attribute: colour/],
    ["a bad boolean", { persistent: "yes" }, "InvalidArgument", /persistent must be true or false/],
    ["a bad number", { time_to_live: "-1" }, "InvalidArgument", /time_to_live/],
    ["a kafka endpoint", { "push-endpoint": "kafka://127.0.0.1:9092" }, "InvalidArgument", /kafka/],
    ["an amqp endpoint", { "push-endpoint": "amqp://127.0.0.1:5672", "amqp-exchange": "ex" }, "InvalidArgument", /amqp/],
    ["a non-URL endpoint", { "push-endpoint": "not a url" }, "InvalidArgument", /not a valid URL/],
    ["a password over plain HTTP", { "push-endpoint": "http://127.0.0.1:8080", "user-name": "u", password: "p" }, "InvalidArgument", /only accepted over HTTPS/],
    ["credentials in the URL over plain HTTP", { "push-endpoint": "http://u:p@127.0.0.1:8080" }, "InvalidArgument", /only accepted over HTTPS/],
    ["a Policy that is not JSON", { Policy: "{" }, "InvalidArgument", /Policy/],
  ])("refuses %s with 400", async (_, a, c, msg) => {
    const env = memoryDeps();
    const r = await create(env, "t", a);
    expect([r.status, code(r.text)]).toEqual([400, c]);
    expect(r.text).toMatch(msg);
    expect(r.text).toContain(`<ErrorResponse ${NS}>`);
    expect(await env.deps.targets.getTopic("t")).toBeNull();
  });

  it("takes credentials over HTTPS", async () => {
    const env = memoryDeps();
    const r = await create(env, "sec", { "push-endpoint": "https://127.0.0.1:8443", "user-name": "u", password: "p" }, { url: "https://127.0.0.1:9000" });
    expect(r.status).toBe(200);
    expect(await env.deps.targets.getTopic("sec")).toMatchObject({ user: "u", password: "p" });
  });

  it("refuses a missing or bad Name", async () => {
    const env = memoryDeps();
    expect(code((await sns(env, "Action=CreateTopic")).text)).toBe("MissingParameter");
    expect((await create(env, "a:b")).status).toBe(400);
  });

  it("replaces a topic's settings when created again, keeping its owner", async () => {
    const env = memoryDeps();
    await create(env, "t", { "push-endpoint": "http://127.0.0.1:1/a" });
    await create(env, "t", { "push-endpoint": "http://127.0.0.1:1/b" });
    expect((await env.deps.targets.getTopic("t"))?.endpoint).toBe("http://127.0.0.1:1/b");
  });

  it("refuses anonymous callers", async () => {
    const env = memoryDeps();
    const res = await env.app.request(new Request(EP + "/", { method: "POST", headers: FORM, body: "Action=CreateTopic&Name=x" }));
    expect(res.status).toBe(403);
  });
});

describe("GetTopicAttributes, GetTopic, ListTopics", () => {
  it("GetTopicAttributes answers Ceph's entries with the endpoint as JSON", async () => {
    const env = memoryDeps();
    await create(env, "t", { "push-endpoint": "http://127.0.0.1:8080", OpaqueData: "od", Policy: '{"Version":"2012-10-17"}' });
    const r = await sns(env, `Action=GetTopicAttributes&TopicArn=${arn("t")}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain(`<GetTopicAttributesResponse ${NS}><GetTopicAttributesResult><Attributes><entry><key>User</key><value>${ROOT.accessKeyId}</value></entry><entry><key>Name</key><value>t</value></entry>`);
    const entries = parseXmlText(r.text).GetTopicAttributesResponse.GetTopicAttributesResult.Attributes.entry as { key: string; value: string }[];
    const byKey = Object.fromEntries(entries.map((e) => [e.key, String(e.value)]));
    expect(byKey.TopicArn).toBe(arn("t"));
    expect(byKey.OpaqueData).toBe("od");
    expect(byKey.Policy).toBe('{"Version":"2012-10-17"}');
    expect(JSON.parse(byKey.EndPoint)).toMatchObject({ EndpointAddress: "http://127.0.0.1:8080", EndpointTopic: "t", HasStoredSecret: false, Persistent: false, TimeToLive: "604800", MaxRetries: "10000", RetrySleepDuration: "None" });
  });

  it("GetTopic answers Ceph's Topic element", async () => {
    const env = memoryDeps();
    await create(env, "t", { "push-endpoint": "http://127.0.0.1:8080" });
    const r = await sns(env, `Action=GetTopic&TopicArn=${arn("t")}`);
    const t = parseXmlText(r.text).GetTopicResponse.GetTopicResult.Topic;
    expect(t).toMatchObject({ User: ROOT.accessKeyId, Name: "t", TopicArn: arn("t"), EndPoint: { EndpointAddress: "http://127.0.0.1:8080", EndpointTopic: "t", HasStoredSecret: "false", Persistent: "false" } });
  });

  it.each(["GetTopic", "GetTopicAttributes", "SetTopicAttributes"])("%s of an unknown topic is NotFound (404), a bad ARN 400", async (action) => {
    const env = memoryDeps();
    const r = await sns(env, `Action=${action}&TopicArn=${arn("none")}&AttributeName=OpaqueData&AttributeValue=x`);
    expect([r.status, code(r.text)]).toEqual([404, "NotFound"]);
    expect((await sns(env, `Action=${action}&TopicArn=arn:minio:sqs::1:webhook`)).status).toBe(400);
    expect(code((await sns(env, `Action=${action}`)).text)).toBe("MissingParameter");
  });

  it("ListTopics pages by 100 with NextToken", async () => {
    const env = memoryDeps();
    for (let i = 0; i < 205; i++) await env.deps.targets.putTopic({ type: "sns", id: `t${String(i).padStart(3, "0")}`, endpoint: "", args: "", opaqueData: "",
      persistent: false, cloudevents: false, verifySsl: true, owner: "o", queueLimit: 10, maxRetries: 1, ttlMs: 1000 });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await sns(env, `Action=ListTopics${token ? `&NextToken=${token}` : ""}`);
      expect(r.text).toContain(`<ListTopicsResponse ${NS}><ListTopicsResult><Topics><member><User>o</User>`);
      const res = parseXmlText(r.text).ListTopicsResponse.ListTopicsResult;
      const members = [res.Topics.member].flat();
      names.push(...members.map((m: { Name: string }) => m.Name));
      expect(members[0].TopicArn).toBe(arn(members[0].Name));
      token = res.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toHaveLength(205);
    expect(new Set(names).size).toBe(205);
  });

  it("ListTopics with none answers an empty Topics", async () => {
    const env = memoryDeps();
    const r = await sns(env, "Action=ListTopics");
    expect(r.text).toContain("<ListTopicsResult><Topics></Topics></ListTopicsResult>");
  });

  it("a topic holding credentials is shown over HTTPS only", async () => {
    const env = memoryDeps();
    await create(env, "sec", { "push-endpoint": "https://u:p@127.0.0.1:8443" }, { url: "https://127.0.0.1:9000" });
    expect((await sns(env, `Action=GetTopic&TopicArn=${arn("sec")}`)).status).toBe(400);
    expect((await sns(env, "Action=ListTopics")).status).toBe(400);
    const r = await sns(env, `Action=GetTopic&TopicArn=${arn("sec")}`, { url: "https://127.0.0.1:9000" });
    expect(r.text).toContain("<HasStoredSecret>true</HasStoredSecret>");
  });
});

describe("SetTopicAttributes, DeleteTopic", () => {
  it("SetTopicAttributes changes one attribute and refuses unknown ones", async () => {
    const env = memoryDeps();
    await create(env, "t", { "push-endpoint": "http://127.0.0.1:8080" });
    const r = await sns(env, `Action=SetTopicAttributes&TopicArn=${arn("t")}&AttributeName=OpaqueData&AttributeValue=hello`);
    expect(r.text).toContain(`<SetTopicAttributesResponse ${NS}><ResponseMetadata><RequestId>`);
    expect(await env.deps.targets.getTopic("t")).toMatchObject({ opaqueData: "hello", endpoint: "http://127.0.0.1:8080" });
    const bad = await sns(env, `Action=SetTopicAttributes&TopicArn=${arn("t")}&AttributeName=colour&AttributeValue=x`);
    expect([bad.status, code(bad.text)]).toEqual([400, "InvalidArgument"]);
    expect(code((await sns(env, `Action=SetTopicAttributes&TopicArn=${arn("t")}`)).text)).toBe("MissingParameter");
  });

  it("DeleteTopic removes it; deleting again is no error", async () => {
    const env = memoryDeps();
    await create(env, "t", { "push-endpoint": "http://127.0.0.1:8080" });
    for (let i = 0; i < 2; i++) {
      const r = await sns(env, `Action=DeleteTopic&TopicArn=${arn("t")}`);
      expect([r.status, r.text]).toEqual([200, expect.stringContaining(`<DeleteTopicResponse ${NS}><ResponseMetadata>`)]);
    }
    expect(await env.deps.targets.getTopic("t")).toBeNull();
  });

  it("only the owner (or root) changes or deletes a topic", async () => {
    const env = memoryDeps();
    expect((await env.deps.iam.putPolicy("topics", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sns:*", Resource: "*" }] }))).ok).toBe(true);
    for (const u of ["alice", "bob"]) expect((await env.deps.iam.putUser({ accessKey: u, secretKey: `${u}-secret`, status: "enabled", policies: ["readwrite", "topics"] })).ok).toBe(true);
    const alice = { accessKey: "alice", secret: "alice-secret" }, bob = { accessKey: "bob", secret: "bob-secret" };
    expect((await create(env, "t", { "push-endpoint": "http://127.0.0.1:8080" }, { who: alice })).status).toBe(200);
    expect((await sns(env, `Action=DeleteTopic&TopicArn=${arn("t")}`, { who: bob })).status).toBe(403);
    expect((await sns(env, `Action=SetTopicAttributes&TopicArn=${arn("t")}&AttributeName=OpaqueData&AttributeValue=x`, { who: bob })).status).toBe(403);
    expect((await create(env, "t", {}, { who: bob })).status).toBe(403);
    expect((await sns(env, `Action=DeleteTopic&TopicArn=${arn("t")}`, { who: alice })).status).toBe(200);
  });
});

describe("sns:* permissions", () => {
  const policy = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
  async function withUser(...statements: unknown[]) {
    const env = memoryDeps();
    const policies = ["readwrite"];
    if (statements.length) {
      expect((await env.deps.iam.putPolicy("p", policy(...statements))).ok).toBe(true);
      policies.push("p");
    }
    expect((await env.deps.iam.putUser({ accessKey: "carol", secretKey: "carol-secret", status: "enabled", policies })).ok).toBe(true);
    expect((await create(env, "roots", { "push-endpoint": "http://127.0.0.1:8080" })).status).toBe(200);
    return { env, carol: { accessKey: "carol", secret: "carol-secret" } };
  }

  it("a user without an sns grant (readwrite is s3:* only) may do nothing with topics; root may", async () => {
    const { env, carol } = await withUser();
    for (const body of [`Action=CreateTopic&Name=mine`, "Action=ListTopics", `Action=GetTopicAttributes&TopicArn=${arn("roots")}`,
      `Action=GetTopic&TopicArn=${arn("roots")}`, `Action=DeleteTopic&TopicArn=${arn("roots")}`,
      `Action=SetTopicAttributes&TopicArn=${arn("roots")}&AttributeName=OpaqueData&AttributeValue=x`]) {
      const r = await sns(env, body, { who: carol });
      expect([body, r.status, code(r.text)]).toEqual([body, 403, "AccessDenied"]);
    }
    expect(await env.deps.targets.getTopic("mine")).toBeNull();
    expect((await sns(env, "Action=ListTopics")).status).toBe(200);
  });

  it("grants by action and topic ARN; an explicit Deny wins over sns:*", async () => {
    const { env, carol } = await withUser(
      { Effect: "Allow", Action: "sns:*", Resource: "arn:aws:sns:*:*:*" },
      { Effect: "Deny", Action: "sns:CreateTopic", Resource: "arn:aws:sns:*:*:prod-*" },
    );
    expect((await create(env, "dev-1", { "push-endpoint": "http://127.0.0.1:8080" }, { who: carol })).status).toBe(200);
    const denied = await create(env, "prod-1", { "push-endpoint": "http://127.0.0.1:8080" }, { who: carol });
    expect([denied.status, code(denied.text)]).toEqual([403, "AccessDenied"]);
    expect((await sns(env, "Action=ListTopics", { who: carol })).status).toBe(200);
    expect((await sns(env, `Action=GetTopicAttributes&TopicArn=${arn("roots")}`, { who: carol })).status).toBe(200);
    // The grant does not make carol the owner of root's topic.
    expect((await sns(env, `Action=DeleteTopic&TopicArn=${arn("roots")}`, { who: carol })).status).toBe(403);
  });

  it("a policy naming sns actions is a valid identity policy (not MalformedPolicy)", async () => {
    const { env } = await withUser({ Effect: "Allow", Action: ["sns:CreateTopic", "sns:ListTopics"], Resource: "*" });
    expect(await env.deps.iam.getPolicy("p")).not.toBeNull();
  });
});
