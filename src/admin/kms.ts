// `mc admin kms status` and `mc admin kms key status|list|create` over the gateway's key ring
// (sse/key-ring.ts, docs/encryption.md): the master key (S3EDGE_KMS_SECRET_KEY, as MinIO's
// MINIO_KMS_SECRET_KEY) and the keys created here, stored wrapped by it; plus s3edge's own
// `s3edge/kms/rotate`, which re-wraps under a new master key (sse/rotate.ts). Plain JSON
// (madmin decodes these unencrypted).
import { AdminError } from "./errors.ts";
import type { AdminCtx, AdminHandler } from "./handlers.ts";
import { unwrapKey, wrapKey } from "../sse/crypto.ts";
import { kmsKeyName } from "../sse/keys.ts";
import { createKey, KEY_NAME, listRing, resolveKey } from "../sse/key-ring.ts";
import { rotateMasterKey } from "../sse/rotate.ts";

const json = (v: unknown) => new Response(JSON.stringify(v), { headers: { "content-type": "application/json" } });

function master(ctx: AdminCtx) {
  const m = ctx.deps.config.kmsSecretKey;
  if (!m) throw new AdminError("NotImplemented", { message: "Server side encryption specified but KMS is not configured" });
  return m;
}

/** madmin.KMSStatus. */
export const kmsStatus: AdminHandler = async (ctx) => {
  const m = master(ctx);
  return json({ name: "s3edge (S3EDGE_KMS_SECRET_KEY)", "default-key-id": m.id, endpoints: {} });
};

/** madmin.KMSKeyStatus: a real wrap and unwrap with the key (MinIO's check), or why not. */
export const kmsKeyStatus: AdminHandler = async (ctx) => {
  const m = master(ctx);
  const asked = ctx.query.get("key-id");
  const id = asked ? kmsKeyName(asked) : m.id;
  const key = await resolveKey(ctx.deps, id);
  if (!key) {
    const exists = (await ctx.deps.kmsKeys?.getKmsKey(id)) != null;
    const why = exists ? "the key is wrapped by a master key that is not configured" : "key does not exist";
    return json({ "key-id": id, "encryption-error": why, "decryption-error": why });
  }
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const wrapped = await wrapKey(key, probe, "s3edge kms status");
  const back = await unwrapKey(key, wrapped, "s3edge kms status");
  const ok = back !== null && back.every((b, i) => b === probe[i]);
  return json({ "key-id": id, ...(ok ? {} : { "decryption-error": "the key did not decrypt what it encrypted" }) });
};

const matches = (pattern: string, name: string) => (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

/** madmin.KMSKeyInfo list (`pattern`: `*` or a name; a trailing `*` matches a prefix): the master key and the created keys. */
export const kmsKeyList: AdminHandler = async (ctx) => {
  master(ctx);
  const pattern = ctx.query.get("pattern") || "*";
  // Former master keys a rotation kept are no key a client may name: not listed.
  const keys = (await listRing(ctx.deps)).filter((k) => k.kind !== "former-master" && matches(pattern, k.name));
  return json(keys.map((k) => ({
    name: k.name,
    ...(k.createdAt !== undefined ? { createdAt: new Date(k.createdAt).toISOString() } : {}),
    ...(k.createdBy ? { createdBy: k.createdBy } : {}),
  })));
};

/** `mc admin kms key create NAME`: 32 random bytes, stored wrapped by the master key; 200 with no body (madmin). */
export const kmsKeyCreate: AdminHandler = async (ctx) => {
  const m = master(ctx);
  const name = ctx.query.get("key-id") ?? "";
  if (!KEY_NAME.test(name)) throw new AdminError("XMinioAdminInvalidArgument", { message: "key-id must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit" });
  const by = ctx.principal.kind === "anonymous" ? undefined : ctx.principal.accessKey;
  const outcome = await createKey(ctx.deps, m, name, ctx.deps.clock.now(), by);
  if (outcome === "unsupported") throw new AdminError("NotImplemented", { message: "This gateway has no store for KMS keys." });
  if (outcome === "exists") throw new AdminError("XMinioAdminInvalidArgument", { message: `key with the given key-id already exists: ${name}` });
  return new Response(null, { status: 200 });
};

/** s3edge's own `POST s3edge/kms/rotate`: re-wrap the key ring and the bucket keys under the current master key. */
export const kmsRotate: AdminHandler = async (ctx) => {
  const m = master(ctx);
  return json(await rotateMasterKey(ctx.deps, m));
};
