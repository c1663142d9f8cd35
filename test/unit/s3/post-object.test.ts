// POST Object through createApp(memoryDeps()): signed forms (SigV4, SigV2), anonymous forms,
// the policy's conditions, the success answers and every error S3 gives a form.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { ENDPOINT, KiB, ROOT, enc, errorCode, md5B64, md5Hex, randomBytes, withBucket, type Env } from "../helpers/s3.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";

const BOUNDARY = "----s3edgeTestBoundary";
type Fields = [string, string][];

/** A multipart/form-data body: fields, then the file part (if any), then fields after it. */
export function formBody(fields: Fields, file?: { filename?: string; data: Uint8Array | string; name?: string }, after: Fields = []): Uint8Array {
  const parts: Uint8Array[] = [];
  const field = ([k, v]: [string, string]) => parts.push(enc(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  fields.forEach(field);
  if (file) {
    parts.push(enc(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${file.name ?? "file"}"; filename="${file.filename ?? "f.bin"}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(typeof file.data === "string" ? enc(file.data) : file.data, enc("\r\n"));
  }
  after.forEach(field);
  parts.push(enc(`--${BOUNDARY}--\r\n`));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();

/** The form fields boto3's generate_presigned_post would give, signed with SigV4. */
function signedV4(env: Env, conditions: unknown[], fields: Fields, opts: { expiresIn?: number; secret?: string; region?: string } = {}): Fields {
  const now = env.deps.clock.now();
  const date = new Date(now).toISOString().replace(/[:-]|\.\d{3}/g, "");
  const region = opts.region ?? "us-east-1";
  const credential = `${ROOT.accessKeyId}/${date.slice(0, 8)}/${region}/s3/aws4_request`;
  const auth: Fields = [["x-amz-algorithm", "AWS4-HMAC-SHA256"], ["x-amz-credential", credential], ["x-amz-date", date]];
  const doc = {
    expiration: new Date(now + (opts.expiresIn ?? 3600) * 1000).toISOString(),
    conditions: [...conditions, ...auth.map(([k, v]) => ({ [k]: v }))],
  };
  const policy = Buffer.from(JSON.stringify(doc)).toString("base64");
  const kDate = hmac("AWS4" + (opts.secret ?? ROOT.secretAccessKey), date.slice(0, 8));
  const key = hmac(hmac(hmac(kDate, region), "s3"), "aws4_request");
  return [...fields, ...auth, ["policy", policy], ["x-amz-signature", hmac(key, policy).toString("hex")]];
}

function signedV2(env: Env, conditions: unknown[], fields: Fields): Fields {
  const doc = { expiration: new Date(env.deps.clock.now() + 3600_000).toISOString(), conditions };
  const policy = Buffer.from(JSON.stringify(doc)).toString("base64");
  return [...fields, ["AWSAccessKeyId", ROOT.accessKeyId], ["policy", policy], ["signature", createHmac("sha1", ROOT.secretAccessKey).update(policy).digest("base64")]];
}

async function post(env: Env, body: Uint8Array, opts: { path?: string; host?: string; headers?: Record<string, string> } = {}) {
  const url = ENDPOINT + (opts.path ?? "/bkt");
  const headers = new Headers({ "content-type": `multipart/form-data; boundary=${BOUNDARY}`, host: opts.host ?? new URL(url).host, ...opts.headers });
  return env.app.request(new Request(url, { method: "POST", headers, body: body as Uint8Array<ArrayBuffer> }));
}

async function errorOf(res: Response) {
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.replace(/&quot;/g, '"').replace(/&apos;/g, "'") };
}

const ANY_KEY = ["starts-with", "$key", ""];

describe("POST Object", () => {
  it("stores a SigV4-signed form upload with its fields as headers; 204 by default", async () => {
    const { env, c } = await withBucket();
    const data = randomBytes(200 * KiB, 7); // several chunks (64 KiB in unit tests)
    const fields = signedV4(env, [{ bucket: "bkt" }, ["starts-with", "$key", "up/"], ["starts-with", "$Content-Type", "image/"], { "x-amz-meta-who": "me" },
      ["content-length-range", 1, 1024 * KiB]], [["key", "up/${filename}"], ["Content-Type", "image/png"], ["x-amz-meta-who", "me"]]);
    const res = await post(env, formBody(fields, { filename: "cat.png", data }, [["ignored-after-file", "x"]]));
    expect(res.status).toBe(204);
    expect(res.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
    expect(res.headers.get("location")).toBe(`${ENDPOINT}/bkt/up/cat.png`);
    const got = await c.get("bkt", "up/cat.png");
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("x-amz-meta-who")).toBe("me");
    expect(md5Hex(new Uint8Array(await got.arrayBuffer()))).toBe(md5Hex(data));
  });

  it("SigV2 forms, success_action_status 200 and 201, and the redirect", async () => {
    const { env, c } = await withBucket();
    const r200 = await post(env, formBody(signedV2(env, [ANY_KEY, { success_action_status: "200" }], [["key", "a"], ["success_action_status", "200"]]), { data: "A" }));
    expect(r200.status).toBe(200);
    const r201 = await post(env, formBody(signedV4(env, [ANY_KEY, { success_action_status: "201" }], [["key", "b c"], ["success_action_status", "201"]]), { data: "B" }));
    expect(r201.status).toBe(201);
    expect(await r201.text()).toBe(`<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${ENDPOINT}/bkt/b%20c</Location><Bucket>bkt</Bucket><Key>b c</Key><ETag>&quot;${md5Hex("B")}&quot;</ETag></PostResponse>`);
    const redirect = "https://app.example/done?x=1";
    const r303 = await post(env, formBody(signedV4(env, [ANY_KEY, ["starts-with", "$success_action_redirect", "https://app.example/"]], [["key", "d"], ["success_action_redirect", redirect]]), { data: "D" }));
    expect(r303.status).toBe(303);
    expect(r303.headers.get("location")).toBe(`https://app.example/done?x=1&bucket=bkt&key=d&etag=%22${md5Hex("D")}%22`);
    for (const k of ["a", "b c", "d"]) expect((await c.get("bkt", k)).status).toBe(200);
    expect((await c.get("bkt", "a")).headers.get("content-type")).toBe("binary/octet-stream");
  });

  it("virtual-host style: POST / on the bucket's host", async () => {
    const { env, c } = await withBucket("bkt", { domains: ["s3.test"] });
    const res = await post(env, formBody(signedV4(env, [ANY_KEY], [["key", "v"]]), { data: "vhost" }), { path: "/", host: "bkt.s3.test" });
    expect(res.status).toBe(204);
    expect(await (await c.get("bkt", "v")).text()).toBe("vhost");
  });

  it("tagging, storage class and a checksum from the form", async () => {
    const { env, c } = await withBucket();
    const tagging = "<Tagging><TagSet><Tag><Key>t</Key><Value>1</Value></Tag></TagSet></Tagging>";
    const crc = "NSRBwg=="; // CRC32 of "abc"
    const fields = signedV4(env, [ANY_KEY, { tagging }, { "x-amz-storage-class": "STANDARD_IA" }, { "x-amz-checksum-crc32": crc }],
      [["key", "t"], ["tagging", tagging], ["x-amz-storage-class", "STANDARD_IA"], ["x-amz-checksum-crc32", crc]]);
    const res = await post(env, formBody(fields, { data: "abc" }));
    expect(res.status).toBe(204);
    expect(res.headers.get("x-amz-checksum-crc32")).toBe(crc);
    const got = await c.head("bkt", "t");
    expect(got.headers.get("x-amz-tagging-count")).toBe("1");
    expect(got.headers.get("x-amz-storage-class")).toBe("STANDARD_IA");
    const bad = signedV4(env, [ANY_KEY, { "x-amz-checksum-crc32": crc }], [["key", "t2"], ["x-amz-checksum-crc32", crc]]);
    expect(await errorOf(await post(env, formBody(bad, { data: "abd" })))).toMatchObject({ code: "BadDigest" });
  });

  it("queues s3:ObjectCreated:Post", async () => {
    const TARGETS = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/hook" });
    const { env, c } = await withBucket("bkt", { notifyTargets: TARGETS });
    const cfg = "<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>";
    expect((await c.send("/bkt?notification", { method: "PUT", body: cfg, headers: { "content-md5": md5B64(cfg) } })).status).toBe(200);
    expect((await post(env, formBody(signedV4(env, [ANY_KEY], [["key", "ev"]]), { data: "e" }))).status).toBe(204);
    const msgs = await env.deps.meta.leaseEvents({ now: env.deps.clock.now(), leaseMs: 60_000, limit: 10 });
    const rec = JSON.parse(msgs[0].record).Records?.[0] ?? JSON.parse(msgs[0].record);
    expect(rec.eventName).toBe("s3:ObjectCreated:Post");
    expect(rec.s3.object.key).toBe("ev");
    expect(rec.userIdentity?.principalId).toBe(ROOT.accessKeyId);
  });

  it("a form with no signature is anonymous, and anonymous is denied today", async () => {
    const { env, c } = await withBucket();
    expect(await errorOf(await post(env, formBody([["key", "anon"]], { data: "x" })))).toMatchObject({ status: 403, code: "AccessDenied" });
    expect((await c.get("bkt", "anon")).status).toBe(404);
  });

  it.each([
    ["the wrong secret", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"]], { secret: "nope" }), { data: "x" }), 403, "SignatureDoesNotMatch", undefined],
    ["an expired policy", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"]], { expiresIn: -1 }), { data: "x" }), 403, "AccessDenied", "Invalid according to Policy: Policy expired."],
    ["a failed condition", (env: Env) => formBody(signedV4(env, [["starts-with", "$key", "u/"]], [["key", "k"]]), { data: "x" }), 403, "AccessDenied",
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "u/"]'],
    ["a field no condition names", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"], ["Content-Type", "text/plain"]]), { data: "x" }), 403, "AccessDenied",
      "Invalid according to Policy: Extra input fields: content-type"],
    ["a file over the range", (env: Env) => formBody(signedV4(env, [ANY_KEY, ["content-length-range", 0, 10]], [["key", "k"]]), { data: randomBytes(100 * KiB) }), 400, "EntityTooLarge", undefined],
    ["a file under the range", (env: Env) => formBody(signedV4(env, [ANY_KEY, ["content-length-range", 5, 10]], [["key", "k"]]), { data: "abc" }), 400, "EntityTooSmall", undefined],
    ["no key", (env: Env) => formBody(signedV4(env, [], []), { data: "x" }), 400, "InvalidArgument",
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."],
    ["the key after the file", (env: Env) => formBody(signedV4(env, [], []), { data: "x" }, [["key", "k"]]), 400, "InvalidArgument", undefined],
    ["no file", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"]])), 400, "IncorrectNumberOfFilesInPostRequest", undefined],
    ["a policy without a signature", (env: Env) => formBody([["key", "k"], ["policy", "e30="]], { data: "x" }), 400, "InvalidArgument", undefined],
    ["a signature without a policy", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"]]).filter(([n]) => n !== "policy"), { data: "x" }), 400, "InvalidArgument", undefined],
    ["a policy that is not JSON", (env: Env) => formBody(signedV2(env, [], [["key", "k"]]).map(([n, v]): [string, string] => [n, n === "policy" ? "bm9wZQ==" : v]), { data: "x" }), 403, "SignatureDoesNotMatch", undefined],
    ["an unknown access key", (env: Env) => formBody(signedV2(env, [ANY_KEY], [["key", "k"]]).map(([n, v]): [string, string] => [n, n === "AWSAccessKeyId" ? "NOPE" : v]), { data: "x" }), 403, "InvalidAccessKeyId", undefined],
    ["another region", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"]], { region: "eu-west-1" }), { data: "x" }), 400, "AuthorizationQueryParametersError", undefined],
    ["an ACL granting to AWS's accounts", (env: Env) => formBody(signedV4(env, [ANY_KEY, { acl: "aws-exec-read" }], [["key", "k"], ["acl", "aws-exec-read"]]), { data: "x" }), 501, "NotImplemented", undefined],
    ["SSE", (env: Env) => formBody(signedV4(env, [ANY_KEY, { "x-amz-server-side-encryption": "AES256" }], [["key", "k"], ["x-amz-server-side-encryption", "AES256"]]), { data: "x" }), 501, "NotImplemented", undefined],
    ["a field sent twice", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"], ["key", "j"]]), { data: "x" }), 400, "InvalidArgument", undefined],
    ["fields over 20 KiB", (env: Env) => formBody(signedV4(env, [ANY_KEY], [["key", "k"], ["x-ignore-pad", "p".repeat(21 * KiB)]]), { data: "x" }), 400, "MaxPostPreDataLengthExceeded", undefined],
    ["a body that is not a form", () => enc("this is not multipart"), 400, "MalformedPOSTRequest", undefined],
  ])("%s", async (_name, body, status, code, message) => {
    const { env, c } = await withBucket();
    const e = await errorOf(await post(env, body(env)));
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    if (message) expect(e.message).toBe(message);
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  it("a policy that is not JSON, signed, is InvalidPolicyDocument", async () => {
    const { env } = await withBucket();
    const policy = Buffer.from("{nope").toString("base64");
    const fields: Fields = [["key", "k"], ["AWSAccessKeyId", ROOT.accessKeyId], ["policy", policy], ["signature", createHmac("sha1", ROOT.secretAccessKey).update(policy).digest("base64")]];
    expect(await errorOf(await post(env, formBody(fields, { data: "x" })))).toMatchObject({ status: 400, code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid JSON." });
  });

  it("routing: a missing bucket, a missing boundary, and multipart POSTs that are not POST Object", async () => {
    const { env, c } = await withBucket();
    const body = formBody(signedV4(env, [ANY_KEY], [["key", "k"]]), { data: "x" });
    expect(await errorOf(await post(env, body, { path: "/nobucket" }))).toMatchObject({ status: 404, code: "NoSuchBucket" });
    expect(await errorOf(await post(env, body, { headers: { "content-type": "multipart/form-data" } }))).toMatchObject({ code: "MalformedPOSTRequest" });
    // No bucket: neither POST Object nor an AWS Query API call.
    expect(await errorOf(await post(env, body, { path: "/" }))).toMatchObject({ status: 403, code: "AccessDenied" });
    // Not routed to POST Object (an unsigned request is refused before NotImplemented).
    for (const path of ["/bkt?uploads", "/bkt/obj"]) expect(await errorCode(await post(env, body, { path }))).toBe("AccessDenied");
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  it("CORS: the bucket's rules answer the browser's form POST", async () => {
    const { env, c } = await withBucket();
    const cors = "<CORSConfiguration><CORSRule><AllowedOrigin>http://app.test</AllowedOrigin><AllowedMethod>POST</AllowedMethod></CORSRule></CORSConfiguration>";
    expect((await c.send("/bkt?cors", { method: "PUT", body: cors, headers: { "content-md5": md5B64(cors) } })).status).toBe(200);
    const res = await post(env, formBody(signedV4(env, [ANY_KEY], [["key", "k"]]), { data: "x" }), { headers: { origin: "http://app.test" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://app.test");
  });

  it("Object Lock fields: the form's x-amz-object-lock-* set the version's lock; a bucket without lock refuses them", async () => {
    const { env, c } = await withBucket();
    expect((await c.send("/lkb", { method: "PUT", headers: { "x-amz-bucket-object-lock-enabled": "true" } })).status).toBe(200);
    const until = new Date(env.deps.clock.now() + 86_400_000).toISOString();
    const lockFields: Fields = [["key", "k"], ["x-amz-object-lock-mode", "GOVERNANCE"], ["x-amz-object-lock-retain-until-date", until], ["x-amz-object-lock-legal-hold", "ON"]];
    const conds = [ANY_KEY, { "x-amz-object-lock-mode": "GOVERNANCE" }, { "x-amz-object-lock-retain-until-date": until }, { "x-amz-object-lock-legal-hold": "ON" }];
    expect((await post(env, formBody(signedV4(env, conds, lockFields), { data: "x" }), { path: "/lkb" })).status).toBe(204);
    const head = await c.head("lkb", "k");
    expect([head.headers.get("x-amz-object-lock-mode"), head.headers.get("x-amz-object-lock-retain-until-date"), head.headers.get("x-amz-object-lock-legal-hold")])
      .toEqual(["GOVERNANCE", until, "ON"]);
    expect((await errorOf(await post(env, formBody(signedV4(env, conds, lockFields), { data: "x" })))).code).toBe("InvalidRequest");
  });
});
