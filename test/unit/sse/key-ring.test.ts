// The key ring through the app: SSE-KMS under created keys (a bucket key per key id), the
// encryption context and the bucket-key switch, and master-key rotation (objects readable
// before, during and after; nothing rewritten but wrapped keys).
import { describe, expect, it } from "bun:test";
import { createApp } from "../../../src/app.ts";
import type { Config } from "../../../src/config.ts";
import type { Deps } from "../../../src/deps.ts";
import { contextRoot } from "../../../src/sse/keys.ts";
import { openChunk, sealChunk } from "../../../src/sse/crypto.ts";
import { errorCode, randomBytes, s3, withBucket, type Env } from "../helpers/s3.ts";

const OLD = { id: "old-key", key: new Uint8Array(32).fill(7) };
const NEW = { id: "new-key", key: new Uint8Array(32).fill(8) };
const KMS = "x-amz-server-side-encryption-aws-kms-key-id";
const CTX = "x-amz-server-side-encryption-context";
const BK = "x-amz-server-side-encryption-bucket-key-enabled";
const kms = (id?: string) => ({ "x-amz-server-side-encryption": "aws:kms", ...(id ? { [KMS]: id } : {}) });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

const admin = (c: ReturnType<typeof s3>, path: string, method = "GET") => c.send(`/minio/admin/v3/${path}`, { method, signPayload: true });
const createKey = async (c: ReturnType<typeof s3>, name: string) => (await admin(c, `kms/key/create?key-id=${name}`, "POST")).status;

/** The same stores under another configuration: the gateway restarted with new variables. */
function restarted(env: Env, config: Partial<Config>): ReturnType<typeof s3> {
  // Quiet: the cases that lose a key log it, as they should.
  const deps: Deps = { ...env.deps, log: { info() {}, warn() {}, error() {} }, config: { ...env.deps.config, kmsOldSecretKeys: undefined, ...config } };
  return s3({ ...env, deps, app: createApp(deps) });
}

describe("SSE-KMS under created keys", () => {
  it("uses the named key's own bucket key: readable, answered with its ARN, no dedup across key ids", async () => {
    const { c, env } = await withBucket("bkt", { kmsSecretKey: OLD });
    expect(await createKey(c, "app-key")).toBe(200);
    const data = randomBytes(100 * 1024);
    const a = await c.put("bkt", "a", data, kms("app-key"));
    expect(a.status).toBe(200);
    expect(a.headers.get(KMS)).toBe("arn:aws:kms:app-key");
    expect(a.headers.get(BK)).toBe("true");
    const chunks = await env.deps.meta.countChunks();
    await c.put("bkt", "b", data, kms("arn:aws:kms:us-east-1:123456789012:key/app-key"));
    expect(await env.deps.meta.countChunks()).toBe(chunks); // same key id: dedup
    await c.put("bkt", "c", data, kms()); // the master key: another bucket key
    expect(await env.deps.meta.countChunks()).toBe(chunks + 2);
    for (const k of ["a", "b"]) expect((await c.head("bkt", k)).headers.get(KMS)).toBe("arn:aws:kms:app-key");
    expect((await c.head("bkt", "c")).headers.get(KMS)).toBe("arn:aws:kms:old-key");
    for (const k of ["a", "b", "c"]) expect(await c.bytes("bkt", k)).toEqual(data);
    const named = JSON.parse((await env.deps.meta.getBucketConfig("bkt", "sse-bucket-key:app-key"))!);
    expect(named.keyId).toBe("app-key");
    expect(JSON.parse((await env.deps.meta.getBucketConfig("bkt", "sse-bucket-key"))!).keyId).toBe("old-key");
  });

  it("an unknown key id → 400 KMS.NotFoundException; a bucket default may name a created key", async () => {
    const { c } = await withBucket("bkt", { kmsSecretKey: OLD });
    const res = await c.put("bkt", "k", "x", kms("nope"));
    expect([res.status, await errorCode(res)]).toEqual([400, "KMS.NotFoundException"]);
    const rule = (id: string) => `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>${id}</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
    const bad = await c.send("/bkt?encryption", { method: "PUT", body: rule("app-key") });
    expect([bad.status, await errorCode(bad)]).toEqual([400, "KMS.NotFoundException"]);
    expect(await createKey(c, "app-key")).toBe(200);
    expect((await c.send("/bkt?encryption", { method: "PUT", body: rule("app-key") })).status).toBe(200);
    const put = await c.put("bkt", "k", "hello");
    expect(put.headers.get(KMS)).toBe("arn:aws:kms:app-key");
    expect(new TextDecoder().decode(await c.bytes("bkt", "k"))).toBe("hello");
  });
});

describe("encryption context and bucket keys", () => {
  it("is stored, answered on PUT, HEAD and GET, and bound into the object's key", async () => {
    const { c, env } = await withBucket("bkt", { kmsSecretKey: OLD });
    const context = b64({ project: "x", team: "y" });
    const data = randomBytes(70 * 1024);
    const put = await c.put("bkt", "k", data, { ...kms(), [CTX]: context, [BK]: "false" });
    expect(put.status).toBe(200);
    expect(put.headers.get(CTX)).toBe(context);
    expect(put.headers.get(BK)).toBe("true"); // always a bucket key, whatever was asked
    expect((await c.head("bkt", "k")).headers.get(CTX)).toBe(context);
    const get = await c.get("bkt", "k");
    expect(get.headers.get(CTX)).toBe(context);
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(data);
    // Another context is another root: the same bytes do not dedup, and nothing opens across.
    const chunks = await env.deps.meta.countChunks();
    await c.put("bkt", "k2", data, kms());
    expect(await env.deps.meta.countChunks()).toBe(chunks + 2);
  });

  it("a wrong context does not open what another sealed", async () => {
    const bucketKey = new Uint8Array(32).fill(5);
    const a = await contextRoot(bucketKey, b64({ a: "1" })), b = await contextRoot(bucketKey, b64({ a: "2" }));
    const sealed = await sealChunk(a, new TextEncoder().encode("secret"), new Uint8Array(32));
    expect(new TextDecoder().decode((await openChunk(a, sealed))!)).toBe("secret");
    expect(await openChunk(b, sealed)).toBeNull();
    expect(await openChunk(bucketKey, sealed)).toBeNull();
  });

  it("multipart keeps the upload's context", async () => {
    const { c } = await withBucket("bkt", { kmsSecretKey: OLD });
    const context = b64({ k: "v" });
    const id = await c.createUpload("bkt", "mp", { ...kms(), [CTX]: context });
    // One part (the last may be small): sealed under the upload's context as it arrives.
    const p1 = randomBytes(100 * 1024, 2);
    const done = await c.complete("bkt", "mp", id, [{ n: 1, etag: await c.uploadPart("bkt", "mp", id, 1, p1) }]);
    expect(done.status).toBe(200);
    expect(done.headers.get(CTX)).toBe(context);
    const get = await c.get("bkt", "mp");
    expect(get.headers.get(CTX)).toBe(context);
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(p1);
  });

  it.each([
    ["not base64 JSON", { ...kms(), [CTX]: "not json" }],
    ["a JSON array", { ...kms(), [CTX]: b64(["a"]) }],
    ["a non-string value", { ...kms(), [CTX]: b64({ a: 1 }) }],
    ["a context with AES256", { "x-amz-server-side-encryption": "AES256", [CTX]: b64({}) }],
    ["a context without SSE", { [CTX]: b64({}) }],
    ["bucket-key-enabled not a boolean", { ...kms(), [BK]: "maybe" }],
  ])("%s → 400 InvalidArgument", async (_n, headers) => {
    const { c } = await withBucket("bkt", { kmsSecretKey: OLD });
    const res = await c.put("bkt", "k", "x", headers);
    expect([res.status, await errorCode(res)]).toEqual([400, "InvalidArgument"]);
  });

  it("SSE-S3 accepts bucket-key-enabled and does not answer it", async () => {
    const { c } = await withBucket("bkt", { kmsSecretKey: OLD });
    const res = await c.put("bkt", "k", "x", { "x-amz-server-side-encryption": "AES256", [BK]: "true" });
    expect(res.status).toBe(200);
    expect(res.headers.get(BK)).toBeNull();
  });
});

describe("master key rotation", () => {
  async function stored() {
    const { c, env } = await withBucket("bkt", { kmsSecretKey: OLD });
    expect(await createKey(c, "app-key")).toBe(200);
    const data = randomBytes(70 * 1024, 9);
    await c.put("bkt", "s3", data, { "x-amz-server-side-encryption": "AES256" });
    await c.put("bkt", "kms", data, kms());
    await c.put("bkt", "named", data, { ...kms("app-key"), [CTX]: b64({ a: "b" }) });
    return { c, env, data };
  }
  const readAll = async (c: ReturnType<typeof s3>, data: Uint8Array) => {
    for (const k of ["s3", "kms", "named"]) expect(await c.bytes("bkt", k)).toEqual(new Uint8Array(data));
  };

  it("keeps every object readable before, during and after, rewriting no data", async () => {
    const { c, env, data } = await stored();
    await readAll(c, data);
    const chunks = await env.deps.meta.countChunks();
    // During: the new master key, the old one still configured.
    const during = restarted(env, { kmsSecretKey: NEW, kmsOldSecretKeys: [OLD] });
    await readAll(during, data);
    const rot = await admin(during, "s3edge/kms/rotate", "POST");
    expect(rot.status).toBe(200);
    const report = await rot.json();
    expect(report).toMatchObject({ master: "new-key", keysRewrapped: ["app-key"], mastersKept: ["old-key"], bucketsRewrapped: ["bkt"], failed: [] });
    expect(JSON.parse((await env.deps.meta.getBucketConfig("bkt", "sse-bucket-key"))!).keyId).toBe("new-key");
    // After: the old key's variable gone.
    const after = restarted(env, { kmsSecretKey: NEW });
    await readAll(after, data);
    expect((await (await admin(after, "kms/key/status?key-id=app-key")).json())).toEqual({ "key-id": "app-key" });
    // New writes keep the bucket key (dedup with what is stored) and the created key.
    await after.put("bkt", "s3-again", data, { "x-amz-server-side-encryption": "AES256" });
    await after.put("bkt", "named-again", data, { ...kms("app-key"), [CTX]: b64({ a: "b" }) });
    expect(await env.deps.meta.countChunks()).toBe(chunks);
    expect((await after.head("bkt", "s3-again")).status).toBe(200);
    // A second run has nothing left to do.
    expect(await (await admin(after, "s3edge/kms/rotate", "POST")).json()).toMatchObject({ keysRewrapped: [], mastersKept: [], bucketsRewrapped: [], bucketsCurrent: 1, failed: [] });
    const list = await (await admin(after, "kms/key/list")).json();
    expect(list.map((k: { name: string }) => k.name)).toEqual(["new-key", "app-key"]);
  });

  it("without rotation and without the old key, its objects do not open (500, logged) — and rotation reports what it could not unwrap", async () => {
    const { env } = await stored();
    const lost = restarted(env, { kmsSecretKey: NEW });
    const res = await lost.get("bkt", "s3");
    expect([res.status, await errorCode(res)]).toEqual([500, "InternalError"]);
    expect((await lost.put("bkt", "named2", "x", kms("app-key"))).status).toBe(400); // the created key is wrapped by the missing key
    const report = await (await admin(lost, "s3edge/kms/rotate", "POST")).json();
    expect(report.failed).toEqual(["key app-key", "bucket bkt (wrapped by old-key, not configured)"]);
    // Once the old key is given back, everything opens and rotates.
    const back = restarted(env, { kmsSecretKey: NEW, kmsOldSecretKeys: [OLD] });
    expect((await (await admin(back, "s3edge/kms/rotate", "POST")).json()).failed).toEqual([]);
    expect((await restarted(env, { kmsSecretKey: NEW }).get("bkt", "s3")).status).toBe(200);
  });

  it("a write during the rotation re-wraps the bucket key it uses", async () => {
    const { env, data } = await stored();
    const during = restarted(env, { kmsSecretKey: NEW, kmsOldSecretKeys: [OLD] });
    const chunks = await env.deps.meta.countChunks();
    const put = await during.put("bkt", "s3-during", data, { "x-amz-server-side-encryption": "AES256" });
    expect(put.status).toBe(200);
    expect(await env.deps.meta.countChunks()).toBe(chunks);
    expect(JSON.parse((await env.deps.meta.getBucketConfig("bkt", "sse-bucket-key"))!).keyId).toBe("new-key");
  });
});
