// `mc admin kms …` over the key ring (src/admin/kms.ts), through the real app.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { s3 } from "../helpers/s3.ts";

const MASTER = { id: "my-key", key: new Uint8Array(32).fill(3) };
const admin = (c: ReturnType<typeof s3>, path: string, method = "GET") => c.send(`/minio/admin/v3/${path}`, { method, signPayload: true });

describe("admin KMS", () => {
  it("status, key status and key list name the master key", async () => {
    const c = s3(memoryDeps({ kmsSecretKey: MASTER }));
    for (const method of ["GET", "POST"]) {
      const st = await admin(c, "kms/status", method);
      expect(st.status).toBe(200);
      expect((await st.json())["default-key-id"]).toBe("my-key");
    }
    expect(await (await admin(c, "kms/key/status?key-id=my-key")).json()).toEqual({ "key-id": "my-key" });
    expect(await (await admin(c, "kms/key/status")).json()).toEqual({ "key-id": "my-key" });
    expect((await (await admin(c, "kms/key/status?key-id=other")).json())["encryption-error"]).toBe("key does not exist");
    expect(await (await admin(c, "kms/key/list?pattern=*")).json()).toEqual([{ name: "my-key" }]);
    expect(await (await admin(c, "kms/key/list?pattern=my-*")).json()).toEqual([{ name: "my-key" }]);
    expect(await (await admin(c, "kms/key/list?pattern=x*")).json()).toEqual([]);
  });

  it("key create adds a key to the ring: listed with who made it, status checks it, names are checked, no duplicates", async () => {
    const env = memoryDeps({ kmsSecretKey: MASTER });
    const c = s3(env);
    const create = await admin(c, "kms/key/create?key-id=app-1", "POST");
    expect([create.status, await create.text()]).toEqual([200, ""]);
    expect((await admin(c, "kms/key/create?key-id=app-2", "POST")).status).toBe(200);
    const list = await (await admin(c, "kms/key/list?pattern=*")).json();
    expect(list.map((k: { name: string }) => k.name)).toEqual(["my-key", "app-1", "app-2"]);
    expect(list[1]).toMatchObject({ createdBy: "AKIDTEST" });
    expect(Number.isNaN(Date.parse(list[1].createdAt))).toBe(false);
    expect((await (await admin(c, "kms/key/list?pattern=app-*")).json()).length).toBe(2);
    expect(await (await admin(c, "kms/key/status?key-id=app-1")).json()).toEqual({ "key-id": "app-1" });
    expect(await (await admin(c, "kms/key/status?key-id=arn:aws:kms:app-2")).json()).toEqual({ "key-id": "app-2" });
    for (const name of ["app-1", "my-key"]) {
      const again = await admin(c, `kms/key/create?key-id=${name}`, "POST");
      expect([again.status, (await again.json()).Code]).toEqual([400, "XMinioAdminInvalidArgument"]);
    }
    for (const bad of ["", "-x", "a/b", "x".repeat(129)]) expect((await admin(c, `kms/key/create?key-id=${encodeURIComponent(bad)}`, "POST")).status).toBe(400);
    // Stored wrapped: the key's bytes are nowhere in the row.
    const row = (await env.deps.kmsKeys!.getKmsKey("app-1"))!;
    expect(row).toMatchObject({ name: "app-1", kind: "created", masterId: "my-key" });
    expect(Buffer.from(row.wrapped, "base64").length).toBe(12 + 32 + 16);
  });

  it("a user needs admin:KMSCreateKey to create, admin:KMSKeyStatus to list", async () => {
    const env = memoryDeps({ kmsSecretKey: MASTER });
    const c = s3(env);
    await env.deps.iam.putPolicy("kms-read", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["admin:KMSKeyStatus"] }] }));
    await env.deps.iam.putUser({ accessKey: "reader", secretKey: "readersecret", status: "enabled", policies: ["kms-read"] });
    const creds = { accessKeyId: "reader", secretAccessKey: "readersecret" };
    const as = (path: string, method = "GET") => c.send(`/minio/admin/v3/${path}`, { method, signPayload: true, creds });
    expect((await as("kms/key/list")).status).toBe(200);
    expect((await as("kms/key/create?key-id=x", "POST")).status).toBe(403);
    expect((await as("s3edge/kms/rotate", "POST")).status).toBe(403);
  });

  it("without a key store, create is 501", async () => {
    const env = memoryDeps({ kmsSecretKey: MASTER });
    delete env.deps.kmsKeys;
    const create = await admin(s3(env), "kms/key/create?key-id=new", "POST");
    expect([create.status, (await create.json()).Code]).toEqual([501, "NotImplemented"]);
  });

  it("without a master key every KMS call is 501 NotImplemented", async () => {
    const c = s3(memoryDeps());
    for (const p of ["kms/status", "kms/key/status", "kms/key/list"]) expect((await admin(c, p)).status).toBe(501);
    for (const p of ["kms/key/create?key-id=x", "s3edge/kms/rotate"]) expect((await admin(c, p, "POST")).status).toBe(501);
  });
});
