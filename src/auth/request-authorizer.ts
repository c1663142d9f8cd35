// One request's IAM questions, as every mount asks them (s3, admin, the Query APIs, SQS's JSON
// protocol, share links): root passes without a look when the authorizer says so
// (Authorize.rootAllowed, the hot path); otherwise the request's condition context is built by
// the first question that evaluates a policy, once, and the resource's policies are read only then.
import type { Principal } from "./principal.ts";
import type { Authorize, Conditions, ResourcePolicies } from "./authorize.ts";
import { conditionContext, type ConditionSource } from "./conditions.ts";

export interface RequestQuestion {
  /** Condition keys only this question has (s3:RequestObjectTag/… of a PutObjectTagging body). */
  extra?: Conditions;
  /** What the resource says (bucket policy, ACLs, implicitAllow), or how to read it: never read for root. */
  policies?: ResourcePolicies | (() => Promise<ResourcePolicies>);
}

export type RequestAuthorizer = (principal: Principal, action: string, resource: string, q?: RequestQuestion) => Promise<void>;

/** `source.now` is read when the context is built, as `deps.clock.now()` would be then. */
export function requestAuthorizer(authorize: Authorize, source: Omit<ConditionSource, "now"> & { now: () => number }): RequestAuthorizer {
  let conditions: Conditions | undefined;
  return async (principal, action, resource, q = {}) => {
    if (principal.kind === "root" && authorize.rootAllowed) return;
    conditions ??= conditionContext({ ...source, now: source.now() });
    const policies = typeof q.policies === "function" ? await q.policies() : q.policies;
    return authorize(principal, action, resource, q.extra ? { ...conditions, ...q.extra } : conditions, policies);
  };
}
