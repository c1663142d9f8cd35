// What a grant allows (AWS's mapping of ACL permissions to actions), and that it never denies.
import { describe, expect, it } from "bun:test";
import { aclAllows } from "../../../src/iam/acl-eval.ts";
import { cannedAcl, type Grant } from "../../../src/s3/acl.ts";

describe("aclAllows", () => {
  it.each([
    ["public-read", "bucket", "s3:ListBucket", false, true],
    ["public-read", "bucket", "s3:PutObject", false, false],
    ["public-read-write", "bucket", "s3:PutObject", false, true],
    ["public-read-write", "bucket", "s3:DeleteObject", false, true],
    ["public-read-write", "bucket", "s3:PutBucketAcl", false, false],
    ["public-read", "object", "s3:GetObject", false, true],
    ["public-read", "object", "s3:GetObjectAcl", false, false],
    ["public-read", "object", "s3:PutObject", false, false],
    ["authenticated-read", "object", "s3:GetObject", false, false],
    ["authenticated-read", "object", "s3:GetObject", true, true],
    ["private", "object", "s3:GetObject", true, false],
    ["bucket-owner-full-control", "bucket", "s3:ListBucket", true, false],
  ] as const)("%s on a %s: %s (signed %p) → %p", (canned, level, action, signed, allowed) => {
    expect(aclAllows(cannedAcl(canned), level, action, signed)).toBe(allowed);
  });

  it("FULL_CONTROL to everyone covers READ, WRITE and the ACP permissions, but only of its level", () => {
    const g: Grant[] = [["AllUsers", "FULL_CONTROL"]];
    for (const a of ["s3:ListBucket", "s3:PutObject", "s3:GetBucketAcl", "s3:PutBucketAcl"]) expect(aclAllows(g, "bucket", a, false)).toBe(true);
    for (const a of ["s3:GetObject", "s3:GetObjectAcl", "s3:PutObjectAcl"]) expect(aclAllows(g, "object", a, false)).toBe(true);
    expect(aclAllows(g, "bucket", "s3:DeleteBucket", false)).toBe(false);
    expect(aclAllows(g, "bucket", "s3:PutBucketPolicy", false)).toBe(false);
  });

  it("owner grants add nothing (root has every right already; users get theirs from IAM)", () => {
    expect(aclAllows([["owner", "FULL_CONTROL"]], "object", "s3:GetObject", true)).toBe(false);
  });
});
