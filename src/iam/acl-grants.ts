// An ACL's grants as the gateway stores them (s3/acl.ts parses and answers them): to the owner,
// to everyone (AllUsers) and to every signed principal (AuthenticatedUsers), as JSON
// `[[grantee, permission], …]`; absent = private (the owner's FULL_CONTROL). Here, beside their
// evaluation (acl-eval.ts), so the authorizer reads them without the S3 API.

export type Grantee = "owner" | "AllUsers" | "AuthenticatedUsers";
export type Permission = "FULL_CONTROL" | "READ" | "WRITE" | "READ_ACP" | "WRITE_ACP";
export type Grant = readonly [Grantee, Permission];

export const PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>(["FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"]);

export const OWNER_FULL: Grant = ["owner", "FULL_CONTROL"];

/** Grants from stored text; what does not parse grants nothing beyond the owner's (fail closed). */
export function loadAcl(text: string | null | undefined): Grant[] {
  if (!text) return [OWNER_FULL];
  try {
    const v = JSON.parse(text);
    if (Array.isArray(v)) return v.filter((g): g is Grant => Array.isArray(g) && ["owner", "AllUsers", "AuthenticatedUsers"].includes(g[0]) && PERMISSIONS.has(g[1]));
  } catch {
    // fall through
  }
  return [OWNER_FULL];
}

/** A grant to everyone or to every signed principal (AWS "public" for Block Public Access). */
export const isPublicAcl = (grants: readonly Grant[]) => grants.some(([g]) => g !== "owner");
