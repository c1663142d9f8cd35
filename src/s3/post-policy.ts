// The POST Object policy document (AWS "Creating a POST policy", sigv4-HTTPPOSTConstructPolicy):
// base64 JSON with an expiration and conditions every form field must meet. Pure: fields in,
// an S3Error out.
import { S3Error } from "../xml/errors.ts";
import { fromBase64 } from "../util/hash.ts";

export type PolicyCondition =
  | { kind: "eq" | "starts-with"; field: string; value: string; text: string }
  | { kind: "content-length-range"; min: number; max: number };

export interface PostPolicy { expiration: number; conditions: PolicyCondition[] }

/**
 * Fields no condition has to name (S3: x-amz-signature, signature, file, policy and x-ignore-*;
 * AWSAccessKeyId too with SigV2, which signs nothing else).
 */
const EXEMPT = new Set(["x-amz-signature", "signature", "awsaccesskeyid", "file", "policy"]);

const invalidPolicy = (why: string) => new S3Error("InvalidPolicyDocument", { message: `Invalid Policy: ${why}` });
const denied = (why: string) => new S3Error("AccessDenied", { message: `Invalid according to Policy: ${why}` });

/** Decodes the `policy` field; a document S3 would refuse is InvalidPolicyDocument. */
export function parsePolicy(b64: string): PostPolicy {
  const raw = fromBase64(b64.trim());
  if (!raw) throw invalidPolicy("Invalid Base64 Encoding.");
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(raw));
  } catch {
    throw invalidPolicy("Invalid JSON.");
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw invalidPolicy("Invalid JSON.");
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalidPolicy("Policy missing expiration.");
  const exp = typeof expiration === "string" ? Date.parse(expiration) : NaN;
  if (Number.isNaN(exp)) throw invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  if (conditions === undefined) throw invalidPolicy("Policy missing conditions.");
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid 'conditions' value: must be a List.");
  return { expiration: exp, conditions: conditions.flatMap(parseCondition) };
}

function parseCondition(c: unknown): PolicyCondition[] {
  if (Array.isArray(c)) {
    const op = typeof c[0] === "string" ? c[0].toLowerCase() : "";
    if (op === "content-length-range") {
      const [min, max] = [toInt(c[1]), toInt(c[2])];
      if (c.length !== 3 || min === null || max === null || min > max) throw invalidPolicy("Invalid content-length-range condition.");
      return [{ kind: "content-length-range", min, max }];
    }
    if ((op === "eq" || op === "starts-with") && c.length === 3 && typeof c[1] === "string" && c[1].startsWith("$") && typeof c[2] === "string") {
      return [{ kind: op, field: c[1].slice(1).toLowerCase(), value: c[2], text: JSON.stringify(c).replace(/","/g, "\", \"") }];
    }
    throw invalidPolicy(`Invalid Condition: ${JSON.stringify(c)}`);
  }
  if (c && typeof c === "object") {
    return Object.entries(c).map(([k, v]) => {
      if (typeof v !== "string") throw invalidPolicy("Invalid Simple-Condition: value must be a string.");
      return { kind: "eq" as const, field: k.toLowerCase(), value: v, text: JSON.stringify(["eq", `$${k}`, v]).replace(/","/g, "\", \"") };
    });
  }
  throw invalidPolicy(`Invalid Condition: ${JSON.stringify(c)}`);
}

function toInt(v: unknown): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * Checks the form against the policy: not expired, each condition met, each field named by a
 * condition. `fields` has lower-case names and the key with ${filename} already substituted;
 * `bucket` is the request's own (a $bucket condition is about it, not about a form field).
 * Answers the content-length-range, checked later against the file as it streams.
 */
export function checkPolicy(p: PostPolicy, fields: Map<string, string>, opts: { now: number; bucket: string }): { min: number; max: number } | undefined {
  if (opts.now > p.expiration) throw denied("Policy expired.");
  let range: { min: number; max: number } | undefined;
  const covered = new Set<string>();
  for (const c of p.conditions) {
    if (c.kind === "content-length-range") {
      range = { min: c.min, max: c.max };
      continue;
    }
    covered.add(c.field);
    const v = c.field === "bucket" ? opts.bucket : fields.get(c.field) ?? "";
    const ok = c.kind === "eq" ? v === c.value : v.startsWith(c.value);
    if (!ok) throw denied(`Policy Condition failed: ${c.text}`);
  }
  const extra = [...fields.keys()].filter((k) => !EXEMPT.has(k) && !k.startsWith("x-ignore-") && !covered.has(k));
  if (extra.length) throw denied(`Extra input fields: ${extra.join(", ")}`);
  return range;
}
