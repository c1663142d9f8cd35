// The policy evaluator as tables: matching, conditions with their qualifiers, policy variables,
// document validation, and AWS's policy-evaluation examples (IAM User Guide "Policy evaluation
// logic", "Condition operators").
import { describe, expect, it } from "bun:test";
import { parsePolicy, PolicyError, type PolicyKind } from "../../../src/iam/policy-document.ts";
import { conditionMatches, evaluatePolicies, evaluatePolicy, ipInCidr, wildcardMatch, type ConditionValues, type Decision } from "../../../src/iam/policy-eval.ts";
import { CANNED_POLICIES } from "../../../src/iam/canned.ts";

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: unknown, Resource: unknown = "arn:aws:s3:::*", extra: Record<string, unknown> = {}) => ({ Effect: "Allow", Action, Resource, ...extra });

describe("wildcards", () => {
  it.each([
    ["s3:*", "s3:GetObject", true, true],
    ["s3:Get*", "s3:GetObjectTagging", true, true],
    ["s3:get*", "s3:GetObject", true, true],
    ["s3:Get?bject", "s3:GetObject", true, true],
    ["s3:Get?bject", "s3:GetOObject", true, false],
    ["arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", false, true],
    ["arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false, false],
    ["arn:aws:s3:::*log*", "arn:aws:s3:::my-logs/file", false, true],
    ["a*b*c", "aXXbYYc", false, true],
    ["a*b*c", "aXXbYY", false, false],
    ["*", "", false, true],
    ["?", "", false, false],
  ])("%s ~ %s (ignoreCase %p) → %p", (p, v, ic, want) => {
    expect(wildcardMatch(p, v, ic)).toBe(want);
  });

  it("a pathological pattern is linear, not exponential", () => {
    const t = performance.now();
    expect(wildcardMatch("*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

describe("CIDR", () => {
  it.each([
    ["10.1.2.3", "10.0.0.0/8", true],
    ["11.1.2.3", "10.0.0.0/8", false],
    ["192.168.1.1", "192.168.1.1", true],
    ["192.168.1.1", "0.0.0.0/0", true],
    ["2001:db8::1", "2001:db8::/32", true],
    ["2001:db9::1", "2001:db8::/32", false],
    ["::ffff:10.0.0.5", "10.0.0.0/24", true],
    ["::1", "::1/128", true],
    ["10.0.0.1", "2001:db8::/32", false],
    ["not-an-ip", "10.0.0.0/8", false],
    ["10.0.0.1", "10.0.0.0/33", false],
  ])("%s in %s → %p", (ip, cidr, want) => expect(ipInCidr(ip, cidr)).toBe(want));
});

const clause = (op: string, key: string, values: string[]) => {
  const d = parsePolicy(doc(allow("s3:GetObject", "*", { Condition: { [op]: { [key]: values } } })), "identity");
  return d.statements[0].conditions[0];
};

describe("condition operators", () => {
  const ctx: ConditionValues = {
    "s3:prefix": "home/alice/", "aws:SourceIp": "203.0.113.7", "aws:SecureTransport": "false", "s3:max-keys": "50",
    "aws:CurrentTime": "2026-12-01T12:00:00Z", "aws:username": "alice", "aws:TagKeys": ["team", "cost"],
  };
  it.each([
    ["StringEquals", "s3:prefix", ["home/alice/"], true],
    ["StringEquals", "S3:PREFIX", ["home/alice/"], true], // key names are case-insensitive
    ["StringEquals", "s3:prefix", ["HOME/alice/"], false],
    ["StringEquals", "s3:prefix", ["x", "home/alice/"], true],
    ["StringEquals", "s3:delimiter", ["/"], false], // absent key: a positive operator fails
    ["StringNotEquals", "s3:prefix", ["home/bob/"], true],
    ["StringNotEquals", "s3:prefix", ["home/bob/", "home/alice/"], false],
    ["StringNotEquals", "s3:delimiter", ["/"], true], // absent key: a negated operator holds
    ["StringEqualsIgnoreCase", "s3:prefix", ["HOME/ALICE/"], true],
    ["StringNotEqualsIgnoreCase", "s3:prefix", ["HOME/ALICE/"], false],
    ["StringLike", "s3:prefix", ["home/*"], true],
    ["StringLike", "s3:prefix", ["home/${aws:username}/*"], true],
    ["StringLike", "s3:prefix", ["home/${aws:userid}/*"], false], // a variable without a value matches nothing
    ["StringLike", "s3:prefix", ["home/?lice/"], true],
    ["StringNotLike", "s3:prefix", ["tmp/*"], true],
    ["StringNotLike", "s3:prefix", ["home/*"], false],
    ["StringEqualsIfExists", "s3:delimiter", ["/"], true],
    ["StringEqualsIfExists", "s3:prefix", ["other"], false],
    ["IpAddress", "aws:SourceIp", ["203.0.113.0/24"], true],
    ["IpAddress", "aws:SourceIp", ["198.51.100.0/24"], false],
    ["NotIpAddress", "aws:SourceIp", ["198.51.100.0/24"], true],
    ["IpAddress", "aws:SourceIp", ["2001:db8::/32", "203.0.113.7/32"], true],
    ["Bool", "aws:SecureTransport", ["false"], true],
    ["Bool", "aws:SecureTransport", ["true"], false],
    ["BoolIfExists", "aws:MultiFactorAuthPresent", ["true"], true],
    ["NumericLessThanEquals", "s3:max-keys", ["50"], true],
    ["NumericLessThan", "s3:max-keys", ["50"], false],
    ["NumericGreaterThan", "s3:max-keys", ["10"], true],
    ["NumericGreaterThanEquals", "s3:max-keys", ["51"], false],
    ["NumericEquals", "s3:max-keys", ["50.0"], true],
    ["NumericNotEquals", "s3:max-keys", ["50"], false],
    ["NumericEquals", "s3:prefix", ["1"], false], // not a number: no match
    ["DateGreaterThan", "aws:CurrentTime", ["2026-01-01T00:00:00Z"], true],
    ["DateLessThan", "aws:CurrentTime", ["2026-01-01T00:00:00Z"], false],
    ["DateLessThanEquals", "aws:CurrentTime", ["2026-12-01T12:00:00Z"], true],
    ["DateGreaterThanEquals", "aws:CurrentTime", ["2026-12-01T12:00:01Z"], false],
    ["DateEquals", "aws:CurrentTime", [String(Date.parse("2026-12-01T12:00:00Z") / 1000)], true], // epoch seconds
    ["DateNotEquals", "aws:CurrentTime", ["2026-12-01T12:00:00Z"], false],
    ["Null", "s3:delimiter", ["true"], true],
    ["Null", "s3:prefix", ["true"], false],
    ["Null", "s3:prefix", ["false"], true],
    ["ForAnyValue:StringEquals", "aws:TagKeys", ["cost"], true],
    ["ForAnyValue:StringEquals", "aws:TagKeys", ["other"], false],
    ["ForAllValues:StringEquals", "aws:TagKeys", ["team", "cost", "owner"], true],
    ["ForAllValues:StringEquals", "aws:TagKeys", ["team"], false],
    ["ForAllValues:StringEquals", "s3:absent", ["team"], true], // vacuously true
    ["ForAnyValue:StringEquals", "s3:absent", ["team"], false],
    ["ForAnyValue:StringNotEquals", "aws:TagKeys", ["team"], true],
    ["ForAllValues:StringNotEquals", "aws:TagKeys", ["team"], false],
    ["ForAllValues:StringLike", "aws:TagKeys", ["*"], true],
  ])("%s %s %j → %p", (op, key, values, want) => {
    expect(conditionMatches(clause(op, key, values), ctx)).toBe(want);
  });

  it("several keys in one operator and several operators in one Condition are ANDed", () => {
    const d = parsePolicy(doc(allow("s3:ListBucket", "arn:aws:s3:::b", {
      Condition: { StringEquals: { "s3:prefix": "a/", "s3:delimiter": "/" }, NumericLessThanEquals: { "s3:max-keys": 10 } },
    })), "identity");
    const req = (c: ConditionValues) => evaluatePolicy(d, { action: "s3:ListBucket", resource: "arn:aws:s3:::b", conditions: c });
    expect(req({ "s3:prefix": "a/", "s3:delimiter": "/", "s3:max-keys": "10" })).toBe("Allow");
    expect(req({ "s3:prefix": "a/", "s3:delimiter": "/", "s3:max-keys": "11" })).toBe("NoMatch");
    expect(req({ "s3:prefix": "a/", "s3:max-keys": "1" })).toBe("NoMatch");
  });
});

describe("documents", () => {
  const ev = (d: string, action: string, resource: string, conditions: ConditionValues = {}, kind: PolicyKind = "identity", principals?: string[]) =>
    evaluatePolicy(parsePolicy(d, kind), { action, resource, conditions, principals });

  it.each([
    // [document, action, resource, expected]
    [doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), "s3:GetObject", "arn:aws:s3:::b/k", "Allow"],
    [doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), "s3:GetObject", "arn:aws:s3:::c/k", "NoMatch"],
    [doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), "s3:PutObject", "arn:aws:s3:::b/k", "NoMatch"],
    [doc(allow("S3:getobject", "arn:aws:s3:::b/*")), "s3:GetObject", "arn:aws:s3:::b/k", "Allow"],
    [doc(allow("s3:*", "arn:aws:s3:::b/*"), { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }), "s3:DeleteObject", "arn:aws:s3:::b/k", "Deny"],
    [doc(allow("s3:*", "arn:aws:s3:::b/*"), { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }), "s3:PutObject", "arn:aws:s3:::b/k", "Allow"],
    // NotAction: everything but listing
    [doc({ Effect: "Allow", NotAction: "s3:List*", Resource: "*" }), "s3:GetObject", "arn:aws:s3:::b/k", "Allow"],
    [doc({ Effect: "Allow", NotAction: "s3:List*", Resource: "*" }), "s3:ListBucket", "arn:aws:s3:::b", "NoMatch"],
    // NotResource: everywhere but one bucket
    [doc({ Effect: "Allow", Action: "s3:*", NotResource: ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"] }), "s3:GetObject", "arn:aws:s3:::secret/k", "NoMatch"],
    [doc({ Effect: "Allow", Action: "s3:*", NotResource: ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"] }), "s3:GetObject", "arn:aws:s3:::open/k", "Allow"],
    // A bucket ARN does not cover its objects, nor the other way round.
    [doc(allow("s3:*", "arn:aws:s3:::b")), "s3:GetObject", "arn:aws:s3:::b/k", "NoMatch"],
    [doc(allow("s3:*", "arn:aws:s3:::b/*")), "s3:ListBucket", "arn:aws:s3:::b", "NoMatch"],
    // Resources are case-sensitive.
    [doc(allow("s3:*", "arn:aws:s3:::B/*")), "s3:GetObject", "arn:aws:s3:::b/k", "NoMatch"],
    // Statement as one object, not a list.
    [JSON.stringify({ Version: "2012-10-17", Statement: allow("s3:GetObject", "arn:aws:s3:::*") }), "s3:GetObject", "arn:aws:s3:::b/k", "Allow"],
  ])("%s: %s on %s → %s", (d, action, resource, want) => {
    expect(ev(d, action, resource)).toBe(want as Decision);
  });

  it("policy variables in Resource: ${aws:username} (a home folder), and no value → no match", () => {
    const d = doc(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"));
    expect(ev(d, "s3:PutObject", "arn:aws:s3:::home/alice/x", { "aws:username": "alice" })).toBe("Allow");
    expect(ev(d, "s3:PutObject", "arn:aws:s3:::home/bob/x", { "aws:username": "alice" })).toBe("NoMatch");
    expect(ev(d, "s3:PutObject", "arn:aws:s3:::home//x", {})).toBe("NoMatch");
    // ${*} is a literal star, and a default value fills a missing key.
    expect(ev(doc(allow("s3:*", "arn:aws:s3:::b/${*}")), "s3:GetObject", "arn:aws:s3:::b/x", {})).toBe("NoMatch");
    expect(ev(doc(allow("s3:*", "arn:aws:s3:::b/${*}")), "s3:GetObject", "arn:aws:s3:::b/*", {})).toBe("Allow");
    expect(ev(doc(allow("s3:*", "arn:aws:s3:::b/${aws:username, 'guest'}/*")), "s3:GetObject", "arn:aws:s3:::b/guest/k", {})).toBe("Allow");
  });

  it("admin actions ignore Resource (consoleAdmin's first statement has none); s3:* does not cover them", () => {
    const ca = CANNED_POLICIES.consoleAdmin;
    expect(ev(ca, "admin:CreateUser", "arn:minio:admin:::*")).toBe("Allow");
    expect(ev(ca, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(ev(CANNED_POLICIES.readwrite, "admin:CreateUser", "arn:minio:admin:::*")).toBe("NoMatch");
    expect(ev(CANNED_POLICIES.diagnostics, "admin:ServerInfo", "arn:minio:admin:::*")).toBe("Allow");
    expect(ev(CANNED_POLICIES.diagnostics, "admin:CreateUser", "arn:minio:admin:::*")).toBe("NoMatch");
  });

  it("canned readonly: GetObject yes, ListBucket no (as MinIO)", () => {
    expect(ev(CANNED_POLICIES.readonly, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(ev(CANNED_POLICIES.readonly, "s3:ListBucket", "arn:aws:s3:::b")).toBe("NoMatch");
    expect(ev(CANNED_POLICIES.writeonly, "s3:PutObject", "arn:aws:s3:::b/k")).toBe("Allow");
    expect(ev(CANNED_POLICIES.writeonly, "s3:GetObject", "arn:aws:s3:::b/k")).toBe("NoMatch");
  });

  it("bucket policy Principal: * covers everyone, a named user only that user, NotPrincipal everyone else", () => {
    const p = (Principal: unknown) => doc({ Effect: "Allow", Principal, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
    expect(ev(p("*"), "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*"])).toBe("Allow");
    expect(ev(p({ AWS: ["*"] }), "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*"])).toBe("Allow");
    expect(ev(p({ AWS: "alice" }), "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*"])).toBe("NoMatch");
    expect(ev(p({ AWS: "alice" }), "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*", "alice"])).toBe("Allow");
    expect(ev(p({ AWS: "arn:aws:iam::*:user/alice" }), "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*", "alice"])).toBe("Allow");
    const np = doc({ Effect: "Deny", NotPrincipal: { AWS: "alice" }, Action: "s3:*", Resource: "arn:aws:s3:::b/*" });
    expect(ev(np, "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*", "bob"])).toBe("Deny");
    expect(ev(np, "s3:GetObject", "arn:aws:s3:::b/k", {}, "bucket", ["*", "alice"])).toBe("NoMatch");
  });
});

describe("AWS policy-evaluation examples", () => {
  // IAM User Guide, "Policy evaluation for requests within a single account": Carlos
  // (carlossalazar) has an identity policy with AllowS3ListRead, AllowS3Self and DenyS3Logs;
  // a bucket policy on his bucket names only him.
  const carlos = parsePolicy(JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "AllowS3ListRead", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"], Resource: "arn:aws:s3:::*" },
      { Sid: "AllowS3Self", Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"] },
      { Sid: "DenyS3Logs", Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::*log*" },
    ],
  }), "identity");
  const bucketPolicy = parsePolicy(JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:user/carlossalazar" }, Action: "s3:*", Resource: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*" }],
  }), "bucket");
  const req = (action: string, resource: string) => ({ action, resource, conditions: {}, principals: ["*", "carlossalazar"] });

  it("saving to the -logs bucket: DenyS3Logs is an explicit deny, which no Allow overrides", () => {
    const r = req("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file");
    expect(evaluatePolicies([carlos, bucketPolicy], r)).toBe("Deny");
  });

  it("saving to his own bucket: allowed by the identity policy and the bucket policy alike", () => {
    const r = req("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file");
    expect(evaluatePolicy(carlos, r)).toBe("Allow");
    expect(evaluatePolicy(bucketPolicy, r)).toBe("Allow");
  });

  it("listing buckets is allowed; another user's bucket is an implicit deny", () => {
    expect(evaluatePolicy(carlos, req("s3:ListAllMyBuckets", "arn:aws:s3:::*"))).toBe("Allow");
    expect(evaluatePolicies([carlos, bucketPolicy], req("s3:GetObject", "arn:aws:s3:::someone-else/k"))).toBe("NoMatch");
  });

  it("a time-boxed Deny (DateGreaterThan and DateLessThan on aws:CurrentTime) applies only inside its window", () => {
    const d = parsePolicy(doc(
      allow(["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], "arn:aws:s3:::holidaygifts/*"),
      { Effect: "Deny", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::holidaygifts/*",
        Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-12-01T00:00:00Z" }, DateLessThan: { "aws:CurrentTime": "2020-12-25T06:00:00Z" } } },
    ), "identity");
    const at = (t: string) => evaluatePolicy(d, { action: "s3:GetObject", resource: "arn:aws:s3:::holidaygifts/x", conditions: { "aws:CurrentTime": t } });
    expect(at("2020-12-10T00:00:00Z")).toBe("Deny");
    expect(at("2020-12-26T00:00:00Z")).toBe("Allow");
  });

  it("Deny with NotAction and StringNotEquals (deny outside approved regions) leaves the named services alone", () => {
    const d = parsePolicy(doc(
      allow("*", "*"),
      { Effect: "Deny", NotAction: ["admin:*", "sts:*"], Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1"] } } },
    ), "identity");
    const r = (action: string, region: string) => evaluatePolicy(d, { action, resource: "arn:aws:s3:::b", conditions: { "aws:RequestedRegion": region } });
    expect(r("s3:ListBucket", "us-east-1")).toBe("Deny");
    expect(r("s3:ListBucket", "eu-west-1")).toBe("Allow");
    expect(r("sts:AssumeRole", "us-east-1")).toBe("Allow");
  });

  it("no policy at all is an implicit deny", () => {
    expect(evaluatePolicies([], req("s3:GetObject", "arn:aws:s3:::b/k"))).toBe("NoMatch");
  });
});

describe("validation", () => {
  it.each([
    ["not JSON", "{"],
    ["no Version", JSON.stringify({ Statement: [allow("s3:*")] })],
    ["bad Version", JSON.stringify({ Version: "2020-01-01", Statement: [allow("s3:*")] })],
    ["no Statement", JSON.stringify({ Version: "2012-10-17" })],
    ["empty Statement", JSON.stringify({ Version: "2012-10-17", Statement: [] })],
    ["bad Effect", doc({ Effect: "Maybe", Action: "s3:*", Resource: "*" })],
    ["Action and NotAction", doc({ Effect: "Allow", Action: "s3:*", NotAction: "s3:Get*", Resource: "*" })],
    ["no Action", doc({ Effect: "Allow", Resource: "*" })],
    ["unknown service", doc(allow("ec3:GetObject"))],
    ["action without name", doc(allow("s3:"))],
    ["s3 without Resource", doc({ Effect: "Allow", Action: "s3:GetObject" })],
    ["Resource not an ARN", doc(allow("s3:GetObject", "mybucket/*"))],
    ["unknown operator", doc(allow("s3:GetObject", "*", { Condition: { StringSortOf: { "s3:prefix": "a" } } }))],
    ["NullIfExists", doc(allow("s3:GetObject", "*", { Condition: { NullIfExists: { "s3:prefix": "true" } } }))],
    ["bad qualifier", doc(allow("s3:GetObject", "*", { Condition: { "ForSomeValues:StringEquals": { "s3:prefix": "a" } } }))],
    ["empty condition values", doc(allow("s3:GetObject", "*", { Condition: { StringEquals: { "s3:prefix": [] } } }))],
    ["Principal in an identity policy", doc({ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" })],
    ["unknown element", doc({ Effect: "Allow", Action: "s3:*", Resource: "*", Resources: "*" })],
  ])("identity policy refused: %s", (_, text) => {
    expect(() => parsePolicy(text, "identity")).toThrow(PolicyError);
  });

  it.each([
    ["no Principal", doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" })],
    ["admin action", doc({ Effect: "Allow", Principal: "*", Action: "admin:*", Resource: "arn:aws:s3:::b/*" })],
    ["no Resource", doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject" })],
    ["other principal type", doc({ Effect: "Allow", Principal: { Service: "x" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" })],
  ])("bucket policy refused: %s", (_, text) => {
    expect(() => parsePolicy(text, "bucket")).toThrow(PolicyError);
  });

  it("every canned policy parses", () => {
    for (const d of Object.values(CANNED_POLICIES)) expect(() => parsePolicy(d, "identity")).not.toThrow();
  });
});
