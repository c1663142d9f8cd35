// Identities of the IamStore signing real requests through createApp (memory blobs, SQLite
// metadata and IAM): users, groups, service accounts and bucket policies, allowed and denied,
// and how soon the node sees a change. The store is filled directly, as the admin API would.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, s3, type Env } from "../helpers/s3.ts";
import type { IamWrite } from "../../../src/iam/store.ts";
import { createAuthorizer } from "../../../src/auth/authorize.ts";
import { createIamCache } from "../../../src/iam/cache.ts";

const ALICE = { accessKeyId: "alice", secretAccessKey: "alice-secret" };
const BOB = { accessKeyId: "bob", secretAccessKey: "bob-secret1" };
const SVC = { accessKeyId: "svc-alice", secretAccessKey: "svc-secret1" };

const ok = async (w: Promise<IamWrite>) => expect((await w).ok).toBe(true);
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

async function setup(fill: (env: Env) => Promise<void> = async () => {}) {
  const env = memoryDeps({ refreshIamIntervalMs: 60_000 });
  const c = s3(env);
  await c.createBucket("bkt");
  expect((await c.put("bkt", "k", "hello")).status).toBe(200);
  expect((await c.put("bkt", "home/alice/a", "a")).status).toBe(200);
  expect((await c.put("bkt", "home/bob/b", "b")).status).toBe(200);
  await fill(env);
  const as = (creds: { accessKeyId: string; secretAccessKey: string }) => ({
    send: (path: string, opts: Parameters<typeof c.send>[1] = {}) => c.send(path, { ...opts, creds }),
    status: async (path: string, opts: Parameters<typeof c.send>[1] = {}) => (await c.send(path, { ...opts, creds })).status,
  });
  return { env, c, as, anon: as(undefined as never), iam: env.deps.iam };
}

const status = async (res: Promise<Response>) => (await res).status;

describe("users", () => {
  it("a new user with no policy can do nothing; its secret must match", async () => {
    const { c, as } = await setup(async ({ deps }) => { await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled" })); });
    const alice = as(ALICE);
    expect(await alice.status("/bkt/k")).toBe(403);
    expect(await errorCode(await alice.send("/bkt?list-type=2"))).toBe("AccessDenied");
    expect(await alice.status("/")).toBe(403);
    expect(await errorCode(await c.send("/bkt/k", { creds: { accessKeyId: "alice", secretAccessKey: "wrong-secret" } }))).toBe("SignatureDoesNotMatch");
    expect(await errorCode(await c.send("/bkt/k", { creds: { accessKeyId: "nobody", secretAccessKey: "wrong-secret" } }))).toBe("InvalidAccessKeyId");
  });

  it("readonly: GetObject yes; ListBucket, PutObject and DeleteObject no (MinIO's canned readonly)", async () => {
    const { as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readonly"] }));
    });
    const alice = as(ALICE);
    expect(await alice.status("/bkt/k")).toBe(200);
    expect(await alice.status("/bkt/k", { method: "HEAD" })).toBe(200);
    expect(await alice.status("/bkt?location")).toBe(200);
    expect(await alice.status("/bkt?list-type=2")).toBe(403);
    expect(await alice.status("/bkt/new", { method: "PUT", body: "x" })).toBe(403);
    expect(await alice.status("/bkt/k", { method: "DELETE" })).toBe(403);
  });

  it("readwrite through a group; a disabled group grants nothing (after the refresh interval)", async () => {
    const { env, as, iam } = await setup(async ({ deps }) => {
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled" }));
      await ok(deps.iam.addGroupMembers("devs", ["alice"]));
      await ok(deps.iam.setPolicies({ group: "devs" }, ["readwrite"]));
    });
    const alice = as(ALICE);
    expect(await alice.status("/bkt/new", { method: "PUT", body: "x" })).toBe(200);
    expect(await alice.status("/bkt?list-type=2")).toBe(200);
    await ok(iam.setGroupStatus("devs", "disabled"));
    // Written behind the app's back (another node): seen once the interval has passed.
    expect(await alice.status("/bkt/new")).toBe(200);
    env.setNow(env.deps.clock.now() + 60_001);
    expect(await alice.status("/bkt/new")).toBe(403);
  });

  it("a home-folder policy with ${aws:username}: own prefix only, listing limited by s3:prefix", async () => {
    const home = doc(
      { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::bkt", Condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*"] } } },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::bkt/home/${aws:username}/*" },
    );
    const { as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putPolicy("home", home));
      for (const u of [ALICE, BOB]) await ok(deps.iam.putUser({ accessKey: u.accessKeyId, secretKey: u.secretAccessKey, status: "enabled", policies: ["home"] }));
    });
    const alice = as(ALICE), bob = as(BOB);
    expect(await alice.status("/bkt/home/alice/a")).toBe(200);
    expect(await alice.status("/bkt/home/bob/b")).toBe(403);
    expect(await bob.status("/bkt/home/bob/b")).toBe(200);
    expect(await alice.status("/bkt/home/alice/new", { method: "PUT", body: "x" })).toBe(200);
    expect(await alice.status("/bkt?list-type=2&prefix=home/alice/")).toBe(200);
    expect(await alice.status("/bkt?list-type=2&prefix=home/bob/")).toBe(403);
    expect(await alice.status("/bkt?list-type=2")).toBe(403);
  });

  it("an explicit Deny in the user's policy beats readwrite; root is never refused", async () => {
    const { c, as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putPolicy("no-delete", doc({ Effect: "Deny", Action: "s3:Delete*", Resource: "arn:aws:s3:::*" })));
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite", "no-delete"] }));
    });
    expect(await as(ALICE).status("/bkt/k", { method: "DELETE" })).toBe(403);
    expect(await as(ALICE).status("/bkt/k")).toBe(200);
    expect(await status(c.send("/bkt/k", { method: "DELETE" }))).toBe(204);
  });

  it("DeleteObjects asks per key: a prefix-scoped delete right deletes those keys only", async () => {
    const { as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putPolicy("del-home", doc({ Effect: "Allow", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::bkt/home/alice/*" })));
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["del-home"] }));
    });
    const body = "<Delete><Object><Key>home/alice/a</Key></Object><Object><Key>k</Key></Object></Delete>";
    const md5 = new Bun.CryptoHasher("md5").update(body).digest("base64");
    const res = await as(ALICE).send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5 } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("<Deleted><Key>home/alice/a</Key></Deleted>");
    expect(text).toContain("<Key>k</Key><Code>AccessDenied</Code>");
  });

  it("CopyObject needs GetObject on the source too", async () => {
    const { as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putPolicy("put-only", doc({ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::bkt/*" })));
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["put-only"] }));
      await ok(deps.iam.putUser({ accessKey: "bob", secretKey: "bob-secret1", status: "enabled", policies: ["readwrite"] }));
    });
    expect(await as(ALICE).status("/bkt/copy", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/k" } })).toBe(403);
    expect(await as(BOB).status("/bkt/copy", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/k" } })).toBe(200);
  });

  it("a disabled user is refused at authentication (InvalidAccessKeyId) once the view is refreshed", async () => {
    const { env, as, iam } = await setup(async ({ deps }) => {
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite"] }));
    });
    expect(await as(ALICE).status("/bkt/k")).toBe(200);
    await ok(iam.setUserStatus("alice", "disabled"));
    env.setNow(env.deps.clock.now() + 60_001);
    expect(await errorCode(await as(ALICE).send("/bkt/k"))).toBe("InvalidAccessKeyId");
  });

  it("a user created on another node signs in at once (an unknown key re-reads the version stamp)", async () => {
    const { env, as, iam } = await setup();
    expect(await errorCode(await as(ALICE).send("/bkt/k"))).toBe("InvalidAccessKeyId");
    await ok(iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readonly"] }));
    // The miss check is rate-limited to once a second, far below the 60 s interval.
    env.setNow(env.deps.clock.now() + 1001);
    expect(await as(ALICE).status("/bkt/k")).toBe(200);
  });
});

describe("service accounts", () => {
  async function withSvc(sessionPolicy?: string, extra: Partial<{ expiration: number; status: "enabled" | "disabled" }> = {}) {
    return setup(async ({ deps }) => {
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite"] }));
      await ok(deps.iam.putServiceAccount({ accessKey: "svc-alice", secretKey: "svc-secret1", parent: "alice", ...(sessionPolicy ? { sessionPolicy } : {}), ...extra }));
    });
  }

  it("inherits the parent's rights", async () => {
    const { as } = await withSvc();
    expect(await as(SVC).status("/bkt/new", { method: "PUT", body: "x" })).toBe(200);
    expect(await as(SVC).status("/bkt?list-type=2")).toBe(200);
  });

  it("a session policy narrows the parent's rights and cannot widen them", async () => {
    const { as } = await withSvc(doc({ Effect: "Allow", Action: ["s3:GetObject", "admin:*"], Resource: "arn:aws:s3:::bkt/*" }));
    expect(await as(SVC).status("/bkt/k")).toBe(200);
    expect(await as(SVC).status("/bkt/new", { method: "PUT", body: "x" })).toBe(403);
    expect(await as(SVC).status("/bkt?list-type=2")).toBe(403);
  });

  it("an expired account, a disabled one and one whose parent is disabled are refused", async () => {
    const expired = await withSvc(undefined, { expiration: Date.now() - 1000 });
    expect(await errorCode(await expired.as(SVC).send("/bkt/k"))).toBe("InvalidAccessKeyId");
    const off = await withSvc(undefined, { status: "disabled" });
    expect(await errorCode(await off.as(SVC).send("/bkt/k"))).toBe("InvalidAccessKeyId");
    const orphan = await withSvc();
    await ok(orphan.iam.setUserStatus("alice", "disabled"));
    orphan.env.setNow(orphan.env.deps.clock.now() + 60_001);
    expect(await errorCode(await orphan.as(SVC).send("/bkt/k"))).toBe("InvalidAccessKeyId");
  });
});

describe("bucket policies", () => {
  const put = (c: ReturnType<typeof s3>, policy: string) => c.send("/bkt?policy", { method: "PUT", body: policy });

  it("grant a named user what its identity policies do not", async () => {
    const { c, as } = await setup(async ({ deps }) => { await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled" })); });
    expect(await as(ALICE).status("/bkt/k")).toBe(403);
    expect(await status(put(c, doc({ Effect: "Allow", Principal: { AWS: ["arn:aws:iam::*:user/alice"] }, Action: "s3:GetObject", Resource: "arn:aws:s3:::bkt/*" })))).toBe(204);
    expect(await as(ALICE).status("/bkt/k")).toBe(200);
    expect(await as(ALICE).status("/bkt/new", { method: "PUT", body: "x" })).toBe(403);
  });

  it("an explicit Deny to everyone refuses readwrite users, not root", async () => {
    const { c, as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite"] }));
    });
    expect(await status(put(c, doc({ Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::bkt/*" })))).toBe(204);
    expect(await as(ALICE).status("/bkt/k", { method: "DELETE" })).toBe(403);
    expect(await as(ALICE).status("/bkt/k")).toBe(200);
    expect(await status(c.send("/bkt/k", { method: "DELETE" }))).toBe(204);
  });

  it("anonymous: the download policy (mc anonymous set download) allows GET/HEAD and listing, nothing else", async () => {
    const { c } = await setup();
    expect(await status(c.send("/bkt/k", { anonymous: true }))).toBe(403);
    const download = JSON.stringify({ Version: "2012-10-17", Statement: [
      { Action: ["s3:GetBucketLocation", "s3:ListBucket"], Effect: "Allow", Principal: { AWS: ["*"] }, Resource: ["arn:aws:s3:::bkt"], Sid: "" },
      { Action: ["s3:GetObject"], Effect: "Allow", Principal: { AWS: ["*"] }, Resource: ["arn:aws:s3:::bkt/*"], Sid: "" },
    ] });
    expect(await status(put(c, download))).toBe(204);
    const get = await c.send("/bkt/k", { anonymous: true });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello");
    expect(await status(c.send("/bkt/k", { anonymous: true, method: "HEAD" }))).toBe(200);
    expect(await status(c.send("/bkt?list-type=2", { anonymous: true }))).toBe(200);
    expect(await status(c.send("/bkt", { anonymous: true }))).toBe(200);
    for (const [path, method] of [["/bkt/k", "PUT"], ["/bkt/k", "DELETE"], ["/bkt?policy", "GET"], ["/bkt?policy", "DELETE"], ["/", "GET"], ["/bkt?uploads", "GET"]]) {
      const res = await c.send(path, { anonymous: true, method, body: method === "PUT" ? "x" : undefined });
      expect([path, method, res.status]).toEqual([path, method, 403]);
    }
    expect(await errorCode(await c.send("/other/k", { anonymous: true }))).toBe("NoSuchBucket");
  });

  it("anonymous listing limited by an s3:prefix condition (mc anonymous set download bkt/home/alice/)", async () => {
    const { c } = await setup();
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
      { Action: ["s3:GetBucketLocation"], Effect: "Allow", Principal: { AWS: ["*"] }, Resource: ["arn:aws:s3:::bkt"], Sid: "" },
      { Action: ["s3:ListBucket"], Condition: { StringEquals: { "s3:prefix": ["home/alice/"] } }, Effect: "Allow", Principal: { AWS: ["*"] }, Resource: ["arn:aws:s3:::bkt"], Sid: "" },
      { Action: ["s3:GetObject"], Effect: "Allow", Principal: { AWS: ["*"] }, Resource: ["arn:aws:s3:::bkt/home/alice/*"], Sid: "" },
    ] });
    expect(await status(put(c, policy))).toBe(204);
    expect(await status(c.send("/bkt?list-type=2&prefix=home%2Falice%2F", { anonymous: true }))).toBe(200);
    expect(await status(c.send("/bkt?list-type=2&prefix=home%2Fbob%2F", { anonymous: true }))).toBe(403);
    expect(await status(c.send("/bkt?list-type=2", { anonymous: true }))).toBe(403);
    expect(await status(c.send("/bkt/home/alice/a", { anonymous: true }))).toBe(200);
    expect(await status(c.send("/bkt/home/bob/b", { anonymous: true }))).toBe(403);
  });
});

describe("admin actions", () => {
  it("consoleAdmin allows admin:* (no Resource), readwrite does not, diagnostics only its own", async () => {
    const env = memoryDeps();
    const { iam } = env.deps;
    await ok(iam.putUser({ accessKey: "admin1", secretKey: "secretsecret", status: "enabled", policies: ["consoleAdmin"] }));
    await ok(iam.putUser({ accessKey: "rwuser", secretKey: "secretsecret", status: "enabled", policies: ["readwrite"] }));
    await ok(iam.putUser({ accessKey: "diag", secretKey: "secretsecret", status: "enabled", policies: ["diagnostics"] }));
    const authz = createAuthorizer({ cache: createIamCache({ store: iam, now: env.deps.clock.now, refreshMs: 60_000 }) });
    const ask = (accessKey: string, action: string) =>
      authz({ kind: "user", accessKey }, action, "arn:minio:admin:::*", {}).then(() => "allow", () => "deny");
    expect(await ask("admin1", "admin:CreateUser")).toBe("allow");
    expect(await ask("rwuser", "admin:CreateUser")).toBe("deny");
    expect(await ask("diag", "admin:ServerInfo")).toBe("allow");
    expect(await ask("diag", "admin:CreateUser")).toBe("deny");
    expect(await authz({ kind: "anonymous" }, "admin:ServerInfo", "arn:minio:admin:::*", {}).then(() => "allow", () => "deny")).toBe("deny");
  });
});

describe("the node's own writes", () => {
  it("a user disabled through this node's admin API is refused by the next request, interval or not", async () => {
    const { c, as } = await setup(async ({ deps }) => {
      await ok(deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["readwrite"] }));
    });
    expect(await as(ALICE).status("/bkt/k")).toBe(200);
    const res = await c.send("/minio/admin/v3/set-user-status?accessKey=alice&status=disabled", { method: "PUT" });
    expect(res.status).toBe(200);
    expect(await errorCode(await as(ALICE).send("/bkt/k"))).toBe("InvalidAccessKeyId");
  });
});
