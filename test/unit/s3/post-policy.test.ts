// The POST policy document: parsing and each kind of condition, with S3's messages.
import { describe, expect, it } from "bun:test";
import { checkPolicy, parsePolicy } from "../../../src/s3/post-policy.ts";
import { S3Error } from "../../../src/xml/errors.ts";

const b64 = (doc: unknown) => Buffer.from(typeof doc === "string" ? doc : JSON.stringify(doc)).toString("base64");
const NOW = Date.parse("2026-01-01T00:00:00Z");
const LATER = "2026-01-01T01:00:00.000Z";

function check(conditions: unknown[], fields: Record<string, string>, expiration = LATER) {
  const p = parsePolicy(b64({ expiration, conditions }));
  return checkPolicy(p, new Map(Object.entries(fields)), { now: NOW, bucket: "bkt" });
}

function failure(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("no error");
}

describe("parsePolicy", () => {
  it.each([
    ["not base64", "%%%", "Invalid Policy: Invalid Base64 Encoding."],
    ["not JSON", b64("{nope"), "Invalid Policy: Invalid JSON."],
    ["a JSON list", b64([]), "Invalid Policy: Invalid JSON."],
    ["no expiration", b64({ conditions: [] }), "Invalid Policy: Policy missing expiration."],
    ["a bad expiration", b64({ expiration: "soon", conditions: [] }), "Invalid Policy: Invalid 'expiration' value: 'soon'"],
    ["no conditions", b64({ expiration: LATER }), "Invalid Policy: Policy missing conditions."],
    ["an unknown operator", b64({ expiration: LATER, conditions: [["gt", "$key", "a"]] }), 'Invalid Policy: Invalid Condition: ["gt","$key","a"]'],
    ["a range upside down", b64({ expiration: LATER, conditions: [["content-length-range", 10, 1]] }), "Invalid Policy: Invalid content-length-range condition."],
    ["a simple condition with a number", b64({ expiration: LATER, conditions: [{ key: 1 }] }), "Invalid Policy: Invalid Simple-Condition: value must be a string."],
  ])("%s is InvalidPolicyDocument", (_n, doc, message) => {
    expect(failure(() => parsePolicy(doc))).toEqual({ code: "InvalidPolicyDocument", message });
  });

  it("reads all three condition forms", () => {
    const p = parsePolicy(b64({ expiration: LATER, conditions: [{ Bucket: "b" }, ["eq", "$Key", "k"], ["starts-with", "$key", "a/"], ["content-length-range", "1", 10]] }));
    expect(p.expiration).toBe(Date.parse(LATER));
    expect(p.conditions.map((c) => c.kind)).toEqual(["eq", "eq", "starts-with", "content-length-range"]);
    expect(p.conditions[1]).toMatchObject({ field: "key", value: "k" });
  });
});

describe("checkPolicy", () => {
  it("passes a form every condition covers, answering the length range", () => {
    expect(check(
      [{ bucket: "bkt" }, ["starts-with", "$key", "u/"], ["eq", "$x-amz-meta-a", "1"], ["starts-with", "$Content-Type", ""], ["content-length-range", 1, 100]],
      { key: "u/file.txt", "x-amz-meta-a": "1", "content-type": "text/plain", policy: "p", "x-amz-signature": "s", "x-ignore-me": "z", file: "" },
    )).toEqual({ min: 1, max: 100 });
  });

  it.each([
    ["expired", [], {}, "2025-12-31T23:59:59Z", "Invalid according to Policy: Policy expired."],
    ["a failed eq", [["eq", "$key", "a"]], { key: "b" }, LATER, 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]'],
    ["a failed simple condition", [{ key: "a" }], { key: "b" }, LATER, 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]'],
    ["a failed starts-with", [["starts-with", "$key", "u/"]], { key: "v/x" }, LATER, 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "u/"]'],
    ["the bucket is the request's", [{ bucket: "other" }], { bucket: "other" }, LATER, 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "other"]'],
    ["a condition on a field not sent", [["eq", "$acl", "private"]], {}, LATER, 'Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "private"]'],
    ["extra fields", [["starts-with", "$key", ""]], { key: "k", "content-type": "a", "x-amz-meta-b": "c" }, LATER, "Invalid according to Policy: Extra input fields: content-type, x-amz-meta-b"],
  ])("%s is AccessDenied", (_n, conditions, fields, expiration, message) => {
    expect(failure(() => check(conditions, fields, expiration))).toEqual({ code: "AccessDenied", message });
  });

  it("an empty starts-with matches anything, an absent field too", () => {
    expect(check([["starts-with", "$key", ""], ["starts-with", "$content-type", ""]], { key: "whatever" })).toBeUndefined();
  });
});
