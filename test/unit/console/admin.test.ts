// The console's admin client (src/console/client/admin.ts) against the real app: its encrypted
// bodies are the ones the gateway's madmin crypto reads, and it reads the gateway's answers.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { ENDPOINT } from "../helpers/s3.ts";
import { createApp } from "../../../src/app.ts";
import { bunArgon2id } from "../../../src/runtime/bun/argon2.ts";
import { createMadminCrypto } from "../../../src/admin/crypto/madmin-crypto.ts";
import { encryptData } from "../../../src/admin/crypto/encrypt-data.ts";
import { createAdmin, effectivePolicies, openAdminBody, parseTargets, policyProblem, sealAdminBody } from "../../../src/console/client/admin.ts";
import { prometheusToken, sumMetrics } from "../../../src/console/client/metrics.ts";
import { peekClaims, verifyToken } from "../../../src/ops/jwt.ts";
import { AwsClient } from "aws4fetch";

const enc = new TextEncoder();

describe("console admin client", () => {
  it("seals request bodies the gateway's madmin crypto opens (PBKDF2 id, no Argon2 in the browser for requests)", async () => {
    const sealed = await sealAdminBody("secretsecret", { secretKey: "s3cr3t-key", status: "enabled" });
    expect(sealed[32]).toBe(2);
    const plain = await createMadminCrypto().decrypt("secretsecret", sealed);
    expect(JSON.parse(new TextDecoder().decode(plain!))).toEqual({ secretKey: "s3cr3t-key", status: "enabled" });
  });

  it("opens an encrypted answer, derives once per salt, and says InvalidResponse for a wrong secret or a plain body", async () => {
    const salt = crypto.getRandomValues(new Uint8Array(32));
    const keys = new Map<string, Promise<Uint8Array>>();
    for (const v of [{ a: 1 }, { b: 2 }]) {
      const body = await encryptData("pw-one-secret", enc.encode(JSON.stringify(v)), { id: 2, salt });
      expect(await openAdminBody("pw-one-secret", body, keys)).toEqual(v);
    }
    expect(keys.size).toBe(1);
    const body = await encryptData("pw-one-secret", enc.encode("{}"), { id: 2 });
    await expect(openAdminBody("another-secret", body, new Map())).rejects.toMatchObject({ code: "InvalidResponse" });
    await expect(openAdminBody("pw-one-secret", enc.encode("{}"), new Map())).rejects.toMatchObject({ code: "InvalidResponse" });
  });

  it("checks a policy document before it is sent", () => {
    expect(policyProblem('{"Version":"2012-10-17","Statement":[]}')).toBe("");
    expect(policyProblem("{")).toStartWith("Not valid JSON");
    expect(policyProblem("[]")).toBe("A policy is a JSON object.");
    expect(policyProblem('{"Statement":[]}')).toContain("Version");
    expect(policyProblem('{"Version":"2012-10-17"}')).toContain("Statement");
  });

  // One app and one client for the cases below: the client's portable Argon2id derives once.
  const { deps } = memoryDeps();
  // Bun's native Argon2id on the gateway side; the client derives with the portable one, once.
  const app = createApp({ ...deps, argon2id: bunArgon2id });
  const send = async (req: Request) => {
    // A real server always sees Host; Request objects built here do not carry one.
    const headers = new Headers(req.headers);
    headers.set("host", new URL(ENDPOINT).host);
    return app.request(new Request(req, { headers }));
  };
  const admin = createAdmin({ kind: "long-term", accessKeyId: "AKIDTEST", secretAccessKey: "secretsecret" }, "us-east-1", ENDPOINT, send);

  it("adds, lists, disables, attaches and removes a user through the admin API as root", async () => {
    await admin.addUser("console-user", "console-secret");
    expect(await admin.listUsers()).toEqual([{ accessKey: "console-user", status: "enabled", policies: [], memberOf: [] }]);
    await admin.setUserStatus("console-user", "disabled");
    await admin.attachPolicy("console-user", "readwrite");
    expect(await admin.listUsers()).toEqual([{ accessKey: "console-user", status: "disabled", policies: ["readwrite"], memberOf: [] }]);
    expect(Object.keys(await admin.listPolicies())).toContain("consoleAdmin");
    await admin.addPolicy("put-only", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::b/*"] }] }));
    expect(Object.keys(await admin.listPolicies())).toContain("put-only");
    await expect(admin.addPolicy("bad", '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}')).rejects.toMatchObject({ code: "XMinioMalformedIAMPolicy" });
    await admin.removeUser("console-user");
    expect(await admin.listUsers()).toEqual([]);
    await expect(admin.removeUser("AKIDTEST")).rejects.toMatchObject({ code: "XMinioInvalidIAMCredentials", status: 403 });
  });

  it("creates a group with a member, attaches a policy (the member's effective access), disables and deletes it", async () => {
    await admin.addUser("grp-user", "grp-user-secret");
    await admin.addGroupMembers("devs", ["grp-user"]);
    await admin.attachGroupPolicy("devs", "readwrite");
    const [devs] = await admin.listGroups();
    expect(devs).toEqual({ name: "devs", status: "enabled", members: ["grp-user"], policies: ["readwrite"] });
    const [u] = await admin.listUsers();
    expect(u!.memberOf).toEqual(["devs"]);
    expect(effectivePolicies(u!, [devs!])).toEqual(["readwrite"]);
    await admin.setGroupStatus("devs", "disabled");
    const [off] = await admin.listGroups();
    expect(off!.status).toBe("disabled");
    expect(effectivePolicies(u!, [off!])).toEqual([]);
    await admin.detachGroupPolicy("devs", "readwrite");
    await admin.removeGroup(off!); // removes its member first: only an empty group can go
    expect(await admin.listGroups()).toEqual([]);
    await expect(admin.addGroupMembers("ghosts", ["nobody"])).rejects.toMatchObject({ code: "XMinioAdminNoSuchUser" });
  });

  it("creates a service account with an inline policy and an expiry (its secret signs), disables and deletes it", async () => {
    await admin.addUser("sa-owner", "sa-owner-secret");
    await admin.attachPolicy("sa-owner", "readwrite");
    const expiration = new Date(Date.now() + 86_400_000).toISOString();
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:ListAllMyBuckets"], Resource: ["arn:aws:s3:::*"] }] };
    const cred = await admin.addServiceAccount({ targetUser: "sa-owner", policy, expiration, name: "ci" });
    expect(cred.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(cred.secretKey).toHaveLength(40);
    const [sa] = await admin.listServiceAccounts("sa-owner");
    expect(sa).toMatchObject({ accessKey: cred.accessKey, parentUser: "sa-owner", accountStatus: "on", impliedPolicy: false, name: "ci" });
    expect(Date.parse(sa!.expiration!)).toBe(Date.parse(expiration));
    const asKey = new AwsClient({ accessKeyId: cred.accessKey, secretAccessKey: cred.secretKey, service: "s3", region: "us-east-1" });
    expect((await send(await asKey.sign(`${ENDPOINT}/`))).status).toBe(200);
    await admin.setServiceAccountStatus(cred.accessKey, false);
    expect((await admin.listServiceAccounts("sa-owner"))[0]!.accountStatus).toBe("off");
    expect((await send(await asKey.sign(`${ENDPOINT}/`))).status).toBe(403);
    await admin.removeServiceAccount(cred.accessKey);
    expect(await admin.listServiceAccounts("sa-owner")).toEqual([]);
  });

  it("adds, lists and removes a webhook target (set/get/del-config-kv, encrypted text)", async () => {
    await admin.setTarget("notify_webhook:console endpoint=http://127.0.0.1:9/hook queue_limit=10");
    const [t] = await admin.listTargets();
    expect(t).toMatchObject({ subsys: "notify_webhook", id: "console", arn: "arn:minio:sqs:us-east-1:console:webhook", env: false });
    expect(t!.kv).toContainEqual(["endpoint", "http://127.0.0.1:9/hook"]);
    await expect(admin.setTarget("notify_webhook:bad queue_limit=1")).rejects.toMatchObject({ code: "XMinioConfigError" });
    await admin.removeTarget(t!);
    expect(await admin.listTargets()).toEqual([]);
  });

  it("reads the data usage per bucket", async () => {
    const root = new AwsClient({ accessKeyId: "AKIDTEST", secretAccessKey: "secretsecret", service: "s3", region: "us-east-1" });
    expect((await send(await root.sign(`${ENDPOINT}/usage-b`, { method: "PUT" }))).status).toBe(200);
    expect((await send(await root.sign(`${ENDPOINT}/usage-b/k`, { method: "PUT", body: "hello", headers: { "content-length": "5" } }))).status).toBe(200);
    const usage = await admin.dataUsage();
    expect(usage).toMatchObject({ bucketsCount: 1, objectsCount: 1, objectsTotalSize: 5 });
    expect(usage.bucketsUsageInfo["usage-b"]).toMatchObject({ objectsCount: 1, size: 5 });
  });
});

describe("console notification targets", () => {
  it("reads get-config-kv's text as enabled targets with their ARNs, environment ones marked", () => {
    const text = [
      "notify_webhook enable=off endpoint= auth_token= queue_limit=0 ",
      "notify_webhook:1 endpoint=http://127.0.0.1:3000 auth_token=\"a b\" queue_limit=0 ",
      "# notify_postgres:pg is set by MINIO_NOTIFY_POSTGRES_* environment variables",
      "notify_postgres:pg connection_string=postgres://u:p@h/db table=events format=namespace ",
      "",
    ].join("\n");
    expect(parseTargets(text, "us-east-1")).toEqual([
      { subsys: "notify_webhook", id: "1", arn: "arn:minio:sqs:us-east-1:1:webhook", kv: [["endpoint", "http://127.0.0.1:3000"], ["auth_token", "a b"], ["queue_limit", "0"]], env: false },
      { subsys: "notify_postgres", id: "pg", arn: "arn:minio:sqs:us-east-1:pg:postgresql", kv: [["connection_string", "postgres://u:p@h/db"], ["table", "events"], ["format", "namespace"]], env: true },
    ]);
  });
});

describe("console metrics client", () => {
  it("signs the bearer token /metrics checks, and sums Prometheus families", async () => {
    const token = await prometheusToken("AKIDTEST", "secretsecret", 300, 1_000_000_000);
    expect(await verifyToken(token, "secretsecret", 1_000_000)).toBe(true);
    expect(await verifyToken(token, "other-secret", 1_000_000)).toBe(false);
    expect(peekClaims(token)).toEqual({ exp: 1_000_300, sub: "AKIDTEST", iss: "prometheus" });
    const text = '# HELP x y\ns3edge_notify_outbox_events{target="1:webhook"} 3\ns3edge_notify_outbox_events{target="2:redis"} 4\nminio_notify_events_skipped_total 2\nother 9\n';
    expect(sumMetrics(text, ["s3edge_notify_outbox_events", "minio_notify_events_skipped_total", "absent"])).toEqual({
      s3edge_notify_outbox_events: 7, minio_notify_events_skipped_total: 2, absent: 0,
    });
  });
});
