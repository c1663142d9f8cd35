// A SigV2 presigned URL made with STS credentials, as botocore's HmacV1QueryAuth makes it (the
// aws cli's default `s3 presign`): the session token is signed as an x-amz-security-token header
// line and then sent as a lower-case query parameter (found by test/e2e/sts.test.ts).
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, parseXmlText, s3 } from "../helpers/s3.ts";
import { signV4 } from "../helpers/sign-v4.ts";

const EP = "http://127.0.0.1:9000";

async function session() {
  const env = memoryDeps({ refreshIamIntervalMs: 60_000 });
  const c = s3(env);
  await c.createBucket("bkt");
  await c.put("bkt", "k", "hello");
  expect((await env.deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite"] })).ok).toBe(true);
  const req = await signV4({ method: "POST", url: EP + "/", body: "Action=AssumeRole&Version=2011-06-15", headers: { "content-type": "application/x-www-form-urlencoded" },
    service: "sts", region: "", now: env.deps.clock.now(), accessKey: "alice", secret: "alice-secret", sendPayloadHash: false });
  const cr = parseXmlText(await (await env.app.request(req)).text()).AssumeRoleResponse.AssumeRoleResult.Credentials;
  return { env, ak: cr.AccessKeyId as string, secret: cr.SecretAccessKey as string, token: cr.SessionToken as string };
}

describe("SigV2 query auth with a session token", () => {
  it("the token signed as an amz header line and sent as x-amz-security-token works; unsigned or missing, it does not", async () => {
    const { env, ak, secret, token } = await session();
    const expires = Math.floor(env.deps.clock.now() / 1000) + 300;
    const sig = (sts: string) => encodeURIComponent(createHmac("sha1", secret).update(sts).digest("base64"));
    const get = (query: string) => env.app.request(new Request(`${EP}/bkt/k?${query}`, { headers: { host: "127.0.0.1:9000" } }));
    const base = `AWSAccessKeyId=${ak}&Expires=${expires}`;
    const signed = sig(`GET\n\n\n${expires}\nx-amz-security-token:${token}\n/bkt/k`);
    const good = await get(`${base}&Signature=${signed}&x-amz-security-token=${encodeURIComponent(token)}`);
    expect(good.status).toBe(200);
    expect(await good.text()).toBe("hello");
    // Sent but not signed: the signature covers another string.
    const unsigned = await get(`${base}&Signature=${sig(`GET\n\n\n${expires}\n/bkt/k`)}&x-amz-security-token=${encodeURIComponent(token)}`);
    expect(await errorCode(unsigned)).toBe("SignatureDoesNotMatch");
    // Without the token the temporary key is unknown.
    expect((await get(`${base}&Signature=${signed}`)).status).toBe(403);
  });
});
