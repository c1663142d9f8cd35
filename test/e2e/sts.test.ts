// STS end to end (issue 13 "STS", specs/minio-admin.md §8): the aws cli's `sts assume-role` and
// `get-caller-identity`, and boto3's `sts.assume_role`, signed by an IAM user made through the
// admin API (madmin-go, test/e2e/go/admin); the temporary credentials then used for S3 with the
// token in headers and in a presigned URL. DurationSeconds bounds are checked with a raw signed
// form (the aws cli and boto3 validate 900…43200 before sending); an expired session is minted
// with the root secret (as AssumeRole signs), a 15-minute wait being too long here.
import { beforeAll, describe, expect, test } from "bun:test";
import { goBinary, goMissing, goRun } from "./go/build.ts";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import * as Minio from "minio";
import { AssumeRoleProvider } from "minio/dist/esm/AssumeRoleProvider.mjs";
import { issueStsToken, newTemporaryAccessKey } from "../../src/auth/sts-token.ts";
import { aws, awsJson, bucketName, curl, ok, run, tempDir, useServer, xmlCode, type Endpoint } from "./harness.ts";

const ep = useServer();
const missing = goMissing("admin");
if (missing) {
  if (process.env.CI) test("Go toolchain and Debian madmin-go are installed", () => { throw new Error(missing); });
  else console.warn(`sts.test.ts: SKIPPED, users are made with madmin-go: ${missing}`);
}

const B = bucketName("sts");
const tag = B.slice(-6);
const USER = { accessKey: `stsuser${tag}`, secretKey: `sts-user-secret-${tag}` };
let FILE = "";
const ROLE = ["--role-arn", "arn:aws:iam::000000000000:role/s3edge", "--role-session-name", "e2e"];

interface Temp { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }
const as = (who: { accessKey: string; secretKey: string }): Endpoint => ({ ...ep, ...who });
const withToken = (t: Temp) => ({ env: { AWS_ACCESS_KEY_ID: t.AccessKeyId, AWS_SECRET_ACCESS_KEY: t.SecretAccessKey, AWS_SESSION_TOKEN: t.SessionToken } });

async function assume(extra: string[] = []): Promise<Temp> {
  return (await awsJson(as(USER), ["sts", "assume-role", ...ROLE, ...extra])).Credentials;
}

/** A raw AssumeRole form POST signed by curl for service sts (no client-side validation). */
async function rawAssume(form: string, who = USER) {
  return curl(null, `${ep.url}/`, {
    method: "POST", data: form, headers: { "content-type": "application/x-www-form-urlencoded" },
    extra: ["--aws-sigv4", `aws:amz:${ep.region}:sts`, "--user", `${who.accessKey}:${who.secretKey}`],
  });
}

describe.skipIf(!!missing)("STS AssumeRole / GetCallerIdentity with real clients", () => {
  beforeAll(async () => {
    FILE = join(tempDir("sts-"), "body.txt");
    await Bun.write(FILE, "hello");
    const bin = await goBinary("admin");
    await goRun(ep, bin, ["add-user", USER.accessKey, USER.secretKey], { timeoutMs: 60_000 });
    await goRun(ep, bin, ["set-policy", "readwrite", USER.accessKey, "false"], { timeoutMs: 60_000 });
    ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]), "create-bucket");
    ok(await aws(ep, ["s3api", "put-object", "--bucket", B, "--key", "ro/a.txt", "--body", FILE]), "put-object");
  }, 300_000);

  test("aws sts assume-role: AWS-shaped credentials; get-caller-identity names the session, the user and root", async () => {
    const t = await assume(["--duration-seconds", "1800"]);
    expect(t.AccessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(t.SecretAccessKey).toHaveLength(40);
    const left = Date.parse(t.Expiration) - Date.now();
    expect(left).toBeGreaterThan(1700_000);
    expect(left).toBeLessThanOrEqual(1800_000 + 5_000);
    const me = await awsJson(ep, ["sts", "get-caller-identity"], withToken(t));
    expect(me.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${USER.accessKey}/${t.AccessKeyId}`);
    expect(me.UserId).toBe(t.AccessKeyId);
    expect((await awsJson(as(USER), ["sts", "get-caller-identity"])).Arn).toBe(`arn:aws:iam::000000000000:user/${USER.accessKey}`);
    expect((await awsJson(ep, ["sts", "get-caller-identity"])).Arn).toBe("arn:aws:iam::000000000000:root");
  });

  test("the temporary credentials work for S3 in headers and in a presigned URL (X-Amz-Security-Token)", async () => {
    const t = await assume();
    ok(await aws(ep, ["s3api", "put-object", "--bucket", B, "--key", "tmp/h.txt", "--body", FILE, "--content-type", "text/x-sts"], withToken(t)), "put as session");
    const head = await awsJson(ep, ["s3api", "head-object", "--bucket", B, "--key", "tmp/h.txt"], withToken(t));
    expect(head.ContentType).toBe("text/x-sts");
    const list = await awsJson(ep, ["s3api", "list-objects-v2", "--bucket", B, "--prefix", "tmp/"], withToken(t));
    expect(list.Contents.map((o: { Key: string }) => o.Key)).toEqual(["tmp/h.txt"]);
    // aws cli v2 presigns with SigV2 query auth (x-amz-security-token) unless told s3v4 (X-Amz-Security-Token).
    const v4 = join(tempDir("sts-"), "config");
    await Bun.write(v4, "[default]\ns3 =\n    signature_version = s3v4\n");
    for (const env of [{}, { AWS_CONFIG_FILE: v4 }] as Record<string, string>[]) {
      const url = ok(await aws(ep, ["s3", "presign", `s3://${B}/tmp/h.txt`, "--expires-in", "300"], { env: { ...withToken(t).env, ...env } }), "presign").trim();
      expect(url).toMatch(/[?&]x-amz-security-token=/i);
      const got = await fetch(url);
      expect([url, got.status]).toEqual([url, 200]);
      expect(await got.text()).toBe("hello");
      // The same signature without the token: the temporary key means nothing alone.
      const bare = url.replace(/&?x-amz-security-token=[^&]*/i, "");
      expect((await fetch(bare)).status).toBe(403);
    }
  });

  test("boto3 sts.assume_role signed by the user, then S3 with the session", async () => {
    const script = `
import json, os, boto3
from botocore.config import Config
cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})
sts = boto3.client("sts", endpoint_url=os.environ["S3EDGE_E2E_ENDPOINT"], region_name=os.environ["S3EDGE_E2E_REGION"],
    aws_access_key_id="${USER.accessKey}", aws_secret_access_key="${USER.secretKey}", config=cfg)
c = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/x", RoleSessionName="boto", DurationSeconds=900)["Credentials"]
s3 = boto3.client("s3", endpoint_url=os.environ["S3EDGE_E2E_ENDPOINT"], region_name=os.environ["S3EDGE_E2E_REGION"],
    aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], config=cfg)
s3.put_object(Bucket="${B}", Key="boto/x.txt", Body=b"from boto3")
body = s3.get_object(Bucket="${B}", Key="boto/x.txt")["Body"].read().decode()
print(json.dumps({"key": c["AccessKeyId"], "body": body, "exp": c["Expiration"].isoformat()}))
`;
    const out = JSON.parse(ok(await run(["python3", "-c", script], { env: { ...process.env, S3EDGE_E2E_ENDPOINT: ep.url, S3EDGE_E2E_REGION: ep.region } as Record<string, string> }), "boto3 sts"));
    expect(out.key).toMatch(/^[A-Z0-9]{20}$/);
    expect(out.body).toBe("from boto3");
    expect(Date.parse(out.exp) - Date.now()).toBeLessThanOrEqual(900_000 + 5_000);
  });

  test("minio-js AssumeRoleProvider (form body, DurationSeconds, Policy) as a client's credentials provider", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] }] });
    const provider = new AssumeRoleProvider({ stsEndpoint: ep.url, accessKey: USER.accessKey, secretKey: USER.secretKey, region: ep.region, durationSeconds: 900, policy });
    const mc = new Minio.Client({ endPoint: ep.host, port: ep.port, useSSL: false, region: ep.region, pathStyle: true,
      // The provider module and the package index each declare CredentialProvider (same class at run time).
      credentialsProvider: provider as unknown as NonNullable<ConstructorParameters<typeof Minio.Client>[0]["credentialsProvider"]> });
    const creds = await provider.getCredentials();
    expect(creds.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(creds.sessionToken).toBeTruthy();
    const chunks: Buffer[] = [];
    for await (const c of await mc.getObject(B, "ro/a.txt")) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("hello");
    // The session policy: reads only.
    const err = await mc.putObject(B, "ro/minio-js.txt", "x").then(() => null, (e: { code?: string }) => e);
    expect(err?.code).toBe("AccessDenied");
  });

  test("the Policy parameter narrows the session to what it allows", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${B}/ro/*`] }] });
    const t = await assume(["--policy", policy]);
    ok(await aws(ep, ["s3api", "head-object", "--bucket", B, "--key", "ro/a.txt"], withToken(t)), "head allowed");
    const put = await aws(ep, ["s3api", "put-object", "--bucket", B, "--key", "ro/b.txt", "--body", FILE], withToken(t));
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain("AccessDenied");
    const list = await aws(ep, ["s3api", "list-objects-v2", "--bucket", B], withToken(t));
    expect(list.stderr).toContain("AccessDenied");
  });

  test.each([["899"], ["604801"], ["ten"]])("DurationSeconds=%s: 400 InvalidParameterValue in the STS error format", async (d) => {
    const r = await rawAssume(`Action=AssumeRole&Version=2011-06-15&DurationSeconds=${d}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(xmlCode(r.body)).toBe("InvalidParameterValue");
  });

  test("raw form at the bounds (900 and 604800) is accepted", async () => {
    for (const d of ["900", "604800"]) {
      const r = await rawAssume(`Action=AssumeRole&Version=2011-06-15&DurationSeconds=${d}`);
      expect([d, r.status]).toEqual([d, 200]);
      expect(r.body).toContain("<SessionToken>");
    }
  });

  test("a tampered session token is refused (InvalidToken), by S3 and by STS", async () => {
    const t = await assume();
    const last = t.SessionToken.at(-1) === "A" ? "B" : "A";
    const bad = { ...t, SessionToken: t.SessionToken.slice(0, -1) + last };
    const r = await aws(ep, ["s3api", "list-objects-v2", "--bucket", B], withToken(bad));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("InvalidToken");
    const me = await aws(ep, ["sts", "get-caller-identity"], withToken(bad));
    expect(me.code).not.toBe(0);
    expect(me.stderr).toContain("InvalidToken");
  });

  test("an expired session is 400 ExpiredToken (as AWS S3 answers), in headers and in a presigned URL", async () => {
    // A session that ended a minute ago, minted as AssumeRole would with the root secret: no
    // 15-minute wait. AWS's code, not MinIO's InvalidAccessKeyId: it tells the client to get new
    // credentials (minio-go retries it, re-signing with a refreshing provider's fresh ones).
    const claims = { ak: newTemporaryAccessKey(), parent: USER.accessKey, exp: Math.floor(Date.now() / 1000) - 60 };
    const { token, secret } = await issueStsToken(ep.secretKey, claims);
    const t: Temp = { AccessKeyId: claims.ak, SecretAccessKey: secret, SessionToken: token, Expiration: "" };
    const r = await aws(ep, ["s3api", "list-objects-v2", "--bucket", B], withToken(t));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("ExpiredToken");
    const presigned = async (secretAccessKey: string, sessionToken: string) => {
      const client = new AwsClient({ accessKeyId: t.AccessKeyId, secretAccessKey, sessionToken, service: "s3", region: ep.region });
      return fetch((await client.sign(`${ep.url}/${B}/ro/a.txt`, { aws: { signQuery: true } })).url);
    };
    const got = await presigned(secret, token);
    expect(got.status).toBe(400);
    expect(xmlCode(await got.text())).toBe("ExpiredToken");
    // The same claims unexpired work: what failed was the time alone.
    const live = await issueStsToken(ep.secretKey, { ...claims, exp: claims.exp + 3600 });
    const fresh = await presigned(live.secret, live.token);
    expect([fresh.status, await fresh.text()]).toEqual([200, "hello"]);
  });

  test("root may not assume a role (MinIO): 403 AccessDenied; nor may a session", async () => {
    const r = await aws(ep, ["sts", "assume-role", ...ROLE]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("AccessDenied");
    const again = await aws(ep, ["sts", "assume-role", ...ROLE], withToken(await assume()));
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("AccessDenied");
  });
});
