// The front door (issue 11): APIs mounted in order, each answering its own mistakes in its own
// format, with the signing policy of its clients (service and region per API).
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "./helpers/deps.ts";
import { signV4 } from "./helpers/sign-v4.ts";
import { XMLParser } from "fast-xml-parser";

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

const EP = "http://127.0.0.1:9000";
const FORM = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };

function setup() {
  const env = memoryDeps({ domains: ["s3.local"] });
  return { env, now: env.deps.clock.now(), send: (r: Request) => env.app.request(r) };
}

async function json(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/json");
  return (await res.json()) as Record<string, string>;
}

async function queryError(res: Response) {
  const doc = xml.parse(await res.text());
  return { ...doc.ErrorResponse.Error, RequestId: doc.ErrorResponse.RequestId, ns: doc.ErrorResponse["@_xmlns"] };
}

describe("ops", () => {
  it.each(["/minio/health/live", "/minio/health/ready", "/minio/health/cluster", "/minio/health/cluster/read"])("%s → 200 without credentials", async (p) => {
    const { send } = setup();
    expect((await send(new Request(EP + p))).status).toBe(200);
    expect((await send(new Request(EP + p, { method: "HEAD" }))).status).toBe(200);
  });
});

describe("admin API (/minio/admin/v3, v4): madmin JSON errors, empty region", () => {
  it.each(["v3", "v4"])("%s: signed as madmin does (region \"\", service s3) → the op's answer", async (v) => {
    const { send, now } = setup();
    const res = await send(await signV4({ url: `${EP}/minio/admin/${v}/info`, region: "", now }));
    expect(res.status).toBe(200);
    expect(await json(res)).toHaveProperty("mode");
    expect(res.headers.get("x-amz-request-id")).toBeTruthy();
    const kv = await send(await signV4({ url: `${EP}/minio/admin/${v}/storageinfo`, region: "", now }));
    expect(kv.status).toBe(501);
    expect(await json(kv)).toMatchObject({ Code: "NotImplemented", Resource: `/minio/admin/${v}/storageinfo` });
  });

  it("an unknown admin operation → 400 JSON", async () => {
    const { send, now } = setup();
    const res = await send(await signV4({ url: `${EP}/minio/admin/v3/no-such-thing`, region: "", now }));
    expect(res.status).toBe(400);
    expect((await json(res)).Code).toBe("XMinioAdminUnknownOperation");
  });

  it("unsigned → 403 AccessDenied as JSON", async () => {
    const { send } = setup();
    const res = await send(new Request(`${EP}/minio/admin/v3/info`));
    expect(res.status).toBe(403);
    expect((await json(res)).Code).toBe("AccessDenied");
  });

  it("a wrong secret → 403 SignatureDoesNotMatch as JSON; an unknown key → 403 InvalidAccessKeyId", async () => {
    const { send, now } = setup();
    const bad = await send(await signV4({ url: `${EP}/minio/admin/v3/info`, region: "", now, secret: "wrong" }));
    expect(bad.status).toBe(403);
    expect((await json(bad)).Code).toBe("SignatureDoesNotMatch");
    const unknown = await send(await signV4({ url: `${EP}/minio/admin/v3/info`, region: "", now, accessKey: "NOBODY" }));
    expect(unknown.status).toBe(403);
    expect((await json(unknown)).Code).toBe("InvalidAccessKeyId");
  });

  it("x-amz-content-sha256 must be the body's hash; without it the call is refused", async () => {
    const { send, now } = setup();
    const req = await signV4({ method: "PUT", url: `${EP}/minio/admin/v3/add-canned-policy?name=p`, body: "{}", region: "", now });
    const h = new Headers(req.headers);
    h.set("x-amz-content-sha256", "0".repeat(64));
    const mismatch = await send(new Request(req.url, { method: "PUT", headers: h, body: "{}" }));
    expect(mismatch.status).toBe(400);
    expect((await json(mismatch)).Code).toBe("XAmzContentSHA256Mismatch");
    const without = await send(await signV4({ method: "PUT", url: `${EP}/minio/admin/v3/add-canned-policy?name=p`, body: "{}", region: "", now, sendPayloadHash: false }));
    expect(without.status).toBe(403);
    expect((await json(without)).Code).toBe("AccessDenied");
  });
});

describe("AWS Query APIs (form POST /): Action table, <ErrorResponse>", () => {
  const sts = (body: string, o: { service?: string; region?: string; secret?: string; url?: string } = {}) =>
    signV4({ method: "POST", url: o.url ?? EP + "/", body, headers: FORM, service: o.service ?? "sts", region: o.region ?? "", now: Date.now(),
      secret: o.secret, sendPayloadHash: false });

  it("AssumeRole signed as minio-go does (service sts, empty region, no x-amz-content-sha256: the server hashes the body) reaches its handler", async () => {
    const { send } = setup();
    const res = await send(await sts("Action=AssumeRole&Version=2011-06-15&DurationSeconds=3600"));
    // Root may not assume a role (MinIO); the handler says so (test/unit/query/sts.test.ts has the rest).
    expect(res.status).toBe(403);
    const e = await queryError(res);
    expect(e).toMatchObject({ Type: "Sender", Code: "AccessDenied", ns: "https://sts.amazonaws.com/doc/2011-06-15/" });
    expect(e.RequestId).toBe(res.headers.get("x-amz-request-id"));
  });

  it("an unknown Action → 400 InvalidAction", async () => {
    const { send } = setup();
    const res = await send(await sts("Action=LaunchRockets&Version=2011-06-15"));
    expect(res.status).toBe(400);
    expect(await queryError(res)).toMatchObject({ Type: "Sender", Code: "InvalidAction" });
  });

  it("no Action → 400 MissingAction", async () => {
    const { send } = setup();
    const res = await send(await sts("Version=2011-06-15"));
    expect(res.status).toBe(400);
    expect((await queryError(res)).Code).toBe("MissingAction");
  });

  it("parameters in the query string count too (JuiceFS's STS examples)", async () => {
    const { send } = setup();
    const res = await send(await sts("", { url: `${EP}/?Action=AssumeRole&Version=2011-06-15` }));
    expect((await queryError(res)).Code).toBe("AccessDenied"); // reached the handler (root may not assume)
  });

  it("a bad signature → 403 SignatureDoesNotMatch in the ErrorResponse envelope", async () => {
    const { send } = setup();
    const res = await send(await sts("Action=AssumeRole&Version=2011-06-15", { secret: "wrong" }));
    expect(res.status).toBe(403);
    expect(await queryError(res)).toMatchObject({ Type: "Sender", Code: "SignatureDoesNotMatch" });
  });

  it("an STS action signed for service s3 is refused (each Query API accepts its own service)", async () => {
    const { send } = setup();
    const res = await send(await sts("Action=AssumeRole&Version=2011-06-15", { service: "s3" }));
    expect(res.status).toBe(400);
    expect((await queryError(res)).Code).toBe("AuthorizationHeaderMalformed");
  });

  it("SNS actions are signed for sns and answer in SNS's namespace", async () => {
    const { send } = setup();
    const res = await send(await sts("Action=GetTopicAttributes&TopicArn=arn:aws:sns:default::none", { service: "sns", region: "default" }));
    expect(res.status).toBe(404);
    expect((await queryError(res)).ns).toBe("https://sns.amazonaws.com/doc/2010-03-31/");
  });

  it("anonymous → 403 AccessDenied", async () => {
    const { send } = setup();
    const res = await send(new Request(EP + "/", { method: "POST", headers: FORM, body: "Action=AssumeRole&Version=2011-06-15" }));
    expect(res.status).toBe(403);
    expect((await queryError(res)).Code).toBe("AccessDenied");
  });
});

describe("S3 stays the catch-all", () => {
  it("a POST / that is not a form is S3's (XML <Error>)", async () => {
    const { send, now } = setup();
    const res = await send(await signV4({ method: "POST", url: EP + "/", body: "x", headers: { "content-type": "application/octet-stream" }, now }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).toContain("<Error><Code>");
  });

  it("a form POST to a virtual-host bucket is S3's, not a Query API call", async () => {
    const { send, now } = setup();
    const res = await send(await signV4({ method: "POST", url: "http://bkt.s3.local/", body: "Action=AssumeRole", headers: FORM, now }));
    expect(await res.text()).toContain("<Error><Code>");
  });

  it("S3 accepts only service s3 in the scope, and only the configured region (GetBucketLocation: any)", async () => {
    const { env, send, now } = setup();
    expect((await send(await signV4({ method: "PUT", url: EP + "/bkt", now }))).status).toBe(200);
    const sts = await send(await signV4({ url: EP + "/bkt?list-type=2", service: "sts", now }));
    expect(sts.status).toBe(400);
    expect(await sts.text()).toContain("<Code>AuthorizationHeaderMalformed</Code>");
    const region = await send(await signV4({ url: EP + "/bkt?list-type=2", region: "eu-west-1", now }));
    expect(region.status).toBe(400);
    const loc = await send(await signV4({ url: EP + "/bkt?location", region: "eu-west-1", now }));
    expect(loc.status).toBe(200);
    expect(env.deps.config.region).toBe("us-east-1");
  });
});
