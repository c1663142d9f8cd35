// What an ACL grants (AWS "Access control list (ACL) overview", "Mapping of ACL permissions and
// access policy permissions"): a grant allows, it never denies, so an ACL only adds to what
// policies allow and an explicit Deny anywhere still wins (authorize.ts asks it last).
// Grants to the owner add nothing: the owner is the account, whose root may do everything and
// whose users get their rights from IAM policies, as in S3.
import type { Grant, Permission } from "./acl-grants.ts";

// By the ACL's level: a bucket's READ lists it and its WRITE writes any object in it; an
// object's READ reads it. READ_ACP / WRITE_ACP read and write the ACL itself.
const BUCKET_ACTIONS: Record<Exclude<Permission, "FULL_CONTROL">, readonly string[]> = {
  READ: ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
  WRITE: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
  READ_ACP: ["s3:GetBucketAcl"],
  WRITE_ACP: ["s3:PutBucketAcl"],
};
const OBJECT_ACTIONS: Record<Exclude<Permission, "FULL_CONTROL">, readonly string[]> = {
  READ: ["s3:GetObject", "s3:GetObjectVersion"],
  WRITE: [],
  READ_ACP: ["s3:GetObjectAcl", "s3:GetObjectVersionAcl"],
  WRITE_ACP: ["s3:PutObjectAcl", "s3:PutObjectVersionAcl"],
};

/** Actions an object's own ACL can grant (the only ones worth reading the object for). */
export const OBJECT_ACL_ACTIONS: ReadonlySet<string> = new Set(Object.values(OBJECT_ACTIONS).flat());

/** Whether `grants` (of a bucket or an object) allow `action` to a caller, anonymous or signed. */
export function aclAllows(grants: readonly Grant[], level: "bucket" | "object", action: string, signed: boolean): boolean {
  const table = level === "bucket" ? BUCKET_ACTIONS : OBJECT_ACTIONS;
  for (const [grantee, permission] of grants) {
    if (grantee === "owner" || (grantee === "AuthenticatedUsers" && !signed)) continue;
    const perms = permission === "FULL_CONTROL" ? (Object.keys(table) as (keyof typeof table)[]) : [permission];
    if (perms.some((p) => table[p].includes(action))) return true;
  }
  return false;
}
