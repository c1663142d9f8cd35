// STS AssumeRole / GetCallerIdentity through createApp, and the temporary credentials in use:
// header and presigned session tokens, the session policy as an intersection, expiry, a
// tampered token, and the session dying with its parent.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, parseXmlText, s3, type Env } from "../helpers/s3.ts";
import { signV4 } from "../helpers/sign-v4.ts";
import { AwsClient } from "aws4fetch";
import type { IamWrite } from "../../../src/iam/store.ts";
import { issueStsToken, verifyStsToken } from "../../../src/auth/sts-token.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const EP = "http://127.0.0.1:9000";
const ok = async (w: Promise<IamWrite>) => expect((await w).ok).toBe(true);

async function setup() {
  const env = memoryDeps({ refreshIamIntervalMs: 60_000 });
  const c = s3(env);
  await c.createBucket("bkt");
  await c.put("bkt", "k", "hello");
  await ok(env.deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite"] }));
  await ok(env.deps.iam.putServiceAccount({ accessKey: "svc-alice", secretKey: "svc-secret1", parent: "alice",
    sessionPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::*" }] }) }));
  return { env, c };
}

async function sts(env: Env, body: string, who = { accessKey: "alice", secret: "alice-secret" }, extra: Record<string, string> = {}) {
  const req = await signV4({ method: "POST", url: EP + "/", body, headers: { ...FORM, ...extra }, service: "sts", region: "", now: env.deps.clock.now(),
    accessKey: who.accessKey, secret: who.secret, sendPayloadHash: false });
  return env.app.request(req);
}

async function assume(env: Env, params = "", who?: { accessKey: string; secret: string }) {
  const res = await sts(env, `Action=AssumeRole&Version=2011-06-15${params}`, who);
  const text = await res.text();
  expect([res.status, text]).toEqual([200, expect.any(String)]);
  const c = parseXmlText(text).AssumeRoleResponse.AssumeRoleResult.Credentials;
  return { accessKeyId: c.AccessKeyId as string, secretAccessKey: c.SecretAccessKey as string, sessionToken: c.SessionToken as string, expiration: c.Expiration as string, text };
}

/** An S3 request signed with temporary credentials (header or presigned). */
async function asSession(env: Env, creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string }, path: string, o: { method?: string; body?: string; presign?: boolean } = {}) {
  const client = new AwsClient({ ...creds, service: "s3", region: env.deps.config.region });
  const signed = await client.sign(EP + path, { method: o.method ?? "GET", body: o.body, aws: { signQuery: !!o.presign, datetime: new Date(env.deps.clock.now()).toISOString().replace(/[:-]|\.\d{3}/g, "") } });
  const headers = new Headers(signed.headers);
  headers.set("host", "127.0.0.1:9000");
  if (o.body) headers.set("content-length", String(o.body.length));
  return env.app.request(new Request(signed.url, { method: o.method ?? "GET", headers, body: o.body }));
}

describe("AssumeRole", () => {
  it("answers AWS STS XML in its namespace with 20-character keys, a 40-character secret and the expiry", async () => {
    const { env } = await setup();
    const c = await assume(env, "&DurationSeconds=900");
    expect(c.text).toContain('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(c.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(c.secretAccessKey).toHaveLength(40);
    expect(Date.parse(c.expiration)).toBe(Math.floor(env.deps.clock.now() / 1000) * 1000 + 900_000);
    expect(c.text).toContain("<ResponseMetadata><RequestId>");
  });

  it.each([
    ["DurationSeconds below 900", "&DurationSeconds=899", 400, "InvalidParameterValue"],
    ["DurationSeconds above 7 days", "&DurationSeconds=604801", 400, "InvalidParameterValue"],
    ["DurationSeconds not a number", "&DurationSeconds=1h", 400, "InvalidParameterValue"],
    ["a Policy that is not a policy", "&Policy=" + encodeURIComponent('{"Version":"2012-10-17"}'), 400, "InvalidParameterValue"],
    ["a Policy over 2048 characters", "&Policy=" + encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: Array(200).fill("arn:aws:s3:::bucket/x") }] })), 400, "InvalidParameterValue"],
  ])("%s → %d %s", async (_, params, status, code) => {
    const { env } = await setup();
    const res = await sts(env, `Action=AssumeRole&Version=2011-06-15${params}`);
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(`<Code>${code}</Code>`);
  });

  it("a wrong Version is MissingParameter; root and temporary credentials may not assume", async () => {
    const { env } = await setup();
    expect(await (await sts(env, "Action=AssumeRole&Version=2010-01-01")).text()).toContain("<Code>MissingParameter</Code>");
    const root = await sts(env, "Action=AssumeRole&Version=2011-06-15", { accessKey: "AKIDTEST", secret: "secretsecret" });
    expect(root.status).toBe(403);
    const s = await assume(env);
    const again = await env.app.request(await signV4({ method: "POST", url: EP + "/", body: "Action=AssumeRole&Version=2011-06-15",
      headers: { ...FORM, "x-amz-security-token": s.sessionToken }, service: "sts", region: "", now: env.deps.clock.now(),
      accessKey: s.accessKeyId, secret: s.secretAccessKey, sendPayloadHash: false }));
    expect(again.status).toBe(403);
    expect(await again.text()).toContain("<Code>AccessDenied</Code>");
  });
});

describe("temporary credentials", () => {
  it("work with the token in the header and in a presigned URL, with the parent's rights", async () => {
    const { env } = await setup();
    const s = await assume(env);
    expect((await asSession(env, s, "/bkt/k")).status).toBe(200);
    expect((await asSession(env, s, "/bkt/k", { presign: true })).status).toBe(200);
    expect((await asSession(env, s, "/bkt/new", { method: "PUT", body: "x" })).status).toBe(200);
  });

  it("a session Policy narrows the parent's rights (and cannot widen them)", async () => {
    const { env } = await setup();
    await ok(env.deps.iam.putUser({ accessKey: "bob", secretKey: "bob-secret1", status: "enabled", policies: ["readonly"] }));
    const pol = encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::*" }] }));
    const bob = await assume(env, `&Policy=${pol}`, { accessKey: "bob", secret: "bob-secret1" });
    expect((await asSession(env, bob, "/bkt/k")).status).toBe(200);
    expect((await asSession(env, bob, "/bkt/new", { method: "PUT", body: "x" })).status).toBe(403);
    const getOnly = encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::*" }] }));
    const alice = await assume(env, `&Policy=${getOnly}`);
    expect((await asSession(env, alice, "/bkt/k")).status).toBe(200);
    expect((await asSession(env, alice, "/bkt/new", { method: "PUT", body: "x" })).status).toBe(403);
  });

  it("a service account's session keeps the account's own narrowing", async () => {
    const { env } = await setup();
    const s = await assume(env, "", { accessKey: "svc-alice", secret: "svc-secret1" });
    expect((await asSession(env, s, "/bkt/k")).status).toBe(200);
    expect((await asSession(env, s, "/bkt/new", { method: "PUT", body: "x" })).status).toBe(403);
  });

  it("expire on time (ExpiredToken); a tampered or foreign token is InvalidToken; without the token the key is unknown", async () => {
    const { env } = await setup();
    const setNow = env.setNow;
    const s = await assume(env, "&DurationSeconds=900");
    const dot = s.sessionToken.indexOf(".");
    const tampered = { ...s, sessionToken: s.sessionToken.slice(0, dot - 2) + (s.sessionToken[dot - 2] === "A" ? "B" : "A") + s.sessionToken.slice(dot - 1) };
    expect(await errorCode(await asSession(env, tampered, "/bkt/k"))).toBe("InvalidToken");
    const foreign = await issueStsToken("another-root-secret", { ak: s.accessKeyId, parent: "alice", exp: Math.floor(env.deps.clock.now() / 1000) + 900 });
    expect(await errorCode(await asSession(env, { ...s, sessionToken: foreign.token, secretAccessKey: foreign.secret }, "/bkt/k"))).toBe("InvalidToken");
    const c = s3(env);
    expect(await errorCode(await c.send("/bkt/k", { creds: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }))).toBe("InvalidAccessKeyId");
    setNow(env.deps.clock.now() + 901_000);
    expect(await errorCode(await asSession(env, s, "/bkt/k"))).toBe("ExpiredToken");
  });

  it("die with the parent: disabled or removed, the session's key is unknown", async () => {
    const { env } = await setup();
    const s = await assume(env);
    await ok(env.deps.iam.setUserStatus("alice", "disabled"));
    env.setNow(env.deps.clock.now() + 60_001); // the view's refresh interval (written behind the app's back)
    expect(await errorCode(await asSession(env, s, "/bkt/k"))).toBe("InvalidAccessKeyId");
  });

  it("sts:AssumeRole goes through the policy engine: granted without a policy naming it (MinIO), refused by an explicit Deny", async () => {
    const { env } = await setup();
    await ok(env.deps.iam.putUser({ accessKey: "nopol", secretKey: "nopol-secret", status: "enabled" }));
    await assume(env, "", { accessKey: "nopol", secret: "nopol-secret" });
    const deny = (Resource: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "sts:AssumeRole", Resource }] });
    await ok(env.deps.iam.putPolicy("no-sts", deny("*")));
    await ok(env.deps.iam.setPolicies({ user: "alice" }, ["readwrite", "no-sts"]));
    env.setNow(env.deps.clock.now() + 60_001); // the view's refresh interval (written behind the app's back)
    const r = await sts(env, "Action=AssumeRole&Version=2011-06-15");
    expect([r.status, await errorCode(r)]).toEqual([403, "AccessDenied"]);
    // …and so is alice's service account (its parent's Deny), while GetCallerIdentity needs no grant.
    expect(await errorCode(await sts(env, "Action=AssumeRole&Version=2011-06-15", { accessKey: "svc-alice", secret: "svc-secret1" }))).toBe("AccessDenied");
    expect((await sts(env, "Action=GetCallerIdentity&Version=2011-06-15")).status).toBe(200);
    // A Deny scoped to one role ARN refuses that RoleArn only.
    await ok(env.deps.iam.putPolicy("no-sts", deny("arn:aws:iam::*:role/admin")));
    env.setNow(env.deps.clock.now() + 60_001);
    expect((await sts(env, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/admin")).status).toBe(403);
    expect((await sts(env, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/other")).status).toBe(200);
  });

  it("GetCallerIdentity names the caller", async () => {
    const { env } = await setup();
    const s = await assume(env);
    const mine = await sts(env, "Action=GetCallerIdentity&Version=2011-06-15");
    expect(await mine.text()).toContain("<Arn>arn:aws:iam::000000000000:user/alice</Arn>");
    const session = await env.app.request(await signV4({ method: "POST", url: EP + "/", body: "Action=GetCallerIdentity&Version=2011-06-15",
      headers: { ...FORM, "x-amz-security-token": s.sessionToken }, service: "sts", region: "", now: env.deps.clock.now(),
      accessKey: s.accessKeyId, secret: s.secretAccessKey, sendPayloadHash: false }));
    const text = await session.text();
    expect(session.status).toBe(200);
    expect(text).toContain(`<Arn>arn:aws:sts::000000000000:assumed-role/alice/${s.accessKeyId}</Arn>`);
    expect(text).toContain(`<UserId>${s.accessKeyId}</UserId>`);
  });
});

describe("sts-token", () => {
  it("round-trips its claims; another root secret or a changed byte fails; expiry is checked", async () => {
    const claims = { ak: "ABCDEFGHIJKLMNOPQRST", parent: "alice", exp: 2_000_000_000 };
    const { token, secret } = await issueStsToken("root-secret", claims);
    expect(await verifyStsToken("root-secret", token, 0)).toEqual({ ok: true, claims, secret });
    expect(await verifyStsToken("other-secret", token, 0)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyStsToken("root-secret", token.replace(/.$/, (c) => (c === "A" ? "B" : "A")), 0)).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyStsToken("root-secret", token, 2_000_000_000_000)).toEqual({ ok: false, reason: "expired" });
    expect(await verifyStsToken("root-secret", "garbage", 0)).toEqual({ ok: false, reason: "invalid" });
  });
});
