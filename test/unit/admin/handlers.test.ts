// The MinIO admin API's handlers through createApp and app.request, signed as madmin signs
// (region "", service s3, the body's SHA-256), with madmin's encrypted bodies both ways
// (specs/minio-admin.md §5). One app for the whole file and a client-side MadminCrypto that
// keeps its key per salt: each secret costs one Argon2id on each side, not one per request,
// so tests use names of their own.
import { describe, expect, it } from "bun:test";
import { canonicalHeaders, canonicalQuery, canonicalRequest, sign, signingKey, stringToSign, awsUriEncode } from "../../../src/auth/sigv4.ts";
import { queryPairs } from "../../../src/auth/authenticate.ts";
import { createMadminCrypto } from "../../../src/admin/crypto/madmin-crypto.ts";
import { encryptData } from "../../../src/admin/crypto/encrypt-data.ts";
import { wantsOldListShape } from "../../../src/admin/service-accounts.ts";
import { CANNED_POLICIES } from "../../../src/iam/canned.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { amzDate } from "../helpers/s3.ts";
import { toHex } from "../../../src/util/hash.ts";

const EP = "http://127.0.0.1:9000";
const ROOT = { accessKey: "AKIDTEST", secret: "secretsecret" };
const OLD_UA = "MinIO (linux; amd64) madmin-go/2.0.0 mc/RELEASE.2021-04-22T17-40-00Z";
const NEW_UA = "MinIO (linux; amd64) madmin-go/3.0.70 mc/RELEASE.2025-08-13T08-35-41Z";
const te = new TextEncoder();

const client = createMadminCrypto();


interface Call { body?: Uint8Array | string; as?: { accessKey: string; secret: string }; ua?: string; encrypt?: boolean }

async function sha256(b: Uint8Array) {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", b as BufferSource)));
}

function setup() {
  const env = memoryDeps();
  const call = async (method: string, path: string, o: Call = {}) => {
    const who = o.as ?? ROOT;
    let body = typeof o.body === "string" ? te.encode(o.body) : o.body ?? new Uint8Array(0);
    if (o.encrypt) body = await client.encrypt(who.secret, body);
    const url = new URL(EP + "/minio/admin/v3/" + path);
    const now = env.deps.clock.now();
    const date = amzDate(now);
    const payload = await sha256(body);
    const headers = new Headers({ host: url.host, "x-amz-date": date, "x-amz-content-sha256": payload });
    const names = [...headers.keys()].sort();
    const scope = `${date.slice(0, 8)}//s3/aws4_request`;
    const creq = canonicalRequest(method, awsUriEncode(decodeURIComponent(url.pathname), true), canonicalQuery(queryPairs(url)),
      canonicalHeaders(headers, names), names, payload);
    const sig = await sign(await signingKey(who.secret, date.slice(0, 8), "", "s3"), await stringToSign(date, scope, creq));
    headers.set("authorization", `AWS4-HMAC-SHA256 Credential=${who.accessKey}/${scope},SignedHeaders=${names.join(";")},Signature=${sig}`);
    headers.set("user-agent", o.ua ?? NEW_UA);
    return env.app.request(new Request(url, { method, headers, body: body.length ? (body as BodyInit) : undefined }));
  };
  /** Asserts the status and returns the plain JSON body (or null when empty). */
  const plain = async (res: Response, status = 200) => {
    const text = await res.text();
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const decrypted = async (res: Response, secret = ROOT.secret) => {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${new TextDecoder().decode(bytes)}`);
    const out = await client.decrypt(secret, bytes);
    if (!out) throw new Error("the answer does not decrypt");
    return JSON.parse(new TextDecoder().decode(out));
  };
  const error = async (res: Response, status: number, code: string) => {
    expect(res.headers.get("content-type")).toBe("application/json");
    const e = await res.json() as { Code: string; Message: string };
    expect({ status: res.status, code: e.Code }).toEqual({ status, code });
    return e;
  };
  const addUser = (name: string, secret: string, extra: Record<string, string> = {}) =>
    call("PUT", `add-user?accessKey=${name}`, { body: JSON.stringify({ secretKey: secret, status: "enabled", ...extra }), encrypt: true });
  return { env, call, plain, decrypted, error, addUser };
}

const DOC = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] });

// Each signer's first encrypted call costs an Argon2id on each side (~1 s of CPU, more on a loaded machine).
const SLOW = 30_000;
const t = setup();

describe("users", () => {
  it("add-user (encrypted) → user-info (plain) and list-users (encrypted); re-adding updates the secret and status", async () => {
    await t.plain(await t.addUser("user1", "user1secret"));
    const info = await t.plain(await t.call("GET", "user-info?accessKey=user1"));
    expect(info).toEqual({ status: "enabled", updatedAt: expect.stringMatching(/Z$/) });
    await t.plain(await t.addUser("user1", "user1secret2", { status: "disabled" }));
    const list = await t.decrypted(await t.call("GET", "list-users"));
    expect(list.user1).toEqual({ status: "disabled", updatedAt: expect.any(String) });
    expect((await t.env.deps.iam.getUser("user1"))?.secretKey).toBe("user1secret2");
  }, SLOW);

  it("add-user bodies under id 0x01 (ChaCha20-Poly1305, CPUs without AES) and 0x02 (PBKDF2, FIPS builds) are accepted too", async () => {
    for (const [id, name] of [[1, "chachauser"], [2, "fipsuser"]] as const) {
      const body = await encryptData(ROOT.secret, te.encode(JSON.stringify({ secretKey: `${name}-secret`, status: "enabled" })), { id });
      await t.plain(await t.call("PUT", `add-user?accessKey=${name}`, { body }));
      expect((await t.env.deps.iam.getUser(name))?.secretKey).toBe(`${name}-secret`);
    }
  }, SLOW);

  it("refusals: undecryptable body, root's key, short secret, bad access key, unknown user", async () => {
    await t.error(await t.call("PUT", "add-user?accessKey=user1", { body: JSON.stringify({ secretKey: "user1secret", status: "enabled" }) }), 400, "XMinioAdminConfigBadJSON");
    await t.error(await t.addUser("AKIDTEST", "whatever1"), 403, "XMinioInvalidIAMCredentials");
    await t.error(await t.addUser("user1", "short"), 400, "XMinioAdminInvalidSecretKey");
    await t.error(await t.addUser("u:1", "longenough"), 400, "XMinioAdminInvalidAccessKey");
    await t.error(await t.call("PUT", "add-user"), 400, "XMinioAdminInvalidArgument");
    await t.error(await t.call("GET", "user-info?accessKey=nobody"), 404, "XMinioAdminNoSuchUser");
    await t.error(await t.call("DELETE", "remove-user?accessKey=nobody"), 404, "XMinioAdminNoSuchUser");
    await t.error(await t.call("PUT", "set-user-status?accessKey=nobody&status=enabled"), 404, "XMinioAdminNoSuchUser");
  }, SLOW);

  it("set-user-status disables and enables; other statuses and root are refused; remove-user removes", async () => {
    await t.plain(await t.addUser("user1", "user1secret"));
    await t.plain(await t.call("PUT", "set-user-status?accessKey=user1&status=disabled"));
    expect((await t.plain(await t.call("GET", "user-info?accessKey=user1"))).status).toBe("disabled");
    await t.plain(await t.call("PUT", "set-user-status?accessKey=user1&status=enabled"));
    expect((await t.plain(await t.call("GET", "user-info?accessKey=user1"))).status).toBe("enabled");
    await t.error(await t.call("PUT", "set-user-status?accessKey=user1&status=off"), 400, "XMinioAdminInvalidArgument");
    await t.error(await t.call("PUT", "set-user-status?accessKey=AKIDTEST&status=disabled"), 400, "InvalidRequest");
    await t.plain(await t.call("DELETE", "remove-user?accessKey=user1"));
    await t.error(await t.call("GET", "user-info?accessKey=user1"), 404, "XMinioAdminNoSuchUser");
  }, SLOW);
});

describe("canned policies and their mapping", () => {
  it("add, info (raw and v=2), list (with the built-ins), remove; errors", async () => {
    await t.plain(await t.call("PUT", "add-canned-policy?name=getb", { body: DOC }));
    expect(await (await t.call("GET", "info-canned-policy?name=getb")).text()).toBe(DOC);
    const v2 = await t.plain(await t.call("GET", "info-canned-policy?name=getb&v=2"));
    expect(v2).toEqual({ PolicyName: "getb", Policy: JSON.parse(DOC), CreateDate: expect.any(String), UpdateDate: expect.any(String) });
    expect(await t.plain(await t.call("GET", "info-canned-policy?name=readonly&v=2"))).toEqual({ PolicyName: "readonly", Policy: JSON.parse(CANNED_POLICIES.readonly) });
    await t.error(await t.call("GET", "info-canned-policy?name=getb&v=3"), 400, "XMinioAdminInvalidArgument");
    const list = await t.plain(await t.call("GET", "list-canned-policies"));
    expect(Object.keys(list).sort()).toEqual(["consoleAdmin", "diagnostics", "getb", "readonly", "readwrite", "writeonly"]);
    expect(list.getb).toEqual(JSON.parse(DOC));
    await t.plain(await t.call("DELETE", "remove-canned-policy?name=getb"));
    await t.error(await t.call("GET", "info-canned-policy?name=getb"), 404, "XMinioAdminNoSuchPolicy");
    await t.error(await t.call("DELETE", "remove-canned-policy?name=getb"), 404, "XMinioAdminNoSuchPolicy");
    await t.error(await t.call("PUT", "add-canned-policy?name=x", { body: "{not json" }), 400, "XMinioMalformedIAMPolicy");
    await t.error(await t.call("PUT", "add-canned-policy?name=x", { body: JSON.stringify({ Statement: [] }) }), 400, "MalformedPolicy");
    await t.error(await t.call("PUT", "add-canned-policy?name=x", { body: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Maybe" }] }) }), 400, "XMinioMalformedIAMPolicy");
    await t.error(await t.call("PUT", "add-canned-policy?name=x"), 411, "MissingContentLength");
  }, SLOW);

  it("set-user-or-group-policy (the whole list), attach (201) / detach (204), policy-entities (encrypted)", async () => {
    await t.plain(await t.addUser("puser", "pusersecret"));
    await t.plain(await t.call("PUT", "update-group-members", { body: JSON.stringify({ group: "pdevs", members: ["puser"], isRemove: false }) }));
    await t.plain(await t.call("PUT", "set-user-or-group-policy?policyName=readonly,writeonly&userOrGroup=puser&isGroup=false"));
    expect((await t.plain(await t.call("GET", "user-info?accessKey=puser"))).policyName).toBe("readonly,writeonly");
    await t.plain(await t.call("PUT", "set-user-or-group-policy?policyName=&userOrGroup=puser&isGroup=false"));
    expect((await t.plain(await t.call("GET", "user-info?accessKey=puser"))).policyName).toBeUndefined();
    await t.error(await t.call("PUT", "set-user-or-group-policy?policyName=nope&userOrGroup=puser&isGroup=false"), 404, "XMinioAdminNoSuchPolicy");
    await t.error(await t.call("PUT", "set-user-or-group-policy?policyName=readonly&userOrGroup=ghost&isGroup=true"), 404, "XMinioAdminNoSuchGroup");

    const attach = (doc: unknown) => t.call("POST", "idp/builtin/policy/attach", { body: JSON.stringify(doc), encrypt: true });
    expect((await attach({ policies: ["readwrite"], group: "pdevs" })).status).toBe(201);
    expect((await attach({ policies: ["readonly"], user: "puser" })).status).toBe(201);
    expect((await attach({ policies: ["readonly"], user: "puser" })).status).toBe(201); // already attached: still 201
    await t.error(await attach({ policies: [], user: "puser" }), 400, "XMinioAdminInvalidArgument");
    await t.error(await attach({ policies: ["readonly"], user: "puser", group: "pdevs" }), 400, "XMinioAdminInvalidArgument");
    expect((await t.plain(await t.call("GET", "group?group=pdevs"))).policy).toBe("readwrite");

    const entities = await t.decrypted(await t.call("GET", "idp/builtin/policy-entities"));
    expect(entities).toEqual({
      timestamp: expect.any(String),
      userMappings: [{ user: "puser", policies: ["readonly"], memberOfMappings: [{ group: "pdevs", policies: ["readwrite"] }] }],
      groupMappings: [{ group: "pdevs", policies: ["readwrite"] }],
      policyMappings: [{ policy: "readwrite", users: [], groups: ["pdevs"] }, { policy: "readonly", users: ["puser"], groups: [] }]
        .sort((a, b) => (Object.keys(CANNED_POLICIES).indexOf(a.policy) - Object.keys(CANNED_POLICIES).indexOf(b.policy))),
    });
    const onlyPolicy = await t.decrypted(await t.call("GET", "idp/builtin/policy-entities?policy=readonly"));
    expect(onlyPolicy.policyMappings).toEqual([{ policy: "readonly", users: ["puser"], groups: [] }]);
    expect(onlyPolicy.userMappings).toBeUndefined();

    const detach = await t.call("POST", "idp/builtin/policy/detach", { body: JSON.stringify({ policies: ["readonly"], user: "puser" }), encrypt: true });
    expect(detach.status).toBe(204);
    expect((await t.plain(await t.call("GET", "user-info?accessKey=puser"))).policyName).toBeUndefined();
  }, SLOW);
});

describe("groups", () => {
  it("add members (creates), info, list, disable/enable, remove a member, remove only when empty", async () => {
    await t.plain(await t.addUser("guser1", "guser1secret"));
    await t.plain(await t.addUser("guser2", "guser2secret"));
    expect(await t.plain(await t.call("GET", "groups"))).not.toContain("gdevs");
    const update = (doc: unknown) => t.call("PUT", "update-group-members", { body: JSON.stringify(doc) });
    await t.plain(await update({ group: "gdevs", members: ["guser1", "guser2"], isRemove: false }));
    await t.error(await update({ group: "gdevs", members: ["ghost"], isRemove: false }), 404, "XMinioAdminNoSuchUser");
    expect(await t.plain(await t.call("GET", "group?group=gdevs"))).toEqual({ name: "gdevs", status: "enabled", members: ["guser1", "guser2"], policy: "", updatedAt: expect.any(String) });
    expect(await t.plain(await t.call("GET", "groups"))).toContain("gdevs");
    expect((await t.plain(await t.call("GET", "user-info?accessKey=guser1"))).memberOf).toEqual(["gdevs"]);
    await t.plain(await t.call("PUT", "set-group-status?group=gdevs&status=disabled"));
    expect((await t.plain(await t.call("GET", "group?group=gdevs"))).status).toBe("disabled");
    await t.error(await t.call("PUT", "set-group-status?group=gdevs&status=maybe"), 400, "XMinioAdminInvalidArgument");
    await t.plain(await t.call("PUT", "set-group-status?group=gdevs&status=enabled"));
    await t.error(await update({ group: "gdevs", members: [], isRemove: true }), 400, "XMinioAdminGroupNotEmpty");
    await t.plain(await update({ group: "gdevs", members: ["guser1", "guser2"], isRemove: true }));
    await t.plain(await update({ group: "gdevs", members: [], isRemove: true }));
    await t.error(await t.call("GET", "group?group=gdevs"), 404, "XMinioAdminNoSuchGroup");
    await t.error(await t.call("PUT", "set-group-status?group=gdevs&status=enabled"), 404, "XMinioAdminNoSuchGroup");
    await t.error(await t.call("PUT", "update-group-members", { body: "{oops" }), 400, "XMinioMalformedJSON");
  }, SLOW);
});

describe("service accounts", () => {
  it("add with generated keys (encrypted answer), list in both shapes, info, update (204), delete (204)", async () => {
    await t.plain(await t.addUser("suser", "susersecret", { policy: "readwrite" }));
    const added = await t.decrypted(await t.call("PUT", "add-service-account", { body: JSON.stringify({ targetUser: "suser" }), encrypt: true }));
    expect(added.credentials.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(added.credentials.secretKey).toHaveLength(40);
    const ak = added.credentials.accessKey;
    const inline = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] };
    const mine = await t.decrypted(await t.call("PUT", "add-service-account", {
      body: JSON.stringify({ targetUser: "suser", accessKey: "svc-one", secretKey: "svc-one-secret", policy: inline }), encrypt: true,
    }));
    expect(mine.credentials).toEqual({ accessKey: "svc-one", secretKey: "svc-one-secret" });

    const old = await t.decrypted(await t.call("GET", "list-service-accounts?user=suser", { ua: OLD_UA }));
    expect(old).toEqual({ accounts: [ak, "svc-one"].sort() });
    const now = await t.decrypted(await t.call("GET", "list-service-accounts?user=suser"));
    expect(now.accounts).toContainEqual({ parentUser: "suser", accountStatus: "on", impliedPolicy: false, accessKey: "svc-one" });
    expect(now.accounts).toContainEqual({ parentUser: "suser", accountStatus: "on", impliedPolicy: true, accessKey: ak });
    await t.error(await t.call("GET", "list-service-accounts?user=ghost"), 404, "XMinioAdminNoSuchUser");

    const info = await t.decrypted(await t.call("GET", `info-service-account?accessKey=${ak}`));
    expect(info).toMatchObject({ parentUser: "suser", accountStatus: "on", impliedPolicy: true, parentUserStatus: "enabled" });
    expect(JSON.parse(info.policy)).toEqual(JSON.parse(CANNED_POLICIES.readwrite)); // the parent's, merged
    const infoInline = await t.decrypted(await t.call("GET", "info-service-account?accessKey=svc-one"));
    expect(JSON.parse(infoInline.policy)).toEqual(inline);

    const update = (key: string, doc: unknown) => t.call("POST", `update-service-account?accessKey=${key}`, { body: JSON.stringify(doc), encrypt: true });
    expect((await update("svc-one", { newStatus: "off", newSecretKey: "", newPolicy: { Version: "", Statement: [] } })).status).toBe(204);
    const after = await t.decrypted(await t.call("GET", "info-service-account?accessKey=svc-one"));
    expect(after).toMatchObject({ accountStatus: "off", impliedPolicy: true });
    expect((await update("svc-one", { newStatus: "", newSecretKey: "a-new-secret" })).status).toBe(204);
    expect((await t.env.deps.iam.getServiceAccount("svc-one"))?.secretKey).toBe("a-new-secret");
    await t.error(await update("svc-one", { newStatus: "sideways" }), 400, "XMinioAdminInvalidArgument");
    await t.error(await update("nope", { newStatus: "on" }), 404, "XMinioAdminServiceAccountNotFound");

    expect((await t.call("DELETE", "delete-service-account?accessKey=svc-one")).status).toBe(204);
    await t.error(await t.call("DELETE", "delete-service-account?accessKey=svc-one"), 404, "XMinioAdminServiceAccountNotFound");
    await t.error(await t.call("GET", "info-service-account?accessKey=svc-one"), 404, "XMinioAdminServiceAccountNotFound");
    await t.error(await t.call("PUT", "add-service-account", { body: JSON.stringify({ targetUser: "ghost" }), encrypt: true }), 404, "XMinioAdminNoSuchUser");
    await t.error(await t.call("PUT", "add-service-account", { body: JSON.stringify({}), encrypt: true }), 403, "XMinioInvalidIAMCredentials");
  }, SLOW);

  it.each([
    [OLD_UA, true],
    ["MinIO (linux; amd64) madmin-go/0.0.1 mc/DEVELOPMENT.GOGET", true],
    ["MinIO (linux; amd64) madmin-go/2.0.0 mc/RELEASE.2023-05-26T23-31-54Z", false],
    ["MinIO (linux; amd64) madmin-go/2.0.0 mc/RELEASE.2023-05-04T18-10-16Z", true],
    ["MinIO (linux; amd64) madmin-go/2.0.0", false],
    [NEW_UA, false],
  ])("list shape for %s: old = %p (§7.3)", (ua, old) => {
    expect(wantsOldListShape(ua)).toBe(old);
  });
});

describe("info, accountinfo, and what the IAM users made here can do", () => {
  it("GET info: online, one FS server, the bucket count", async () => {
    await t.env.deps.meta.createBucket({ name: "b1", owner: "AKIDTEST", region: "us-east-1", created: 0 });
    const info = await t.plain(await t.call("GET", "info"));
    expect(info).toMatchObject({ mode: "online", region: "us-east-1", buckets: { count: 1 }, backend: { backendType: "FS" } });
    expect(info.deploymentID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(info.servers).toHaveLength(1);
    expect(info.servers[0]).toMatchObject({ state: "online", endpoint: "127.0.0.1:9000" });
    const acct = await t.plain(await t.call("GET", "accountinfo"));
    expect(acct).toMatchObject({ AccountName: "AKIDTEST", Server: { Type: 1 }, Buckets: [{ name: "b1", access: { read: true, write: true } }] });
  }, SLOW);

  it("a user without consoleAdmin is refused; with it, its own secret encrypts the answers", async () => {
    await t.plain(await t.addUser("plainuser", "plainsecret"));
    await t.error(await t.call("GET", "list-users", { as: { accessKey: "plainuser", secret: "plainsecret" } }), 403, "AccessDenied");
    await t.plain(await t.addUser("adminuser", "adminsecret", { policy: "consoleAdmin" }));
    const list = await t.decrypted(await t.call("GET", "list-users", { as: { accessKey: "adminuser", secret: "adminsecret" } }), "adminsecret");
    expect(Object.keys(list)).toEqual(expect.arrayContaining(["adminuser", "plainuser"]));
  }, SLOW);

  it("without admin rights a user may read its own user-info and account view (per-bucket access from its policy), nothing else", async () => {
    const me = { accessKey: "selfuser", secret: "selfsecret" };
    await t.plain(await t.addUser(me.accessKey, me.secret, { policy: "readonly" }));
    await t.plain(await t.addUser("otheruser", "othersecret"));
    expect((await t.plain(await t.call("GET", "user-info?accessKey=selfuser", { as: me }))).policyName).toBe("readonly");
    await t.error(await t.call("GET", "user-info?accessKey=otheruser", { as: me }), 403, "AccessDenied");
    await t.env.deps.meta.createBucket({ name: "acctbucket", owner: "AKIDTEST", created: t.env.deps.clock.now(), region: "us-east-1" });
    const info = await t.plain(await t.call("GET", "accountinfo", { as: me }));
    expect(info.AccountName).toBe("selfuser");
    expect(info.Buckets.find((b: { name: string }) => b.name === "acctbucket").access).toEqual({ read: true, write: false });
    const rootView = await t.plain(await t.call("GET", "accountinfo"));
    expect(rootView.Buckets.find((b: { name: string }) => b.name === "acctbucket").access).toEqual({ read: true, write: true });
  }, SLOW);

  it("set-user-status asks for admin:DisableUser to disable and admin:EnableUser to enable", async () => {
    const doc = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [action] }] });
    await t.plain(await t.call("PUT", "add-canned-policy?name=onlyenable", { body: doc("admin:EnableUser") }));
    const op = { accessKey: "enableop", secret: "enableopsecret" };
    await t.plain(await t.addUser(op.accessKey, op.secret, { policy: "onlyenable" }));
    await t.plain(await t.addUser("target1", "target1secret"));
    await t.error(await t.call("PUT", "set-user-status?accessKey=target1&status=disabled", { as: op }), 403, "AccessDenied");
    await t.plain(await t.call("PUT", "set-user-status?accessKey=target1&status=disabled"));
    await t.plain(await t.call("PUT", "set-user-status?accessKey=target1&status=enabled", { as: op }));
  }, SLOW);

  it.each(["list-config-history-kv?count=10", "storageinfo", "list-access-keys-bulk?listType=all"])(
    "GET %s → 501 NotImplemented (not retried by madmin), never 400 or 500", async (path) => {
      await t.error(await t.call("GET", path), 501, "NotImplemented");
    });
});
