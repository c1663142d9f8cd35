// One SecretLookup for every signed request: root from the configuration, then the IAM view
// (iam/cache.ts): enabled users, and enabled, unexpired service accounts whose parent user is
// enabled (MinIO: a disabled or removed parent takes its service accounts with it).
import type { Config } from "../config.ts";
import type { IamCache, IamView } from "../iam/cache.ts";
import type { Principal, SecretLookup } from "./principal.ts";
import { S3Error } from "../xml/errors.ts";
import { verifyStsToken } from "./sts-token.ts";

/** Root credentials from config alone (what the gateway had before IAM). */
export function rootSecretLookup(config: Config): SecretLookup {
  return async (accessKey) =>
    accessKey === config.rootUser ? { secret: config.rootPassword, principal: { kind: "root", accessKey } } : null;
}

/** What the view says of an access key: its secret and principal, or null (unknown, disabled, expired). */
export function resolveCredential(view: IamView, accessKey: string, now: number): { secret: string; principal: Principal } | null {
  const user = view.users.get(accessKey);
  if (user) return user.status === "enabled" ? { secret: user.secretKey, principal: { kind: "user", accessKey } } : null;
  const sa = view.serviceAccounts.get(accessKey);
  if (!sa || sa.status !== "enabled" || (sa.expiration !== undefined && sa.expiration <= now)) return null;
  const parent = view.users.get(sa.parent);
  if (!parent || parent.status !== "enabled") return null;
  const principal: Principal = { kind: "serviceAccount", accessKey, parent: sa.parent, ...(sa.sessionPolicy !== undefined ? { sessionPolicy: sa.sessionPolicy } : {}) };
  return { secret: sa.secretKey, principal };
}

/**
 * An STS session's credential (auth/sts-token.ts): the token must be ours, unexpired and issued
 * for this access key; the session dies with its parent (and the service account that assumed it).
 */
async function stsCredential(opts: { config: Config; cache: IamCache; now: () => number }, accessKey: string, token: string) {
  const v = await verifyStsToken(opts.config.rootPassword, token, opts.now());
  if (!v.ok) throw new S3Error(v.reason === "expired" ? "ExpiredToken" : "InvalidToken");
  if (v.claims.ak !== accessKey) throw new S3Error("InvalidToken");
  const view = await opts.cache.view();
  const parent = view.users.get(v.claims.parent);
  if (!parent || parent.status !== "enabled") return null;
  if (v.claims.sa !== undefined) {
    const sa = resolveCredential(view, v.claims.sa, opts.now());
    if (!sa || sa.principal.kind !== "serviceAccount" || sa.principal.parent !== v.claims.parent) return null;
  }
  const principal: Principal = {
    kind: "sts", accessKey, parent: v.claims.parent, expiration: v.claims.exp * 1000,
    ...(v.claims.sa !== undefined ? { serviceAccount: v.claims.sa } : {}), ...(v.claims.pol !== undefined ? { sessionPolicy: v.claims.pol } : {}),
  };
  return { secret: v.secret, principal };
}

export function iamSecretLookup(opts: { config: Config; cache: IamCache; now: () => number }): SecretLookup {
  const root = rootSecretLookup(opts.config);
  return async (accessKey, sessionToken) => {
    // A session token makes it an STS credential, or nothing: it never rides on long-term keys.
    if (sessionToken !== undefined) return stsCredential(opts, accessKey, sessionToken);
    const r = await root(accessKey);
    if (r) return r;
    const view = await opts.cache.view();
    if (view.users.has(accessKey) || view.serviceAccounts.has(accessKey)) return resolveCredential(view, accessKey, opts.now());
    // Unknown here: perhaps just created on another node (the cache re-reads the stamp, rate-limited).
    return resolveCredential(await opts.cache.viewForMiss(), accessKey, opts.now());
  };
}
