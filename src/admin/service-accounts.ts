// Service accounts (specs/minio-admin.md §5.2): add (encrypted request and answer; keys
// generated when not given; an optional inline policy narrowing the parent's rights), list
// (two answer shapes, §7.3), info, update (204), delete (204). Status on the wire is "on"/"off".
import type { IamServiceAccount, IamStatus, NewServiceAccount, ServiceAccountPatch } from "../iam/store.ts";
import { checkAccessKey, checkSecretKey } from "../iam/validate.ts";
import { parsePolicy, PolicyError } from "../iam/policy-document.ts";
import { AdminError } from "./errors.ts";
import type { AdminCtx, AdminHandler } from "./handlers.ts";
import { check, committed, decryptedJson, empty, encryptedJson, field, param, rfc3339 } from "./respond.ts";
import { mergedPolicyOf } from "./policies.ts";

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** n characters of the alphabet, uniformly (rejection sampling of random bytes). */
function randomString(n: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < n) {
    for (const b of crypto.getRandomValues(new Uint8Array(n * 2))) {
      if (b < limit && out.length < n) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

const onOff = (s: IamStatus) => (s === "enabled" ? "on" : "off");

/** The parent user a service account of this caller belongs to when no target is named. */
function callerUser(ctx: AdminCtx): string {
  const p = ctx.principal;
  if (p.kind === "user") return p.accessKey;
  if (p.kind === "serviceAccount") return p.parent;
  // The IamStore keeps service accounts of IAM users only; MinIO 2021 refused root as well.
  throw new AdminError("XMinioInvalidIAMCredentials", { message: "Service accounts of the root user are not supported; name a target user." });
}

/** An inline policy from a request document: absent/null → undefined; an empty document → null (back to implied). */
function inlinePolicy(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new AdminError("XMinioMalformedIAMPolicy", { message: "The policy must be a JSON object." });
  const o = v as Record<string, unknown>;
  // Newer MinIO: a policy with no Version and no statements removes the inline policy.
  if (!o.Version && (!o.Statement || (Array.isArray(o.Statement) && o.Statement.length === 0))) return null;
  try {
    parsePolicy(o, "identity");
  } catch (e) {
    if (e instanceof PolicyError) throw new AdminError("XMinioMalformedIAMPolicy", { message: e.message });
    throw e;
  }
  return JSON.stringify(o);
}

function expiration(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new AdminError("XMinioAdminInvalidArgument", { message: "expiration must be an RFC 3339 time." });
  // Go's zero time and the Unix epoch both mean "never" to madmin.
  return t <= 0 ? undefined : t;
}

export const addServiceAccount: AdminHandler = async (ctx) => {
  const doc = await decryptedJson(ctx);
  const parent = field(doc, "targetUser") || callerUser(ctx);
  if (parent === ctx.deps.config.rootUser) {
    throw new AdminError("XMinioInvalidIAMCredentials", { message: "Service accounts of the root user are not supported; name an IAM user." });
  }
  const accessKey = field(doc, "accessKey") || randomString(20, UPPER_ALNUM);
  const secretKey = field(doc, "secretKey") || randomString(40, SECRET_CHARS);
  check(() => checkAccessKey(accessKey), "XMinioAdminInvalidAccessKey");
  check(() => checkSecretKey(secretKey), "XMinioAdminInvalidSecretKey");
  if (accessKey === ctx.deps.config.rootUser) throw new AdminError("XMinioAdminInvalidArgument", { message: "The access key is the root user's." });
  const policy = inlinePolicy(doc.policy);
  const name = field(doc, "name"), description = field(doc, "description") ?? field(doc, "comment");
  const exp = expiration(doc.expiration);
  if (exp !== undefined && exp <= ctx.deps.clock.now()) throw new AdminError("XMinioAdminInvalidArgument", { message: "expiration must be in the future." });
  const account: NewServiceAccount = {
    accessKey, secretKey, parent,
    ...(policy ? { sessionPolicy: policy } : {}),
    ...(name ? { name } : {}),
    ...(description ? { description } : {}),
    ...(exp !== undefined ? { expiration: exp } : {}),
  };
  committed(await ctx.deps.iam.putServiceAccount(account));
  return encryptedJson(ctx, { credentials: { accessKey, secretKey, ...(exp !== undefined ? { expiration: rfc3339(exp) } : {}) } });
};

/**
 * §7.3: the object shape (madmin ≥ v2.2.0, mc ≥ RELEASE.2023-05-26T23-31-54Z) unless the client
 * is known to be older: an mc release before that, or madmin-go/0.0.1 (2021 in-tree, v1.x).
 */
export function wantsOldListShape(userAgent: string): boolean {
  const mc = /\bmc\/(RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)/.exec(userAgent);
  if (mc) return mc[1] < "RELEASE.2023-05-26T23-31-54Z";
  return /\bmadmin-go\/0\.0\.1\b/.test(userAgent);
}

export const listServiceAccounts: AdminHandler = async (ctx) => {
  const user = ctx.query.get("user") || (ctx.principal.kind === "root" ? "" : callerUser(ctx));
  // Root has no service accounts here (callerUser); an unknown user is an error, not an empty list.
  if (user && user !== ctx.deps.config.rootUser && !(await ctx.deps.iam.getUser(user))) {
    throw new AdminError("XMinioAdminNoSuchUser", { message: `The specified user '${user}' does not exist.` });
  }
  const accounts = user && user !== ctx.deps.config.rootUser ? await ctx.deps.iam.listServiceAccounts(user) : [];
  if (wantsOldListShape(ctx.req.headers.get("user-agent") ?? "")) return encryptedJson(ctx, { accounts: accounts.map((a) => a.accessKey) });
  return encryptedJson(ctx, {
    accounts: accounts.map((a) => ({
      parentUser: a.parent, accountStatus: onOff(a.status), impliedPolicy: a.sessionPolicy === undefined, accessKey: a.accessKey,
      ...(a.name ? { name: a.name } : {}), ...(a.description ? { description: a.description } : {}),
      ...(a.expiration !== undefined ? { expiration: rfc3339(a.expiration) } : {}),
    })),
  });
};

async function requireAccount(ctx: AdminCtx): Promise<IamServiceAccount> {
  const accessKey = param(ctx, "accessKey");
  const a = await ctx.deps.iam.getServiceAccount(accessKey);
  if (!a) throw new AdminError("XMinioAdminServiceAccountNotFound", { message: `The service account '${accessKey}' does not exist.` });
  return a;
}

export const infoServiceAccount: AdminHandler = async (ctx) => {
  const a = await requireAccount(ctx);
  const parent = await ctx.deps.iam.getUser(a.parent);
  // `policy` is a string holding JSON: the inline policy, or the parent's merged one when implied.
  const policy = a.sessionPolicy ?? (await mergedPolicyOf(ctx, a.parent));
  return encryptedJson(ctx, {
    parentUser: a.parent, accountStatus: onOff(a.status), impliedPolicy: a.sessionPolicy === undefined, policy,
    ...(parent ? { parentUserStatus: parent.status } : {}),
    ...(a.name ? { name: a.name } : {}), ...(a.description ? { description: a.description, comment: a.description } : {}),
    ...(a.expiration !== undefined ? { expiration: rfc3339(a.expiration) } : {}),
  });
};

export const updateServiceAccount: AdminHandler = async (ctx) => {
  const a = await requireAccount(ctx);
  const doc = await decryptedJson(ctx);
  const patch: ServiceAccountPatch = {};
  const secret = field(doc, "newSecretKey");
  if (secret) {
    check(() => checkSecretKey(secret), "XMinioAdminInvalidSecretKey");
    patch.secretKey = secret;
  }
  // Old madmin always sends newStatus (possibly ""): empty = unchanged.
  const st = field(doc, "newStatus");
  if (st === "on") patch.status = "enabled";
  else if (st === "off") patch.status = "disabled";
  else if (st) throw new AdminError("XMinioAdminInvalidArgument", { message: `newStatus must be 'on' or 'off', not '${st}'` });
  const policy = inlinePolicy(doc.newPolicy);
  if (policy !== undefined) patch.sessionPolicy = policy;
  const name = field(doc, "newName");
  if (name) patch.name = name;
  const description = field(doc, "newDescription") ?? field(doc, "newComment");
  if (description) patch.description = description;
  if (doc.newExpiration !== undefined && doc.newExpiration !== null) patch.expiration = expiration(doc.newExpiration) ?? null;
  committed(await ctx.deps.iam.updateServiceAccount(a.accessKey, patch));
  return empty(204);
};

export const deleteServiceAccount: AdminHandler = async (ctx) => {
  committed(await ctx.deps.iam.deleteServiceAccount(param(ctx, "accessKey")));
  return empty(204);
};
