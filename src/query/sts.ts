// STS AssumeRole and GetCallerIdentity (specs/minio-admin.md §8): temporary credentials for a
// user or service account, as stateless signed tokens (auth/sts-token.ts) that any node verifies.
import { S3Error } from "../xml/errors.ts";
import { buildXml } from "../xml/xml.ts";
import { QueryError } from "./errors.ts";
import type { QueryCtx, QueryHandler } from "./actions.ts";
import { issueStsToken, newTemporaryAccessKey, type StsClaims } from "../auth/sts-token.ts";
import { parsePolicy, PolicyError } from "../iam/policy-document.ts";
import type { Principal } from "../auth/principal.ts";

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const MIN_DURATION = 900;
const MAX_DURATION = 604_800; // 7 days (MinIO 2021; AWS roles allow up to 12 h)
const MAX_POLICY_CHARS = 2048;
/** One account per gateway: the id ARNs carry (as MinIO answers). */
const ACCOUNT = "000000000000";

const xml = (root: string, result: Record<string, unknown>, requestId: string) =>
  new Response(buildXml(root, { [root.replace(/Response$/, "Result")]: result, ResponseMetadata: { RequestId: requestId } }, NS), {
    status: 200, headers: { "content-type": "text/xml" },
  });

function duration(v: string | null): number {
  if (v === null || v === "") return 3600;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < MIN_DURATION || n > MAX_DURATION) {
    throw new QueryError("InvalidParameterValue", { message: `DurationSeconds must be between ${MIN_DURATION} and ${MAX_DURATION} seconds.` });
  }
  return n;
}

function sessionPolicy(v: string | null): string | undefined {
  if (v === null || v === "") return undefined;
  if (v.length > MAX_POLICY_CHARS) throw new QueryError("InvalidParameterValue", { message: `Policy must be at most ${MAX_POLICY_CHARS} characters.` });
  try {
    parsePolicy(v, "identity");
  } catch (e) {
    if (e instanceof PolicyError) throw new QueryError("InvalidParameterValue", { message: `Policy is not valid: ${e.message}` });
    throw e;
  }
  return v;
}

/** Who may assume: users and service accounts (MinIO refuses root and temporary credentials). */
function assumer(p: Principal): { parent: string; sa?: string } {
  if (p.kind === "user") return { parent: p.accessKey };
  if (p.kind === "serviceAccount") return { parent: p.parent, sa: p.accessKey };
  throw new S3Error("AccessDenied", { message: "Generating temporary credentials not allowed for this request." });
}

export const assumeRole: QueryHandler = async (ctx: QueryCtx) => {
  if (ctx.params.get("Version") !== "2011-06-15") throw new QueryError("MissingParameter", { message: "Version must be 2011-06-15." });
  const who = assumer(ctx.principal);
  // MinIO lets every user assume (the session never exceeds the parent's rights); a policy may
  // still deny sts:AssumeRole to a user, a group or a service account.
  await ctx.authorize("sts:AssumeRole", ctx.params.get("RoleArn") || "*", { implicitAllow: true });
  const seconds = duration(ctx.params.get("DurationSeconds"));
  const pol = sessionPolicy(ctx.params.get("Policy"));
  const now = ctx.deps.clock.now();
  let exp = Math.floor(now / 1000) + seconds;
  // A session never outlives the service account that assumed it.
  if (who.sa) {
    const sa = await ctx.deps.iam.getServiceAccount(who.sa);
    if (sa?.expiration !== undefined) exp = Math.min(exp, Math.floor(sa.expiration / 1000));
  }
  const claims: StsClaims = { ak: newTemporaryAccessKey(), parent: who.parent, exp, ...(who.sa ? { sa: who.sa } : {}), ...(pol ? { pol } : {}) };
  const { token, secret } = await issueStsToken(ctx.deps.config.rootPassword, claims);
  return xml("AssumeRoleResponse", {
    AssumedRoleUser: { Arn: "", AssumeRoleId: "" },
    Credentials: {
      AccessKeyId: claims.ak, SecretAccessKey: secret, Expiration: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"), SessionToken: token,
    },
  }, ctx.requestId);
};

export const getCallerIdentity: QueryHandler = async (ctx: QueryCtx) => {
  const p = ctx.principal;
  if (p.kind === "anonymous") throw new S3Error("AccessDenied");
  const arn = p.kind === "root" ? `arn:aws:iam::${ACCOUNT}:root`
    : p.kind === "sts" ? `arn:aws:sts::${ACCOUNT}:assumed-role/${p.parent}/${p.accessKey}`
    : `arn:aws:iam::${ACCOUNT}:user/${p.kind === "serviceAccount" ? p.parent : p.accessKey}`;
  return xml("GetCallerIdentityResponse", { Arn: arn, UserId: p.accessKey, Account: ACCOUNT }, ctx.requestId);
};
