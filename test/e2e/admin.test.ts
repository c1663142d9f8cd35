// The MinIO admin API driven by madmin-go 2.0.7 from Debian (test/e2e/go/admin, built in
// GOPATH mode by go/build.ts): the library `mc admin` is made of, with its real EncryptData /
// DecryptData (Argon2id + AES-GCM) on every encrypted body both ways (specs/minio-admin.md §1,
// §4, §5). The client says it is mc RELEASE.2021-04-22, so list-service-accounts answers the
// 2021 shape madmin 2.0.7 decodes (§7.3). Then what the identities made here can do over S3.
//
// Without the Go toolchain or Debian's madmin-go (not root, no apt) the suite is skipped with a
// warning naming what is missing; under CI it fails instead, since scripts/test-deps.sh installs them.
import { beforeAll, describe, expect, test } from "bun:test";
import { goBinary, goMissing, goRun } from "./go/build.ts";
import { AwsClient } from "aws4fetch";
import { bucketName, sha256Hex, useServer } from "./harness.ts";
import { createMadminCrypto } from "../../src/admin/crypto/madmin-crypto.ts";
import { deriveKey } from "../../src/admin/crypto/encrypt-data.ts";
import { bunArgon2id } from "../../src/runtime/bun/argon2.ts";

const ep = useServer();
const missing = goMissing("admin");
if (missing) {
  if (process.env.CI) test("Go toolchain and Debian madmin-go are installed", () => { throw new Error(missing); });
  else console.warn(`admin.test.ts: SKIPPED, ${missing}`);
}

// Names of this file's own (an external endpoint may be shared with other runs).
const tag = bucketName("adm").slice(-6);
const U1 = `alice${tag}`, U2 = `bob${tag}`, G = `devs${tag}`, P = `getb${tag}`;
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] });

describe.skipIf(!!missing)("madmin-go 2.0.7 (Debian, GOPATH mode) against /minio/admin/v3", () => {
  let bin = "";
  const adm = (...args: string[]) => goRun(ep, bin, args, { timeoutMs: 60_000 });
  const admAs = (who: { accessKey: string; secretKey: string }, ...args: string[]) =>
    goRun(ep, bin, args, { timeoutMs: 60_000, env: { S3EDGE_E2E_ACCESS_KEY: who.accessKey, S3EDGE_E2E_SECRET_KEY: who.secretKey } });
  const admError = async (...args: string[]) => (await goRun(ep, bin, args, { allowError: true, timeoutMs: 60_000 })).error;

  beforeAll(async () => {
    bin = await goBinary("admin"); // cold build ~15 s on 2 cores; cached by source hash after
  }, 300_000);

  test("ServerInfo (mc admin info): online, one server", async () => {
    const info = await adm("server-info");
    expect(info).toMatchObject({ mode: "online", region: ep.region, backend: { backendType: "FS" } });
    expect(info.servers).toHaveLength(1);
    expect(info.servers[0].state).toBe("online");
    const acct = await adm("account-info");
    expect(acct.AccountName).toBe(ep.accessKey);
  });

  test("DataUsageInfo (the console's bucket sizes): current objects, versions, delete markers and bytes of a versioned bucket", async () => {
    const s3 = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region });
    const B = bucketName("usage");
    expect((await s3.fetch(`${ep.url}/${B}`, { method: "PUT" })).status).toBe(200);
    const on = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    expect((await s3.fetch(`${ep.url}/${B}?versioning`, { method: "PUT", body: on })).status).toBe(200);
    for (const [key, body] of [["k", "12345"], ["k", "1234567"], ["gone", "xyz"]]) {
      expect((await s3.fetch(`${ep.url}/${B}/${key}`, { method: "PUT", body })).status).toBe(200);
    }
    expect((await s3.fetch(`${ep.url}/${B}/gone`, { method: "DELETE" })).status).toBe(204);
    const usage = await adm("data-usage");
    // madmin 2.0.7's BucketUsageInfo has no deleteMarkersCount (newer ones do; test/unit/admin/data-usage.test.ts reads it).
    expect(usage.bucketsUsageInfo[B]).toMatchObject({ size: 15, objectsCount: 1, versionsCount: 3 });
    expect(usage.bucketsCount).toBeGreaterThanOrEqual(1);
  });

  test("mc alias set's probe: GetBucketLocation and HEAD of a missing probe-bucket-sign-… bucket → NoSuchBucket (§3)", async () => {
    const probe = await adm("alias-probe", `probe-bsign-${tag}${"x".repeat(20)}`);
    expect(probe).toEqual({ locationCode: "NoSuchBucket", exists: false });
  });

  test("AddUser (encrypted body), ListUsers (encrypted answer), GetUserInfo, disable/enable, RemoveUser", async () => {
    expect(await adm("add-user", U1, "alice-secret-1")).toEqual({ ok: true });
    expect(await adm("add-user", U2, "bob-secret-12")).toEqual({ ok: true });
    const list = await adm("list-users");
    expect(list[U1]).toMatchObject({ status: "enabled" });
    expect(list[U2]).toMatchObject({ status: "enabled" });
    expect(await adm("user-info", U1)).toMatchObject({ status: "enabled" });
    await adm("set-user-status", U2, "disabled");
    expect((await adm("user-info", U2)).status).toBe("disabled");
    await adm("set-user-status", U2, "enabled");
    expect((await adm("user-info", U2)).status).toBe("enabled");
    await adm("remove-user", U2);
    expect(await admError("user-info", U2)).toMatchObject({ code: "XMinioAdminNoSuchUser" });
    expect(await admError("remove-user", U2)).toMatchObject({ code: "XMinioAdminNoSuchUser" });
  });

  test("canned policies: add, info (raw and v2), list with the built-ins, set (2021), attach/detach, entities, remove", async () => {
    await adm("add-policy", P, POLICY);
    expect(await adm("info-policy", P)).toEqual(JSON.parse(POLICY));
    const v2 = await adm("info-policy-v2", P);
    expect(v2).toMatchObject({ PolicyName: P, Policy: JSON.parse(POLICY) });
    const all = await adm("list-policies");
    for (const n of ["readonly", "readwrite", "writeonly", "consoleAdmin", "diagnostics", P]) expect(all).toHaveProperty(n);
    expect(await admError("info-policy", `nope${tag}`)).toMatchObject({ code: "XMinioAdminNoSuchPolicy" });

    await adm("set-policy", `readonly,${P}`, U1, "false");
    expect((await adm("user-info", U1)).policyName).toBe(`readonly,${P}`);
    await adm("set-policy", "", U1, "false");
    expect((await adm("user-info", U1)).policyName).toBeUndefined();
    await adm("attach", "user", U1, P);
    expect((await adm("user-info", U1)).policyName).toBe(P);
    const ent = await adm("policy-entities", `policy=${P}`);
    expect(ent.policyMappings).toEqual([{ policy: P, users: [U1], groups: [] }]);
    await adm("detach", "user", U1, P);
    expect((await adm("user-info", U1)).policyName).toBeUndefined();
    await adm("remove-policy", P);
    expect(await admError("info-policy", P)).toMatchObject({ code: "XMinioAdminNoSuchPolicy" });
  });

  test("groups: add members (creates), info, list, disable/enable, group policy, remove members, remove the empty group", async () => {
    await adm("group-add", G, U1);
    expect(await adm("group-info", G)).toMatchObject({ name: G, status: "enabled", members: [U1] });
    expect(await adm("list-groups")).toContain(G);
    expect((await adm("user-info", U1)).memberOf).toEqual([G]);
    await adm("set-group-status", G, "disabled");
    expect((await adm("group-info", G)).status).toBe("disabled");
    await adm("set-group-status", G, "enabled");
    await adm("set-policy", "readwrite", G, "true");
    expect((await adm("group-info", G)).policy).toBe("readwrite");
    expect(await admError("group-remove", G)).toMatchObject({ code: "XMinioAdminGroupNotEmpty" });
    expect(await admError("group-add", G, `ghost${tag}`)).toMatchObject({ code: "XMinioAdminNoSuchUser" });
    await adm("group-remove", G, U1);
    expect((await adm("group-info", G)).members).toEqual([]);
    await adm("group-remove", G);
    expect(await admError("group-info", G)).toMatchObject({ code: "XMinioAdminNoSuchGroup" });
    expect(await adm("list-groups")).not.toContain(G);
  });

  test("service accounts: add (generated and given keys, inline policy), list (2021 shape), info, update (204), rm (204)", async () => {
    const gen = await adm("svcacct-add", U1);
    expect(gen.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(gen.secretKey).toHaveLength(40);
    const given = await adm("svcacct-add", U1, `svc${tag}`, "svc-secret-123", POLICY);
    expect(given).toMatchObject({ accessKey: `svc${tag}`, secretKey: "svc-secret-123" });
    expect((await adm("svcacct-list", U1)).accounts.sort()).toEqual([gen.accessKey, `svc${tag}`].sort());
    const info = await adm("svcacct-info", `svc${tag}`);
    expect(info).toMatchObject({ parentUser: U1, accountStatus: "on", impliedPolicy: false });
    expect(JSON.parse(info.policy)).toEqual(JSON.parse(POLICY));
    expect((await adm("svcacct-info", gen.accessKey)).impliedPolicy).toBe(true);
    await adm("svcacct-update", `svc${tag}`, "off");
    expect((await adm("svcacct-info", `svc${tag}`)).accountStatus).toBe("off");
    await adm("svcacct-update", `svc${tag}`, "on", "svc-secret-456");
    expect((await adm("svcacct-info", `svc${tag}`)).accountStatus).toBe("on");
    await adm("svcacct-rm", gen.accessKey);
    expect((await adm("svcacct-list", U1)).accounts).toEqual([`svc${tag}`]);
    expect(await admError("svcacct-info", gen.accessKey)).toMatchObject({ code: "XMinioAdminServiceAccountNotFound" });
  });

  test("a user made here signs S3 requests with its and its enabled groups' policies; disabled it is refused; a plain user may not call the admin API", async () => {
    const B = bucketName("adm-user");
    const alice = { accessKey: U1, secretKey: "alice-secret-1" };
    // No policy: nothing allowed (default deny), the admin API included.
    expect((await goRun(ep, bin, ["s3-put-get", B, "k"], { allowError: true, env: { S3EDGE_E2E_ACCESS_KEY: U1, S3EDGE_E2E_SECRET_KEY: alice.secretKey } })).error)
      .toMatchObject({ code: "AccessDenied" });
    expect((await goRun(ep, bin, ["list-users"], { allowError: true, env: { S3EDGE_E2E_ACCESS_KEY: U1, S3EDGE_E2E_SECRET_KEY: alice.secretKey } })).error)
      .toMatchObject({ code: "AccessDenied" });
    // A group's policy applies to its members while the group is enabled.
    const G2 = `writers${tag}`;
    await adm("group-add", G2, U1);
    await adm("set-policy", "readwrite", G2, "true");
    expect(await admAs(alice, "s3-put-get", B, "by-group")).toEqual({ body: `written by ${U1}` });
    await adm("set-group-status", G2, "disabled");
    expect((await goRun(ep, bin, ["s3-put-get", B, "k"], { allowError: true, env: { S3EDGE_E2E_ACCESS_KEY: U1, S3EDGE_E2E_SECRET_KEY: alice.secretKey } })).error)
      .toMatchObject({ code: "AccessDenied" });
    await adm("group-remove", G2, U1);
    await adm("group-remove", G2);
    await adm("set-policy", "readwrite", U1, "false");
    expect(await admAs(alice, "s3-put-get", B, "by-alice")).toEqual({ body: `written by ${U1}` });
    // Its service account (inline policy: GetObject on bucket b only) may not write here; after
    // the inline policy is dropped (implied = the parent's readwrite) it may.
    const svc = { accessKey: `svc${tag}`, secretKey: "svc-secret-456" };
    expect((await goRun(ep, bin, ["s3-put-get", B, "by-svc"], { allowError: true, env: { S3EDGE_E2E_ACCESS_KEY: svc.accessKey, S3EDGE_E2E_SECRET_KEY: svc.secretKey } })).error)
      .toMatchObject({ code: "AccessDenied" });
    await adm("svcacct-update", svc.accessKey, "", "", JSON.stringify({ Version: "", Statement: [] }));
    expect(await admAs(svc, "s3-put-get", B, "by-svc")).toEqual({ body: `written by ${svc.accessKey}` });
    // consoleAdmin makes alice an admin: her own secret then keys the encrypted bodies.
    await adm("set-policy", "consoleAdmin", U1, "false");
    expect((await admAs(alice, "list-users"))[U1]).toMatchObject({ policyName: "consoleAdmin" });
    await adm("set-user-status", U1, "disabled");
    expect((await goRun(ep, bin, ["s3-list-buckets"], { allowError: true, env: { S3EDGE_E2E_ACCESS_KEY: U1, S3EDGE_E2E_SECRET_KEY: alice.secretKey } })).error)
      .toMatchObject({ code: "InvalidAccessKeyId" });
    await adm("remove-user", U1);
    expect(await admError("svcacct-info", svc.accessKey)).toMatchObject({ code: "XMinioAdminServiceAccountNotFound" }); // went with its parent
  });
});

// What current mc (madmin-go v3, 2023+) sends and reads and Debian's madmin-go 2.0.7 cannot:
// signed here (SigV4, service s3, empty region, the body's SHA-256) and encrypted with the
// gateway's own EncryptData (Argon2id + AES-GCM, the native Argon2id for speed), over HTTP to
// the live gateway. Needs no Go: it runs wherever the gateway does.
const NEW_MC = "MinIO (linux; amd64) madmin-go/3.0.70 mc/RELEASE.2024-11-21T17-21-54Z";
const OLD_MC = "MinIO (linux; amd64) madmin-go/0.0.1 mc/RELEASE.2021-04-22T17-40-00Z";

describe("2023+ mc wire shapes (madmin v3 requests signed and encrypted by the test)", () => {
  const crypto = createMadminCrypto({ derive: (kdf, password, salt) => deriveKey(kdf, password, salt, bunArgon2id) });
  const U = `carol${tag}`, USECRET = "carol-secret-1", SA = `bot${tag}`;
  type Who = { accessKey: string; secretKey: string; sessionToken?: string };
  const root = (): Who => ({ accessKey: ep.accessKey, secretKey: ep.secretKey });

  /** One admin call as madmin makes it; `enc` encrypts the JSON body under the signer's secret. */
  async function call(method: string, name: string, o: { query?: Record<string, string>; json?: unknown; enc?: boolean; raw?: Uint8Array; who?: Who; ua?: string; prefix?: string } = {}) {
    const who = o.who ?? root();
    const plain = o.json === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(o.json));
    const body = o.raw ?? (o.enc ? await crypto.encrypt(who.secretKey, plain) : plain);
    const url = new URL(`${ep.url}${o.prefix ?? "/minio/admin/v3"}/${name}`);
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
    const client = new AwsClient({ accessKeyId: who.accessKey, secretAccessKey: who.secretKey, sessionToken: who.sessionToken, service: "s3", region: ep.region });
    const signed = await client.sign(url.toString(), {
      method, body: body.length ? (body as BodyInit) : undefined,
      headers: { "user-agent": o.ua ?? NEW_MC, "x-amz-content-sha256": sha256Hex(body) },
    });
    const res = await fetch(signed);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, bytes, text: () => new TextDecoder().decode(bytes), json: () => JSON.parse(new TextDecoder().decode(bytes)) };
  }
  /** The decrypted JSON of an encrypted 200 answer. */
  async function decrypted(r: Awaited<ReturnType<typeof call>>, who: Who = root()) {
    expect([r.status, r.status === 200 ? "" : r.text()]).toEqual([200, ""]);
    const plain = await crypto.decrypt(who.secretKey, r.bytes);
    expect(plain).not.toBeNull();
    return JSON.parse(new TextDecoder().decode(plain!));
  }

  test("add-user with a policy (AddOrUpdateUserReq), list-users (memberOf, updatedAt), attach/detach 201/204, policy-entities, v4 alias", async () => {
    expect((await call("PUT", "add-user", { query: { accessKey: U }, enc: true, json: { secretKey: USECRET, status: "enabled", policy: "readonly" } })).status).toBe(200);
    // New madmin's UpdateGroupMembers carries groupStatus.
    const GN = `ops${tag}`;
    expect((await call("PUT", "update-group-members", { json: { group: GN, members: [U], isRemove: false, groupStatus: "enabled" } })).status).toBe(200);
    const users = await decrypted(await call("GET", "list-users"));
    expect(users[U]).toMatchObject({ policyName: "readonly", status: "enabled", memberOf: [GN] });
    expect((await call("PUT", "update-group-members", { json: { group: GN, members: [U], isRemove: true } })).status).toBe(200);
    expect((await call("PUT", "update-group-members", { json: { group: GN, members: [], isRemove: true } })).status).toBe(200);
    expect(Date.parse(users[U].updatedAt)).toBeGreaterThan(Date.now() - 600_000);
    const attach = await call("POST", "idp/builtin/policy/attach", { enc: true, json: { policies: ["readwrite"], user: U } });
    expect([attach.status, attach.bytes.length]).toEqual([201, 0]);
    expect((await call("GET", "user-info", { query: { accessKey: U } })).json().policyName).toBe("readonly,readwrite");
    const ent = await decrypted(await call("GET", "idp/builtin/policy-entities", { query: { user: U } }));
    expect(ent.userMappings).toEqual([expect.objectContaining({ user: U, policies: ["readonly", "readwrite"] })]);
    const detach = await call("POST", "idp/builtin/policy/detach", { enc: true, json: { policies: ["readonly"], user: U } });
    expect([detach.status, detach.bytes.length]).toEqual([204, 0]);
    // madmin v4 tries /minio/admin/v4 first: the same API.
    expect((await decrypted(await call("GET", "list-users", { prefix: "/minio/admin/v4" })))[U]).toMatchObject({ policyName: "readwrite" });
    // Neither user nor group, or both: madmin's own check, repeated by the server.
    const both = await call("POST", "idp/builtin/policy/attach", { enc: true, json: { policies: ["readonly"], user: U, group: "g" } });
    expect([both.status, both.json().Code]).toEqual([400, "XMinioAdminInvalidArgument"]);
    // A body encrypted under another secret changes nothing.
    const wrong = await call("POST", "idp/builtin/policy/attach", { raw: await crypto.encrypt("not-the-root-secret", new TextEncoder().encode(JSON.stringify({ policies: ["readonly"], user: U }))) });
    expect([wrong.status, wrong.json().Code]).toEqual([400, "XMinioAdminConfigBadJSON"]);
    expect((await call("GET", "user-info", { query: { accessKey: U } })).json().policyName).toBe("readwrite");
  });

  test("svcacct add with name, description and expiration; ls in the object shape (new mc) and the string shape (2021 mc); info; set newName/newDescription/newExpiration", async () => {
    const exp = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const inline = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::*"] }] };
    const added = await decrypted(await call("PUT", "add-service-account", {
      enc: true, json: { policy: inline, targetUser: U, accessKey: SA, secretKey: "bot-secret-123", name: "ci-bot", description: "CI uploads", expiration: exp },
    }));
    expect(added.credentials).toEqual({ accessKey: SA, secretKey: "bot-secret-123", expiration: exp });
    const listed = await decrypted(await call("GET", "list-service-accounts", { query: { user: U } }));
    expect(listed.accounts).toEqual([{ parentUser: U, accountStatus: "on", impliedPolicy: false, accessKey: SA, name: "ci-bot", description: "CI uploads", expiration: exp }]);
    expect((await decrypted(await call("GET", "list-service-accounts", { query: { user: U }, ua: OLD_MC }))).accounts).toEqual([SA]);
    const info = await decrypted(await call("GET", "info-service-account", { query: { accessKey: SA } }));
    expect(info).toMatchObject({ parentUser: U, parentUserStatus: "enabled", accountStatus: "on", impliedPolicy: false, name: "ci-bot", description: "CI uploads", expiration: exp });
    expect(JSON.parse(info.policy)).toEqual(inline);
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const upd = await call("POST", "update-service-account", { query: { accessKey: SA }, enc: true, json: { newName: "ci-bot-2", newDescription: "CI, renamed", newExpiration: later } });
    expect(upd.status).toBe(204);
    expect(await decrypted(await call("GET", "info-service-account", { query: { accessKey: SA } }))).toMatchObject({ name: "ci-bot-2", description: "CI, renamed", expiration: later, accountStatus: "on" });
    // A past expiration is refused and adds nothing.
    const past = await call("PUT", "add-service-account", { enc: true, json: { targetUser: U, accessKey: `old${tag}`, secretKey: "old-secret-123", expiration: "2020-01-01T00:00:00Z" } });
    expect([past.status, past.json().Code]).toEqual([400, "XMinioAdminInvalidArgument"]);
    expect((await decrypted(await call("GET", "list-service-accounts", { query: { user: U } }))).accounts.map((a: { accessKey: string }) => a.accessKey)).toEqual([SA]);
  });

  test("accountinfo as the user, its service account and its STS session (encrypted answers under the session's secret)", async () => {
    const B = bucketName("adm-acct");
    expect((await call("PUT", "add-user", { query: { accessKey: U }, enc: true, json: { secretKey: USECRET, status: "enabled", policy: "readwrite" } })).status).toBe(200);
    const carol = { accessKey: U, secretKey: USECRET };
    const s3 = new AwsClient({ ...{ accessKeyId: U, secretAccessKey: USECRET }, service: "s3", region: ep.region });
    expect((await s3.fetch(`${ep.url}/${B}`, { method: "PUT" })).status).toBe(200);
    const mine = (await call("GET", "accountinfo", { who: carol })).json();
    expect(mine.AccountName).toBe(U);
    expect(mine.Buckets.find((b: { name: string }) => b.name === B)).toMatchObject({ access: { read: true, write: true } });
    const bot = (await call("GET", "accountinfo", { who: { accessKey: SA, secretKey: "bot-secret-123" } })).json();
    expect(bot.AccountName).toBe(SA);
    expect(bot.Buckets.find((b: { name: string }) => b.name === B)).toMatchObject({ access: { read: true, write: false } });
    // An STS session of carol: madmin signs with the token and encrypts with the temporary secret.
    const assume = async (): Promise<Who> => {
      const sts = new AwsClient({ accessKeyId: U, secretAccessKey: USECRET, service: "sts", region: ep.region });
      const form = await sts.fetch(`${ep.url}/`, { method: "POST", body: "Action=AssumeRole&Version=2011-06-15", headers: { "content-type": "application/x-www-form-urlencoded" } });
      const xml = await form.text();
      const tagOf = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(xml)![1];
      return { accessKey: tagOf("AccessKeyId"), secretKey: tagOf("SecretAccessKey"), sessionToken: tagOf("SessionToken") };
    };
    const session = await assume();
    expect((await call("GET", "accountinfo", { who: session })).json().AccountName).toBe(session.accessKey);
    expect((await call("GET", "user-info", { query: { accessKey: U }, who: session })).json()).toMatchObject({ policyName: "readwrite" });
    // Not an admin: the encrypted list is refused, not garbled.
    const denied = await call("GET", "list-service-accounts", { query: { user: U }, who: session });
    expect([denied.status, denied.json().Code]).toEqual([403, "AccessDenied"]);
    // A consoleAdmin's session may: the answer decrypts under the session's secret, the request's body too.
    expect((await call("POST", "idp/builtin/policy/attach", { enc: true, json: { policies: ["consoleAdmin"], user: U } })).status).toBe(201);
    const admin = await assume();
    expect((await decrypted(await call("GET", "list-service-accounts", { query: { user: U }, who: admin }), admin)).accounts.map((a: { accessKey: string }) => a.accessKey)).toEqual([SA]);
    const upd = await call("POST", "update-service-account", { query: { accessKey: SA }, enc: true, json: { newStatus: "off" }, who: admin });
    expect(upd.status).toBe(204);
    expect((await decrypted(await call("GET", "info-service-account", { query: { accessKey: SA } }))).accountStatus).toBe("off");
    expect((await call("DELETE", "remove-user", { query: { accessKey: U } })).status).toBe(200);
  });
});