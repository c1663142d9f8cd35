// The condition context of a request: the global aws:* keys and the s3:* keys S3 defines for
// its operations (AWS "Actions, resources, and condition keys for Amazon S3"). Only keys the
// request carries are present; a policy condition on an absent key does not match.
import type { Conditions } from "./authorize.ts";
import type { Principal } from "./principal.ts";

export interface ConditionSource {
  url: URL;
  headers: Headers;
  /** The client's address from the runtime adapter ("" when unknown). */
  clientAddress: string;
  now: number;
  /** How the request was signed, for s3:signatureversion and s3:authType. */
  auth: "v4-header" | "v4-query" | "v2-header" | "v2-query" | "anonymous";
}

const HEADER_KEYS: [condition: string, header: string][] = [
  ["s3:x-amz-acl", "x-amz-acl"],
  ["s3:x-amz-storage-class", "x-amz-storage-class"],
  ["s3:x-amz-server-side-encryption", "x-amz-server-side-encryption"],
  ["s3:x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-aws-kms-key-id"],
  ["s3:x-amz-copy-source", "x-amz-copy-source"],
  ["s3:x-amz-metadata-directive", "x-amz-metadata-directive"],
  ["s3:x-amz-content-sha256", "x-amz-content-sha256"],
  ["s3:x-amz-grant-read", "x-amz-grant-read"],
  ["s3:x-amz-grant-write", "x-amz-grant-write"],
  ["s3:x-amz-grant-full-control", "x-amz-grant-full-control"],
  ["s3:object-lock-mode", "x-amz-object-lock-mode"],
  ["s3:object-lock-legal-hold", "x-amz-object-lock-legal-hold"],
  ["s3:object-lock-retain-until-date", "x-amz-object-lock-retain-until-date"],
  ["aws:UserAgent", "user-agent"],
  ["aws:Referer", "referer"],
];

const QUERY_KEYS: [condition: string, param: string][] = [
  ["s3:prefix", "prefix"],
  ["s3:delimiter", "delimiter"],
  ["s3:max-keys", "max-keys"],
  ["s3:versionid", "versionId"],
];

export function conditionContext(s: ConditionSource): Conditions {
  const c: Record<string, string | readonly string[]> = {
    "aws:SecureTransport": s.url.protocol === "https:" ? "true" : "false",
    "aws:CurrentTime": new Date(s.now).toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": String(Math.floor(s.now / 1000)),
  };
  if (s.clientAddress) c["aws:SourceIp"] = s.clientAddress;
  for (const [k, h] of HEADER_KEYS) {
    const v = s.headers.get(h);
    if (v !== null) c[k] = v;
  }
  for (const [k, p] of QUERY_KEYS) {
    const v = s.url.searchParams.get(p);
    if (v !== null) c[k] = v;
  }
  // The retention a write asks for in its headers (PutObject, CopyObject, CreateMultipartUpload).
  const until = c["s3:object-lock-retain-until-date"];
  if (typeof until === "string") Object.assign(c, remainingRetentionDays(Date.parse(until), s.now));
  // x-amz-tagging (PutObject, CopyObject, CreateMultipartUpload): the tags the request would set.
  const tagging = s.headers.get("x-amz-tagging");
  if (tagging !== null) Object.assign(c, tagConditions("s3:RequestObjectTag", Object.fromEntries(new URLSearchParams(tagging))));
  if (s.auth !== "anonymous") {
    c["s3:signatureversion"] = s.auth.startsWith("v4") ? "AWS4-HMAC-SHA256" : "AWS";
    c["s3:authType"] = s.auth.endsWith("query") ? "REST-QUERY-STRING" : "REST-HEADER";
  }
  return c;
}

const DAY_MS = 86_400_000;

/**
 * s3:object-lock-remaining-retention-days of a requested retain-until date (ms): the days left,
 * a started day counted whole (a bound of 10 refuses 10 days and a minute), 0 for a date
 * already past; absent for a date that does not parse (the handler refuses it anyway).
 */
export function remainingRetentionDays(untilMs: number, now: number): Conditions {
  if (!Number.isFinite(untilMs)) return {};
  return { "s3:object-lock-remaining-retention-days": String(Math.max(0, Math.ceil((untilMs - now) / DAY_MS))) };
}

/**
 * The object-lock keys of what a PutObjectRetention or PutObjectLegalHold body asks for (AWS
 * supplies them from the body there, from the x-amz-object-lock-* headers on PutObject):
 * s3:object-lock-mode, s3:object-lock-retain-until-date (as sent) and the remaining days, or
 * s3:object-lock-legal-hold. A body that removes the retention has none.
 */
export function lockConditions(l: { mode?: string; until?: string; untilMs?: number; legalHold?: string }, now: number): Conditions {
  const c: Record<string, string> = {};
  if (l.mode !== undefined) c["s3:object-lock-mode"] = l.mode;
  if (l.until !== undefined) Object.assign(c, { "s3:object-lock-retain-until-date": l.until }, remainingRetentionDays(l.untilMs ?? Date.parse(l.until), now));
  if (l.legalHold !== undefined) c["s3:object-lock-legal-hold"] = l.legalHold;
  return c;
}

/**
 * The keys that name the caller (policy variables `${aws:username}` in home-folder policies):
 * a service account acts as its parent user, as on MinIO; anonymous has none.
 */
export function principalConditions(p: Principal): Conditions {
  switch (p.kind) {
    case "anonymous": return {};
    case "serviceAccount": return { "aws:username": p.parent, "aws:userid": p.accessKey, "aws:PrincipalType": "User" };
    case "sts": return { "aws:username": p.parent, "aws:userid": p.accessKey, "aws:PrincipalType": "AssumedRole" };
    default: return { "aws:username": p.accessKey, "aws:userid": p.accessKey, "aws:PrincipalType": p.kind === "root" ? "Account" : "User" };
  }
}

/** The condition keys of an object's tags under `prefix` (s3:ExistingObjectTag, s3:RequestObjectTag). */
export function tagConditions(prefix: "s3:ExistingObjectTag" | "s3:RequestObjectTag", tags: Record<string, string>): Conditions {
  const c: Record<string, string | readonly string[]> = {};
  for (const [k, v] of Object.entries(tags)) c[`${prefix}/${k}`] = v;
  // The keys as a set, for ForAllValues/ForAnyValue (AWS defines it for the request's tags only).
  if (prefix === "s3:RequestObjectTag") c["s3:RequestObjectTagKeys"] = Object.keys(tags);
  return c;
}
