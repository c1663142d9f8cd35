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
import { bucketName, useServer } from "./harness.ts";

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
