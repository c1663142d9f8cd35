// One request's IAM questions (auth/request-authorizer.ts): nothing is built for root when the
// authorizer allows root outright; otherwise the condition context once, the resource's policies per question.
import { describe, expect, it } from "bun:test";
import { S3Error } from "../../../src/xml/errors.ts";
import type { Authorize, Conditions, ResourcePolicies } from "../../../src/auth/authorize.ts";
import type { Principal } from "../../../src/auth/principal.ts";
import { requestAuthorizer } from "../../../src/auth/request-authorizer.ts";

const ROOT: Principal = { kind: "root", accessKey: "root" };
const USER: Principal = { kind: "user", accessKey: "alice" };

function setup(rootAllowed: boolean) {
  const calls: { principal: Principal; action: string; conditions: Conditions; policies?: ResourcePolicies }[] = [];
  const authorize: Authorize = Object.assign(async (principal: Principal, action: string, _resource: string, conditions: Conditions, policies?: ResourcePolicies) => {
    calls.push({ principal, action, conditions, policies });
    if (action === "s3:DeleteObject") throw new S3Error("AccessDenied");
  }, rootAllowed ? { rootAllowed: true } : {});
  let clockReads = 0, policyReads = 0;
  const ask = requestAuthorizer(authorize, {
    url: new URL("https://h/bkt?prefix=a%2F"), headers: new Headers({ "user-agent": "t" }), clientAddress: "10.0.0.1", auth: "v4-header",
    now: () => { clockReads++; return Date.UTC(2026, 0, 1); },
  });
  const policies = async () => { policyReads++; return { bucketPolicy: null }; };
  return { ask, calls, policies, reads: () => ({ clockReads, policyReads }) };
}

describe("requestAuthorizer", () => {
  it("root with rootAllowed: no question, no context, no policy read", async () => {
    const { ask, calls, policies, reads } = setup(true);
    await ask(ROOT, "s3:PutObject", "arn:aws:s3:::bkt/k", { policies });
    expect(calls).toEqual([]);
    expect(reads()).toEqual({ clockReads: 0, policyReads: 0 });
  });

  it("an authorizer without rootAllowed (a test's spy) sees root's questions too", async () => {
    const { ask, calls } = setup(false);
    await ask(ROOT, "s3:GetObject", "arn:aws:s3:::bkt/k");
    expect(calls.map((c) => [c.principal.kind, c.action])).toEqual([["root", "s3:GetObject"]]);
  });

  it("builds the context once for all questions; extra keys per question; policies read per question; a denial is thrown", async () => {
    const { ask, calls, policies, reads } = setup(true);
    await ask(USER, "s3:ListBucket", "arn:aws:s3:::bkt", { policies });
    await ask(USER, "s3:PutObjectTagging", "arn:aws:s3:::bkt/k", { extra: { "s3:RequestObjectTag/a": "1" }, policies: { implicitAllow: true } });
    await expect(ask(USER, "s3:DeleteObject", "arn:aws:s3:::bkt/k")).rejects.toThrow(S3Error);
    expect(reads()).toEqual({ clockReads: 1, policyReads: 1 });
    expect(calls[0].conditions).toMatchObject({ "s3:prefix": "a/", "aws:SourceIp": "10.0.0.1", "aws:SecureTransport": "true", "aws:UserAgent": "t", "aws:EpochTime": "1767225600" });
    expect(calls[0].policies).toEqual({ bucketPolicy: null });
    expect(calls[1].conditions).toMatchObject({ "s3:prefix": "a/", "s3:RequestObjectTag/a": "1" });
    expect(calls[1].policies).toEqual({ implicitAllow: true });
    expect(calls[0].conditions["s3:RequestObjectTag/a"]).toBeUndefined();
  });
});
