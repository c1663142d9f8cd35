// What an IamStore can check by itself, shared by every implementation: the shape of keys,
// names and documents. A refusal is thrown inside the write's transaction (rolling it back) and
// becomes the write's IamWrite result; it never leaves the store.
import type { IamErrorCode, IamStatus, NewServiceAccount } from "./store.ts";

export class IamRefusal extends Error {
  constructor(readonly code: IamErrorCode, message: string) {
    super(message);
  }
}

const refuse = (message: string): never => { throw new IamRefusal("InvalidArgument", message); };

// Printable ASCII without the characters that split credentials: '/' (SigV4 Credential=AK/date/…),
// ':' (SigV2 "AWS AK:sig"), '=' and ',' (MinIO's reserved characters).
const ACCESS_KEY = /^[!-~]{3,128}$/;
const ACCESS_KEY_RESERVED = /[/:=,]/;
// madmin: at least 8 characters; control characters would not survive a signature's string to sign.
const SECRET_KEY = /^[^\x00-\x1f\x7f]{8,128}$/;
// Names travel in comma-separated lists (madmin's policyName "p1,p2"): no commas, no blanks.
const POLICY_NAME = /^[^,\s]{1,128}$/;
const GROUP_NAME = /^[^,\x00-\x1f\x7f]{1,256}$/;
// madmin: letter first, then letters, digits, '_' and '-', at most 32.
const ACCOUNT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export function checkAccessKey(k: string): void {
  if (typeof k !== "string" || !ACCESS_KEY.test(k) || ACCESS_KEY_RESERVED.test(k)) {
    refuse("access key must be 3 to 128 printable characters without '/', ':', '=' or ','");
  }
}

export function checkSecretKey(k: string): void {
  if (typeof k !== "string" || !SECRET_KEY.test(k)) refuse("secret key must be 8 to 128 characters without control characters");
}

export function checkStatus(s: string): asserts s is IamStatus {
  if (s !== "enabled" && s !== "disabled") refuse("status must be 'enabled' or 'disabled'");
}

export function checkPolicyName(n: string): void {
  if (typeof n !== "string" || !POLICY_NAME.test(n)) refuse("policy name must be 1 to 128 characters without commas or blanks");
}

export function checkGroupName(n: string): void {
  if (typeof n !== "string" || !GROUP_NAME.test(n) || n.trim() !== n) refuse("group name must be 1 to 256 characters without commas or surrounding blanks");
}

/** A policy document (or session policy) is a JSON object; its grammar is the evaluator's to check. */
export function checkDocument(doc: string, what: string): void {
  let v: unknown;
  try {
    v = JSON.parse(doc);
  } catch {
    refuse(`${what} is not valid JSON`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) refuse(`${what} must be a JSON object`);
}

export function checkAccountName(n: string): void {
  if (!ACCOUNT_NAME.test(n)) refuse("service account name must start with a letter and have at most 32 letters, digits, '_' or '-'");
}

export function checkDescription(d: string): void {
  if (typeof d !== "string" || new TextEncoder().encode(d).length > 256) refuse("service account description must be at most 256 bytes");
}

export function checkExpiration(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0) refuse("expiration must be a time in epoch milliseconds");
}

/** A new service account's fields (every IamStore checks the same before writing); its status. */
export function checkNewServiceAccount(a: NewServiceAccount): IamStatus {
  checkAccessKey(a.accessKey);
  checkSecretKey(a.secretKey);
  const status = a.status ?? "enabled";
  checkStatus(status);
  if (a.sessionPolicy !== undefined) checkDocument(a.sessionPolicy, "session policy");
  if (a.name !== undefined) checkAccountName(a.name);
  if (a.description !== undefined) checkDescription(a.description);
  if (a.expiration !== undefined) checkExpiration(a.expiration);
  return status;
}

/** Names in order, each once. */
export const unique = (names: string[]): string[] => [...new Set(names)];
