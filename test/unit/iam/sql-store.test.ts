// The SQLite IamStore (the one Bun keeps in meta.sqlite and the IamShard object runs on
// Workers): CRUD of users, groups, policies and service accounts, the references it checks,
// the built-in canned policies, and the version stamp that moves with every committed write
// and never with a refused one.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqlIamStore } from "../../../src/iam/sql-store.ts";
import { CANNED_POLICIES } from "../../../src/iam/canned.ts";
import type { IamErrorCode, IamStore, IamWrite } from "../../../src/iam/store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-iam-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let now = 1_700_000_000_000;
const open = (path = ":memory:") => {
  const driver = createBunSqliteDriver(path, { fsync: false });
  return { driver, iam: createSqlIamStore(driver, { now: () => now }) };
};

const ok = (w: IamWrite) => {
  if (!w.ok) throw new Error(`refused: ${w.error}: ${w.message}`);
  return w.version;
};

const DOC = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] });

/** A store with user user1 (readonly), user2, group devs {user1} with readwrite, policy getb, and an account of user1. */
async function seeded() {
  const { iam } = open();
  ok(await iam.putPolicy("getb", DOC));
  ok(await iam.putUser({ accessKey: "user1", secretKey: "secret-u1", status: "enabled", policies: ["readonly"] }));
  ok(await iam.putUser({ accessKey: "user2", secretKey: "secret-u2", status: "enabled" }));
  ok(await iam.addGroupMembers("devs", ["user1"]));
  ok(await iam.setPolicies({ group: "devs" }, ["readwrite"]));
  ok(await iam.putServiceAccount({ accessKey: "SA1", secretKey: "secret-sa1", parent: "user1" }));
  return iam;
}

describe("IamStore (SQLite): users", () => {
  it("adds, reads, lists, upserts (policies kept), disables and removes a user", async () => {
    const { iam } = open();
    ok(await iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readonly", "writeonly"] }));
    // Secrets are kept in plaintext: SigV4 needs them.
    expect(await iam.getUser("alice")).toEqual({
      accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readonly", "writeonly"], memberOf: [], updatedAt: now,
    });
    now += 1000;
    // madmin add-user is an upsert: a new secret and status; the attached policies stay.
    ok(await iam.putUser({ accessKey: "alice", secretKey: "new-secret", status: "disabled" }));
    expect(await iam.getUser("alice")).toMatchObject({ secretKey: "new-secret", status: "disabled", policies: ["readonly", "writeonly"], updatedAt: now });
    ok(await iam.setUserStatus("alice", "enabled"));
    ok(await iam.putUser({ accessKey: "bob", secretKey: "bob-secret", status: "enabled" }));
    expect((await iam.listUsers()).map((u) => [u.accessKey, u.status])).toEqual([["alice", "enabled"], ["bob", "enabled"]]);
    ok(await iam.deleteUser("bob"));
    expect(await iam.getUser("bob")).toBeNull();
    expect(await iam.getUser("nobody")).toBeNull();
  });

  it("removing a user removes its service accounts, group memberships and policy mapping", async () => {
    const iam = await seeded();
    ok(await iam.deleteUser("user1"));
    expect(await iam.listServiceAccounts()).toEqual([]);
    expect((await iam.getGroup("devs"))!.members).toEqual([]);
    // A user of the same name later starts with nothing attached.
    ok(await iam.putUser({ accessKey: "user1", secretKey: "secret-u1", status: "enabled" }));
    expect(await iam.getUser("user1")).toMatchObject({ policies: [], memberOf: [] });
  });
});

describe("IamStore (SQLite): groups", () => {
  it("adding members creates the group; members see it in memberOf; status and removal", async () => {
    const iam = await seeded();
    ok(await iam.addGroupMembers("devs", ["user2", "user1"]));
    expect(await iam.getGroup("devs")).toMatchObject({ name: "devs", status: "enabled", members: ["user1", "user2"], policies: ["readwrite"] });
    expect((await iam.getUser("user2"))!.memberOf).toEqual(["devs"]);
    ok(await iam.setGroupStatus("devs", "disabled"));
    expect((await iam.getGroup("devs"))!.status).toBe("disabled");
    ok(await iam.removeGroupMembers("devs", ["user1", "user2"]));
    expect((await iam.getGroup("devs"))!.members).toEqual([]);
    ok(await iam.deleteGroup("devs"));
    expect(await iam.listGroups()).toEqual([]);
    // Its mapping went with it: a new group of that name has no policies.
    ok(await iam.addGroupMembers("devs", []));
    expect(await iam.getGroup("devs")).toMatchObject({ members: [], policies: [] });
  });
});

describe("IamStore (SQLite): policies", () => {
  it("always has the five canned policies, read-only", async () => {
    const { iam } = open();
    const list = await iam.listPolicies();
    expect(list.map((p) => p.name)).toEqual(["readwrite", "readonly", "writeonly", "diagnostics", "consoleAdmin"]);
    expect(list.every((p) => p.builtin && p.createdAt === undefined)).toBe(true);
    const ro = await iam.getPolicy("readonly");
    expect(JSON.parse(ro!.document)).toEqual({
      Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:GetObject"], Resource: ["arn:aws:s3:::*"] }],
    });
    expect(JSON.parse(CANNED_POLICIES.consoleAdmin).Statement[0]).toEqual({ Effect: "Allow", Action: ["admin:*"] });
    for (const name of Object.keys(CANNED_POLICIES)) {
      expect(await iam.deletePolicy(name)).toMatchObject({ ok: false, error: "PolicyBuiltin" });
      expect(await iam.putPolicy(name, DOC)).toMatchObject({ ok: false, error: "PolicyBuiltin" });
    }
    expect(await iam.version()).toBe(0);
  });

  it("stores a custom document as given, replaces it, lists it after the built-ins, removes it", async () => {
    const { iam } = open();
    const raw = `{ "Version": "2012-10-17",\n  "Statement": [] }`;
    ok(await iam.putPolicy("mine", raw));
    expect(await iam.getPolicy("mine")).toEqual({ name: "mine", document: raw, builtin: false, createdAt: now, updatedAt: now });
    const created = now;
    now += 5000;
    ok(await iam.putPolicy("mine", DOC));
    expect(await iam.getPolicy("mine")).toEqual({ name: "mine", document: DOC, builtin: false, createdAt: created, updatedAt: now });
    expect((await iam.listPolicies()).at(-1)!.name).toBe("mine");
    ok(await iam.deletePolicy("mine"));
    expect(await iam.getPolicy("mine")).toBeNull();
  });

  it("sets, attaches and detaches the policies of users and groups, in order, each once", async () => {
    const iam = await seeded();
    ok(await iam.setPolicies({ user: "user2" }, ["getb", "readonly", "getb"]));
    expect((await iam.getUser("user2"))!.policies).toEqual(["getb", "readonly"]);
    ok(await iam.attachPolicies({ user: "user2" }, ["readonly", "writeonly"]));
    expect((await iam.getUser("user2"))!.policies).toEqual(["getb", "readonly", "writeonly"]);
    ok(await iam.detachPolicies({ user: "user2" }, ["readonly", "diagnostics"]));
    expect((await iam.getUser("user2"))!.policies).toEqual(["getb", "writeonly"]);
    ok(await iam.attachPolicies({ group: "devs" }, ["getb"]));
    expect((await iam.getGroup("devs"))!.policies).toEqual(["readwrite", "getb"]);
    ok(await iam.setPolicies({ user: "user2" }, []));
    expect((await iam.getUser("user2"))!.policies).toEqual([]);
  });
});

describe("IamStore (SQLite): service accounts", () => {
  it("adds, reads, lists by parent, updates and removes an account", async () => {
    const iam = await seeded();
    const exp = now + 86_400_000;
    ok(await iam.putServiceAccount({
      accessKey: "SA2", secretKey: "secret-sa2", parent: "user2", sessionPolicy: DOC, name: "ci-bot", description: "CI", expiration: exp,
    }));
    expect(await iam.getServiceAccount("SA2")).toEqual({
      accessKey: "SA2", secretKey: "secret-sa2", parent: "user2", sessionPolicy: DOC, name: "ci-bot", description: "CI", expiration: exp,
      status: "enabled", updatedAt: now,
    });
    expect((await iam.listServiceAccounts("user1")).map((a) => a.accessKey)).toEqual(["SA1"]);
    expect((await iam.listServiceAccounts()).map((a) => a.accessKey)).toEqual(["SA1", "SA2"]);
    // null clears: back to the parent's (implied) policy, no expiration.
    ok(await iam.updateServiceAccount("SA2", { secretKey: "rotated-secret", status: "disabled", sessionPolicy: null, expiration: null }));
    expect(await iam.getServiceAccount("SA2")).toEqual({
      accessKey: "SA2", secretKey: "rotated-secret", parent: "user2", name: "ci-bot", description: "CI", status: "disabled", updatedAt: now,
    });
    ok(await iam.deleteServiceAccount("SA2"));
    expect(await iam.getServiceAccount("SA2")).toBeNull();
  });
});

// Each refused write: its error, and neither the version nor anything else moved.
const refusals: [string, IamErrorCode, (iam: IamStore) => Promise<IamWrite>][] = [
  ["an access key too short", "InvalidArgument", (i) => i.putUser({ accessKey: "ab", secretKey: "secret-xx", status: "enabled" })],
  ["an access key with '/'", "InvalidArgument", (i) => i.putUser({ accessKey: "a/b", secretKey: "secret-xx", status: "enabled" })],
  ["a secret under 8 characters", "InvalidArgument", (i) => i.putUser({ accessKey: "carol", secretKey: "short", status: "enabled" })],
  ["an unknown status", "InvalidArgument", (i) => i.setUserStatus("user1", "off" as never)],
  ["a user whose key names a service account", "AccessKeyInUse", (i) => i.putUser({ accessKey: "SA1", secretKey: "secret-xx", status: "enabled" })],
  ["a new user with an unknown policy (the user row rolls back too)", "NoSuchPolicy",
    (i) => i.putUser({ accessKey: "carol", secretKey: "secret-xx", status: "enabled", policies: ["readonly", "nope"] })],
  ["the status of an unknown user", "NoSuchUser", (i) => i.setUserStatus("nobody", "disabled")],
  ["removing an unknown user", "NoSuchUser", (i) => i.deleteUser("nobody")],
  ["a group member who is no user (the group is not created)", "NoSuchUser", (i) => i.addGroupMembers("ops", ["user1", "nobody"])],
  ["a group name with a comma", "InvalidArgument", (i) => i.addGroupMembers("a,b", ["user1"])],
  ["removing members of an unknown group", "NoSuchGroup", (i) => i.removeGroupMembers("ops", ["user1"])],
  ["removing a group with members", "GroupNotEmpty", (i) => i.deleteGroup("devs")],
  ["the status of an unknown group", "NoSuchGroup", (i) => i.setGroupStatus("ops", "disabled")],
  ["a policy that is not JSON", "InvalidArgument", (i) => i.putPolicy("bad", "{nope")],
  ["a policy that is a JSON array", "InvalidArgument", (i) => i.putPolicy("bad", "[]")],
  ["a policy name with a comma", "InvalidArgument", (i) => i.putPolicy("a,b", DOC)],
  ["removing an unknown policy", "NoSuchPolicy", (i) => i.deletePolicy("nope")],
  ["removing a policy in use", "PolicyInUse", async (i) => { ok(await i.setPolicies({ user: "user2" }, ["getb"])); return i.deletePolicy("getb"); }],
  ["attaching an unknown policy", "NoSuchPolicy", (i) => i.attachPolicies({ user: "user1" }, ["nope"])],
  ["policies of an unknown user", "NoSuchUser", (i) => i.setPolicies({ user: "nobody" }, ["readonly"])],
  ["policies of an unknown group", "NoSuchGroup", (i) => i.attachPolicies({ group: "ops" }, ["readonly"])],
  ["an account of an unknown parent", "NoSuchUser", (i) => i.putServiceAccount({ accessKey: "SA9", secretKey: "secret-sa9", parent: "nobody" })],
  ["an account whose key names a user", "AccessKeyInUse", (i) => i.putServiceAccount({ accessKey: "user2", secretKey: "secret-sa9", parent: "user1" })],
  ["an account whose key is taken", "AccessKeyInUse", (i) => i.putServiceAccount({ accessKey: "SA1", secretKey: "secret-sa9", parent: "user2" })],
  ["an account with a session policy that is not JSON", "InvalidArgument",
    (i) => i.putServiceAccount({ accessKey: "SA9", secretKey: "secret-sa9", parent: "user1", sessionPolicy: "allow all" })],
  ["an account name starting with a digit", "InvalidArgument", (i) => i.putServiceAccount({ accessKey: "SA9", secretKey: "secret-sa9", parent: "user1", name: "9lives" })],
  ["an account description over 256 bytes", "InvalidArgument",
    (i) => i.putServiceAccount({ accessKey: "SA9", secretKey: "secret-sa9", parent: "user1", description: "é".repeat(129) })],
  ["updating an unknown account", "NoSuchServiceAccount", (i) => i.updateServiceAccount("SA9", { status: "disabled" })],
  ["updating an account with a bad secret (nothing else changes)", "InvalidArgument",
    (i) => i.updateServiceAccount("SA1", { status: "disabled", secretKey: "short" })],
  ["removing an unknown account", "NoSuchServiceAccount", (i) => i.deleteServiceAccount("SA9")],
];

describe("IamStore (SQLite): refused writes change nothing", () => {
  it.each(refusals)("%s → %s", async (_, code, write) => {
    const iam = await seeded();
    // (The PolicyInUse case commits its own setup first.)
    const setup = await iam.snapshot();
    const r = await write(iam);
    expect(r).toMatchObject({ ok: false, error: code });
    expect(typeof (r as { message?: string }).message).toBe("string");
    const after = await iam.snapshot();
    expect(after.version).toBe(await iam.version());
    if (code !== "PolicyInUse") expect(after).toEqual(setup);
    else expect(after.policies.map((p) => p.name)).toContain("getb");
  });
});

describe("IamStore (SQLite): version stamp", () => {
  it("moves by one with every committed write, reported by the write, and never with a refused one", async () => {
    const { iam } = open();
    expect(await iam.version()).toBe(0);
    const writes: (() => Promise<IamWrite>)[] = [
      () => iam.putUser({ accessKey: "user1", secretKey: "secret-u1", status: "enabled" }),
      () => iam.setUserStatus("user1", "disabled"),
      () => iam.putPolicy("p", DOC),
      () => iam.attachPolicies({ user: "user1" }, ["p"]),
      () => iam.addGroupMembers("g", ["user1"]),
      () => iam.putServiceAccount({ accessKey: "SA1", secretKey: "secret-sa1", parent: "user1" }),
      () => iam.updateServiceAccount("SA1", { status: "disabled" }),
      () => iam.deleteServiceAccount("SA1"),
    ];
    for (const [i, w] of writes.entries()) {
      expect(ok(await w())).toBe(i + 1);
      expect(await iam.version()).toBe(i + 1);
      // A refused write in between: same version.
      expect((await iam.deletePolicy("readonly")).ok).toBe(false);
      expect(await iam.version()).toBe(i + 1);
    }
    expect((await iam.snapshot()).version).toBe(writes.length);
  });

  it("the bump commits with the change: a write that fails midway leaves neither", async () => {
    const { driver, iam } = open();
    // The user row is written before the unknown policy is found; the transaction takes both back.
    expect((await iam.putUser({ accessKey: "carol", secretKey: "secret-xx", status: "enabled", policies: ["nope"] })).ok).toBe(false);
    expect(driver.all("SELECT COUNT(*) AS n FROM iam_users")[0].n).toBe(0);
    expect(await iam.version()).toBe(0);
  });
});

describe("IamStore (SQLite): a file database", () => {
  it("keeps everything and the version across closing and reopening (Bun's meta.sqlite)", async () => {
    const path = join(root, "meta.sqlite");
    const first = open(path);
    ok(await first.iam.putPolicy("getb", DOC));
    ok(await first.iam.putUser({ accessKey: "user1", secretKey: "secret-u1", status: "enabled", policies: ["getb", "readonly"] }));
    ok(await first.iam.addGroupMembers("devs", ["user1"]));
    ok(await first.iam.putServiceAccount({ accessKey: "SA1", secretKey: "secret-sa1", parent: "user1", sessionPolicy: DOC }));
    const before = await first.iam.snapshot();
    await first.driver.close();

    const again = open(path);
    expect(await again.iam.snapshot()).toEqual(before);
    expect(await again.iam.version()).toBe(4);
    ok(await again.iam.setUserStatus("user1", "disabled"));
    expect(await again.iam.version()).toBe(5);
    await again.driver.close();
  });
});
