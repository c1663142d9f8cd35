// ACLs as S3 has them, reduced to what one account per gateway can mean: grants to the owner,
// to everyone (AllUsers) and to every signed principal (AuthenticatedUsers). Canned ACLs expand
// to those grants (AWS "Canned ACL"); grants to other accounts (canonical ids, e-mails) would be
// accepted and meaningless here, so they are NotImplemented, never stored and ignored.
// Stored form: the grants as JSON `[[grantee, permission], …]`; absent = private (the owner's
// FULL_CONTROL). A bucket's in its configuration `acl`; an object's in its record's headers
// under OBJECT_ACL_HEADER (never answered as a header, not settable by a client: object-headers.ts).
import { S3Error } from "../xml/errors.ts";
import { isBlank, parseXml, xmlResponse } from "../xml/xml.ts";
import type { ReqCtx } from "./context.ts";
import { ownerOf } from "./owner.ts";
import { OWNER_FULL, PERMISSIONS, type Grant, type Grantee, type Permission } from "../iam/acl-grants.ts";

// The stored form and its reading live in iam/acl-grants.ts (the authorizer reads it too).
export { isPublicAcl, loadAcl, type Grant, type Grantee, type Permission } from "../iam/acl-grants.ts";

export const BUCKET_ACL_CONFIG = "acl";
export const OBJECT_ACL_HEADER = "x-s3edge-acl";

const ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTH_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const URIS: Record<string, Grantee> = { [ALL_USERS_URI]: "AllUsers", [AUTH_USERS_URI]: "AuthenticatedUsers" };

// The object owner is the bucket owner here (one account), so the bucket-owner-* ACLs are private.
const CANNED: Record<string, Grant[]> = {
  "private": [OWNER_FULL],
  "public-read": [OWNER_FULL, ["AllUsers", "READ"]],
  "public-read-write": [OWNER_FULL, ["AllUsers", "READ"], ["AllUsers", "WRITE"]],
  "authenticated-read": [OWNER_FULL, ["AuthenticatedUsers", "READ"]],
  "bucket-owner-read": [OWNER_FULL],
  "bucket-owner-full-control": [OWNER_FULL],
};

/** The grants of a canned ACL name (x-amz-acl, the POST form's `acl`). */
export function cannedAcl(name: string): Grant[] {
  const g = CANNED[name.trim()];
  if (g) return g;
  // aws-exec-read and log-delivery-write name AWS's own accounts; anything else is a typo.
  if (name.trim() === "aws-exec-read" || name.trim() === "log-delivery-write") {
    throw new S3Error("NotImplemented", { message: `The canned ACL '${name}' grants to AWS service accounts, which this gateway does not have.` });
  }
  throw new S3Error("InvalidArgument", { message: "Invalid canned ACL", extra: { ArgumentName: "x-amz-acl", ArgumentValue: name } });
}

/** Stored text for grants (null: private, nothing to store). */
export function storeAcl(grants: Grant[]): string | null {
  return grants.length === 1 && grants[0][0] === "owner" && grants[0][1] === "FULL_CONTROL" ? null : JSON.stringify(grants);
}

const GRANT_HEADERS: Record<string, Permission> = {
  "x-amz-grant-read": "READ", "x-amz-grant-write": "WRITE", "x-amz-grant-read-acp": "READ_ACP",
  "x-amz-grant-write-acp": "WRITE_ACP", "x-amz-grant-full-control": "FULL_CONTROL",
};

/**
 * The ACL a request asks for in its headers (x-amz-acl or x-amz-grant-*), or null when it asks
 * for none. x-amz-grant-* take `uri="…"` groups (and `id=` of the owner); others are NotImplemented.
 */
export function requestedAcl(h: Headers, ownerId: string): Grant[] | null {
  const canned = h.get("x-amz-acl");
  const grantHeaders = Object.keys(GRANT_HEADERS).filter((n) => h.has(n));
  if (canned !== null && grantHeaders.length) {
    throw new S3Error("InvalidRequest", { message: "Specifying both Canned ACLs and Header Grants is not allowed" });
  }
  if (canned !== null) return cannedAcl(canned);
  if (!grantHeaders.length) return null;
  const grants: Grant[] = [];
  for (const n of grantHeaders) {
    for (const part of h.get(n)!.split(",")) {
      const m = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
      if (!m) throw new S3Error("InvalidArgument", { message: `Invalid ${n} value`, extra: { ArgumentName: n } });
      grants.push([granteeOf(m[1].toLowerCase(), m[2], ownerId), GRANT_HEADERS[n]]);
    }
  }
  return grants;
}

function granteeOf(kind: string, value: string, ownerId: string): Grantee {
  if (kind === "uri" && URIS[value]) return URIS[value];
  if (kind === "id" && value === ownerId) return "owner";
  throw new S3Error("NotImplemented", {
    message: "Grants to other accounts (canonical ids, e-mail addresses, other groups) are not supported: this gateway has one account; use AllUsers, AuthenticatedUsers or a bucket policy.",
  });
}

const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");

/** An AccessControlPolicy document (PutBucketAcl / PutObjectAcl body). */
export function parseAccessControlPolicy(xml: string, ownerId: string): Grant[] {
  const root = parseXml(xml).AccessControlPolicy;
  if (root === undefined || typeof root !== "object") throw new S3Error("MalformedACLError");
  const list = root.AccessControlList;
  const raw = list === undefined || isBlank(list) ? [] : list.Grant;
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const grants: Grant[] = [];
  for (const g of items) {
    if (typeof g !== "object" || typeof g.Grantee !== "object") throw new S3Error("MalformedACLError");
    const permission = text(g.Permission) as Permission;
    if (!PERMISSIONS.has(permission)) throw new S3Error("MalformedACLError");
    const who = g.Grantee;
    const grantee = who.URI !== undefined ? granteeOf("uri", text(who.URI), ownerId)
      : who.ID !== undefined ? granteeOf("id", text(who.ID), ownerId)
      : who.EmailAddress !== undefined ? granteeOf("emailaddress", text(who.EmailAddress), ownerId)
      : (() => { throw new S3Error("MalformedACLError"); })();
    grants.push([grantee, permission]);
  }
  return grants;
}

/** The AccessControlPolicy document S3 answers GetBucketAcl / GetObjectAcl with. */
export function aclResponse(ctx: Pick<ReqCtx, "deps">, grants: readonly Grant[] = [OWNER_FULL]) {
  const owner = ownerOf(ctx);
  const xsi = "http://www.w3.org/2001/XMLSchema-instance";
  return xmlResponse("AccessControlPolicy", {
    Owner: owner,
    AccessControlList: {
      Grant: grants.map(([g, permission]) => ({
        Grantee: g === "owner"
          ? { "@_xmlns:xsi": xsi, "@_xsi:type": "CanonicalUser", ...owner }
          : { "@_xmlns:xsi": xsi, "@_xsi:type": "Group", URI: g === "AllUsers" ? ALL_USERS_URI : AUTH_USERS_URI },
        Permission: permission,
      })),
    },
  });
}
