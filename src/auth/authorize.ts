// The authorization seam: one async question per (principal, action, resource, conditions),
// asked by the pipeline for the request's own action and by handlers for what a request also
// touches (CopyObject's source, each key of DeleteObjects, x-amz-tagging on a PUT).
//
// The answer follows AWS's single-account evaluation (IAM "Policy evaluation logic"):
// - root may do everything;
// - an explicit Deny in any applicable policy (identity, session, bucket) refuses;
// - otherwise an Allow from the identity side or from the bucket policy grants;
// - otherwise a grant of the bucket's or the object's ACL to AllUsers / AuthenticatedUsers
//   (iam/acl-eval.ts), unless IgnorePublicAcls or BucketOwnerEnforced switch ACLs off;
//   RestrictPublicBuckets keeps a public bucket policy from anonymous callers;
// - otherwise refused (default deny: a user with no policy can do nothing).
// The identity side: a user's attached policies ∪ those of its enabled groups (MinIO); a
// service account's parent's rights ∩ its session policy when it has one; an STS session's
// parent's rights ∩ the assuming account's policy ∩ the session policy; none for anonymous,
// who only gets what a bucket policy grants to Principal "*".
import { S3Error } from "../xml/errors.ts";
import type { Principal } from "./principal.ts";
import type { IamCache, IamView } from "../iam/cache.ts";
import { parsePolicy, type PolicyDocument } from "../iam/policy-document.ts";
import { evaluatePolicies, evaluatePolicy, type Decision, type EvalRequest } from "../iam/policy-eval.ts";
import { principalConditions, tagConditions } from "./conditions.ts";
import { aclAllows, OBJECT_ACL_ACTIONS } from "../iam/acl-eval.ts";
import { loadAcl } from "../iam/acl-grants.ts";
import { isPublicPolicy, loadPublicAccessBlock } from "../iam/public-access.ts";

/** IAM condition keys and their values for this request (aws:SourceIp, s3:prefix, …); a set of values is an array. */
export type Conditions = Record<string, string | readonly string[]>;

/** What the resource itself says, as stored in the bucket's configurations and the object's record. */
export interface ResourcePolicies {
  /** The bucket policy (JSON as stored). */
  bucketPolicy?: string | null;
  /** The bucket's ACL (iam/acl-grants.ts stored form). */
  bucketAcl?: string | null;
  /** The object's ACL, read only when nothing else allowed and the action is one it can grant. */
  objectAcl?: () => Promise<string | null | undefined>;
  /** The bucket's public access block (iam/public-access.ts stored form). */
  publicAccessBlock?: string | null;
  /** Object ownership BucketOwnerEnforced: ACLs no longer affect permissions (AWS). */
  aclsDisabled?: boolean;
  /** The object's tags (s3:ExistingObjectTag/…), read only when a matching statement names such a key. */
  objectTags?: () => Promise<Record<string, string> | null | undefined>;
  /** Granted unless a policy denies it (sts:AssumeRole: MinIO lets any user assume; an explicit Deny still refuses). */
  implicitAllow?: boolean;
}

export type Authorize = ((principal: Principal, action: string, resource: string, conditions: Conditions, policies?: ResourcePolicies) => Promise<void>) & {
  /**
   * Root is allowed everything without a look at the question: a caller may skip building the
   * conditions and resource policies for root (the hot path). Unset on a test's spy, which sees every question.
   */
  readonly rootAllowed?: boolean;
};

const denied = (): never => { throw new S3Error("AccessDenied"); };

/** Root only: what the gateway does without an IAM view (tests of the seam, tools). */
export const authorize: Authorize = Object.assign(async (principal: Principal) => {
  if (principal.kind === "root") return;
  denied();
}, { rootAllowed: true });

export const s3Arn = (bucket: string, key?: string) => (key ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`);

/** A user's policies and its enabled groups' (names that do not resolve grant nothing). */
export function userPolicies(view: IamView, accessKey: string): PolicyDocument[] | null {
  const user = view.users.get(accessKey);
  if (!user || user.status !== "enabled") return null;
  const names = new Set(user.policies);
  for (const g of user.memberOf) {
    const group = view.groups.get(g);
    if (group && group.status === "enabled") for (const p of group.policies) names.add(p);
  }
  const docs: PolicyDocument[] = [];
  for (const n of names) {
    const d = view.policies.get(n);
    if (d) docs.push(d);
  }
  return docs;
}

/** A service account still usable (the lookup checked at authentication; the view may have moved since). */
function liveServiceAccount(view: IamView, accessKey: string, parent: string) {
  const sa = view.serviceAccounts.get(accessKey);
  return sa && sa.status === "enabled" && sa.parent === parent ? sa : denied();
}

/** Parent ∩ each narrowing policy: Deny in any wins; Allow only when every one allows. */
function intersect(decisions: Decision[]): Decision {
  if (decisions.includes("Deny")) return "Deny";
  return decisions.every((d) => d === "Allow") ? "Allow" : "NoMatch";
}

/** The identity side's decision for a signed principal other than root. */
function identityDecision(view: IamView, principal: Exclude<Principal, { kind: "anonymous" | "root" }>, req: EvalRequest,
  sessionDoc: (text: string) => PolicyDocument | null): Decision {
  if (principal.kind === "user") {
    const docs = userPolicies(view, principal.accessKey);
    return docs ? evaluatePolicies(docs, req) : denied();
  }
  const parent = userPolicies(view, principal.parent) ?? denied();
  const decisions = [evaluatePolicies(parent, req)];
  // A service account's own policy narrows it (and the STS sessions it assumed).
  const sa = principal.kind === "serviceAccount" ? principal.accessKey : principal.serviceAccount;
  if (sa !== undefined) {
    liveServiceAccount(view, sa, principal.parent);
    if (view.sessionPolicies.has(sa)) {
      // A stored session policy that no longer parses narrows to nothing: fail closed.
      const doc = view.sessionPolicies.get(sa);
      decisions.push(doc ? evaluatePolicy(doc, req) : "NoMatch");
    }
  }
  if (principal.kind === "sts" && principal.sessionPolicy !== undefined) {
    const doc = sessionDoc(principal.sessionPolicy);
    decisions.push(doc ? evaluatePolicy(doc, req) : "NoMatch");
  }
  return intersect(decisions);
}

/** Who a bucket policy's Principal may name for this caller. */
function principalIds(p: Principal): string[] {
  switch (p.kind) {
    case "anonymous": return ["*"];
    case "root": return ["*", p.accessKey];
    case "user": return ["*", p.accessKey];
    // The account acts with its parent's identity too (MinIO's aws:username is the parent's).
    case "serviceAccount": return ["*", p.accessKey, p.parent];
    case "sts": return ["*", p.parent];
  }
}

/** Parsed policies by document text, per app: a bucket's (or session's) policy is parsed once, not per request. */
function createPolicyParser(kind: "bucket" | "identity", limit = 256) {
  const parsed = new Map<string, PolicyDocument | null>();
  return (text: string): PolicyDocument | null => {
    let d = parsed.get(text);
    if (d === undefined) {
      try {
        d = parsePolicy(text, kind);
      } catch {
        d = null; // stored by an older version or another tool: it grants nothing
      }
      if (parsed.size >= limit) parsed.clear();
      parsed.set(text, d);
    }
    return d;
  };
}

/** s3:ExistingObjectTag/<key>: known only by reading the object, which is done only when a statement asks. */
const EXISTING_TAG = /^s3:existingobjecttag\//i;

/** The authorizer over a node's IAM view. */
export function createAuthorizer(opts: { cache: IamCache }): Authorize {
  const bucketDoc = createPolicyParser("bucket");
  const sessionDoc = createPolicyParser("identity");

  /** One pass of the evaluation: "allow", "deny", or "tags" when a statement asked for the object's tags. */
  const decide = async (principal: Exclude<Principal, { kind: "root" }>, req: EvalRequest, policies: ResourcePolicies, tagsKnown: boolean) => {
    let wantsTags = false;
    if (!tagsKnown && policies.objectTags) req.onMissing = (k) => { if (EXISTING_TAG.test(k)) wantsTags = true; };
    // A statement that would have matched with the tags could be a Deny: never answer before knowing them.
    const verdict = (v: "allow" | "deny") => (wantsTags ? "tags" as const : v);
    const doc = policies.bucketPolicy ? bucketDoc(policies.bucketPolicy) : null;
    let fromBucket = doc ? evaluatePolicy(doc, req) : "NoMatch";
    if (fromBucket === "Deny") return verdict("deny");
    const block = loadPublicAccessBlock(policies.publicAccessBlock);
    // RestrictPublicBuckets: a public policy grants only to principals of this account (all signed ones here).
    if (fromBucket === "Allow" && principal.kind === "anonymous" && block.RestrictPublicBuckets && doc && isPublicPolicy(doc)) fromBucket = "NoMatch";
    let fromIdentity: Decision = "NoMatch";
    if (principal.kind !== "anonymous") {
      fromIdentity = identityDecision(await opts.cache.view(), principal, req, sessionDoc);
      if (fromIdentity === "Deny") return verdict("deny");
      if (fromIdentity === "Allow") return verdict("allow");
    }
    if (wantsTags) return "tags";
    if (fromBucket === "Allow") return "allow";
    // Granted unless denied (AssumeRole, as MinIO: no policy needs to name it); every Deny has had its say.
    if (policies.implicitAllow) return "allow";
    // ACL grants last: they only allow, so every explicit Deny above has had its say.
    if (!block.IgnorePublicAcls && !policies.aclsDisabled && (await aclGrants(principal.kind !== "anonymous", req.action, policies))) return "allow";
    return "deny";
  };

  return Object.assign(async (principal: Principal, action: string, resource: string, conditions: Conditions, policies: ResourcePolicies = {}) => {
    if (principal.kind === "root") return;
    const base: EvalRequest = {
      action, resource, conditions: { ...conditions, ...principalConditions(principal) }, principals: principalIds(principal),
    };
    let v = await decide(principal, { ...base }, policies, false);
    if (v === "tags") {
      const tags = (await policies.objectTags?.()) ?? {};
      v = await decide(principal, { ...base, conditions: { ...tagConditions("s3:ExistingObjectTag", tags), ...base.conditions } }, policies, true);
    }
    if (v !== "allow") denied();
  }, { rootAllowed: true });
}

/** Whether the bucket's or the object's ACL grants the action (IgnorePublicAcls aside: every non-owner grant is public). */
async function aclGrants(signed: boolean, action: string, policies: ResourcePolicies): Promise<boolean> {
  if (policies.bucketAcl && aclAllows(loadAcl(policies.bucketAcl), "bucket", action, signed)) return true;
  if (!policies.objectAcl || !OBJECT_ACL_ACTIONS.has(action)) return false;
  const text = await policies.objectAcl();
  return !!text && aclAllows(loadAcl(text), "object", action, signed);
}
