// Evaluation of parsed policy documents against one request (AWS "Policy evaluation logic",
// "IAM JSON policy elements: Condition operators"). A document answers Deny when any matching
// statement denies, Allow when one allows and none denies, and nothing otherwise; combining
// the answers of several documents (explicit Deny wins, default deny) is authorize.ts's.
import type { ConditionClause, PolicyDocument, Statement } from "./policy-document.ts";

export type Decision = "Allow" | "Deny" | "NoMatch";

/** Condition keys → values; a multi-valued key (s3:ExistingObjectTag sets, …) is an array. */
export type ConditionValues = Readonly<Record<string, string | readonly string[]>>;

export interface EvalRequest {
  action: string;
  resource: string;
  conditions: ConditionValues;
  /** Who is asking, for a bucket policy's Principal: ["*"] plus the caller's identifiers. */
  principals?: readonly string[];
  /**
   * Told each condition key a matching statement asked for and the context lacks, so that the
   * caller can fetch what is costly to know (s3:ExistingObjectTag/…) only when it matters.
   */
  onMissing?: (key: string) => void;
}

const STAR = 0, ONE = 1;
/** A glob as tokens: single characters, STAR (`*`) and ONE (`?`). */
type Tok = string | typeof STAR | typeof ONE;

/**
 * A pattern's tokens; with `ctx`, policy variables are replaced by their (literal) values first,
 * `${*}` and `${?}` being a literal `*` and `?`. Null when a variable has no value.
 */
function globTokens(pattern: string, ctx?: ConditionValues): Tok[] | null {
  const out: Tok[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (ctx && c === "$" && pattern[i + 1] === "{") {
      const close = pattern.indexOf("}", i);
      if (close > 0) {
        const v = substituteVariables(pattern.slice(i, close + 1), ctx);
        if (v === null) return null;
        for (const ch of v) out.push(ch);
        i = close;
        continue;
      }
    }
    out.push(c === "*" ? STAR : c === "?" ? ONE : c);
  }
  return out;
}

function matchTokens(t: readonly Tok[], value: string, ignoreCase: boolean): boolean {
  const eq = (a: string, b: string) => a === b || (ignoreCase && a.toLowerCase() === b.toLowerCase());
  // Iterative glob with single-star backtracking: never exponential (a regex built from user
  // input could be).
  let p = 0, v = 0, star = -1, mark = 0;
  while (v < value.length) {
    const k = t[p];
    if (p < t.length && (k === ONE || (typeof k === "string" && eq(k, value[v])))) { p++; v++; }
    else if (p < t.length && k === STAR) { star = p++; mark = v; }
    else if (star >= 0) { p = star + 1; v = ++mark; }
    else return false;
  }
  while (p < t.length && t[p] === STAR) p++;
  return p === t.length;
}

/** `*` any run of characters (`/` included), `?` exactly one; `ignoreCase` for action names. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  // Straight on the strings (no tokens): this runs for every statement of every request.
  const eq = ignoreCase
    ? (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase()
    : (a: string, b: string) => a === b;
  let p = 0, v = 0, star = -1, mark = 0;
  while (v < value.length) {
    const k = pattern[p];
    if (p < pattern.length && k !== "*" && (k === "?" || eq(k, value[v]))) { p++; v++; }
    else if (p < pattern.length && k === "*") { star = p++; mark = v; }
    else if (star >= 0) { p = star + 1; v = ++mark; }
    else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** A glob with policy variables (Resource, StringLike values). */
function variableMatch(pattern: string, value: string, ctx: ConditionValues): boolean {
  if (!pattern.includes("${")) return wildcardMatch(pattern, value);
  const t = globTokens(pattern, ctx);
  return t !== null && matchTokens(t, value, false);
}

/** Lower-cased key lookup: condition key names are case-insensitive in IAM. */
function lookup(ctx: ConditionValues, key: string): readonly string[] | undefined {
  const exact = ctx[key];
  if (exact !== undefined) return typeof exact === "string" ? [exact] : exact;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === lower) return typeof v === "string" ? [v] : v;
  return undefined;
}

/**
 * Policy variables (`${aws:username}`, `${s3:prefix}`, the escapes `${*}` `${?}` `${$}`, and a
 * default `${key, 'value'}`): null when a variable has no value, which makes the element that
 * holds it match nothing (AWS).
 */
export function substituteVariables(s: string, ctx: ConditionValues): string | null {
  if (!s.includes("${")) return s;
  let missing = false;
  const out = s.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner === "*" || inner === "?" || inner === "$") return inner;
    const m = /^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
    const v = m ? lookup(ctx, m[1]) : undefined;
    if (v && v.length === 1) return v[0];
    if (m && m[2] !== undefined) return m[2];
    missing = true;
    return "";
  });
  return missing ? null : out;
}

function resourceMatch(pattern: string, resource: string, ctx: ConditionValues): boolean {
  return pattern === "*" || variableMatch(pattern, resource, ctx);
}

const actionMatch = (patterns: readonly string[], action: string) => patterns.some((p) => wildcardMatch(p, action, true));

/** Admin and kms actions name no resource (MinIO): their statements match whatever is asked. */
const resourceless = (action: string) => /^(admin|kms):/i.test(action);

// One account per gateway: a user ARN of any account names the user (MinIO matches the name).
const principalName = (p: string) => p.replace(/^arn:aws:iam::[^:]*:user\//, "");

function principalMatch(patterns: readonly string[], who: readonly string[]): boolean {
  return patterns.some((p) => p === "*" || who.some((w) => wildcardMatch(principalName(p), w)));
}

// ---- conditions -----------------------------------------------------------------------------

type Test = (ctxValue: string, policyValue: string) => boolean;

function parseNumber(s: string): number {
  return /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(s) ? Number(s) : NaN;
}

/** ISO 8601 or epoch seconds (both are accepted by IAM). */
function parseDate(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  return Date.parse(s);
}

function cmp(parse: (s: string) => number, ok: (d: number) => boolean): Test {
  return (c, p) => {
    const a = parse(c), b = parse(p);
    return !Number.isNaN(a) && !Number.isNaN(b) && ok(a - b);
  };
}

/** Parses an IPv4/IPv6 address into bytes, or null. */
export function parseIp(s: string): Uint8Array | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split(".").map(Number);
    return parts.every((n) => n <= 255) ? new Uint8Array(parts) : null;
  }
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let head = s, tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail4 = parseIp(s.slice(lastColon + 1));
    if (!tail4) return null;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const left = groups(halves[0]), right = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - left.length - right.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0 || (halves.length === 2 && fill < 1)) return null;
  const all = [...left, ...Array(halves.length === 2 ? fill : 0).fill("0"), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i])) return null;
    const n = parseInt(all[i], 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 255;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) compares as its IPv4 address. */
function unmap(b: Uint8Array): Uint8Array {
  if (b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255) return b.slice(12);
  return b;
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const slash = cidr.indexOf("/");
  const net = parseIp(slash < 0 ? cidr : cidr.slice(0, slash));
  const addr = parseIp(ip.replace(/^\[|\]$/g, ""));
  if (!net || !addr) return false;
  const a = unmap(addr), n = unmap(net);
  const shift = n.length === 4 && net.length === 16 ? 96 : 0;
  const bits = slash < 0 ? n.length * 8 : Number(cidr.slice(slash + 1)) - shift;
  if (a.length !== n.length || !Number.isInteger(bits) || bits < 0 || bits > n.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const m = 0x80 >> (i % 8);
    if ((a[i >> 3] & m) !== (n[i >> 3] & m)) return false;
  }
  return true;
}

/** Each operator as (positive test, negated?). */
const OPERATORS: Record<string, [Test, boolean]> = {
  StringEquals: [(c, p) => c === p, false],
  StringNotEquals: [(c, p) => c === p, true],
  StringEqualsIgnoreCase: [(c, p) => c.toLowerCase() === p.toLowerCase(), false],
  StringNotEqualsIgnoreCase: [(c, p) => c.toLowerCase() === p.toLowerCase(), true],
  StringLike: [(c, p) => wildcardMatch(p, c), false],
  StringNotLike: [(c, p) => wildcardMatch(p, c), true],
  ArnEquals: [(c, p) => c === p, false],
  ArnNotEquals: [(c, p) => c === p, true],
  ArnLike: [(c, p) => wildcardMatch(p, c), false],
  ArnNotLike: [(c, p) => wildcardMatch(p, c), true],
  NumericEquals: [cmp(parseNumber, (d) => d === 0), false],
  NumericNotEquals: [cmp(parseNumber, (d) => d === 0), true],
  NumericLessThan: [cmp(parseNumber, (d) => d < 0), false],
  NumericLessThanEquals: [cmp(parseNumber, (d) => d <= 0), false],
  NumericGreaterThan: [cmp(parseNumber, (d) => d > 0), false],
  NumericGreaterThanEquals: [cmp(parseNumber, (d) => d >= 0), false],
  DateEquals: [cmp(parseDate, (d) => d === 0), false],
  DateNotEquals: [cmp(parseDate, (d) => d === 0), true],
  DateLessThan: [cmp(parseDate, (d) => d < 0), false],
  DateLessThanEquals: [cmp(parseDate, (d) => d <= 0), false],
  DateGreaterThan: [cmp(parseDate, (d) => d > 0), false],
  DateGreaterThanEquals: [cmp(parseDate, (d) => d >= 0), false],
  Bool: [(c, p) => c.toLowerCase() === p.toLowerCase(), false],
  IpAddress: [(c, p) => ipInCidr(c, p), false],
  NotIpAddress: [(c, p) => ipInCidr(c, p), true],
};

// Operators whose policy values may carry policy variables (AWS: string and ARN operators).
const VARIABLE_OPS = /^(String|Arn)/;

export function conditionMatches(cl: ConditionClause, ctx: ConditionValues, onMissing?: (key: string) => void): boolean {
  const present = lookup(ctx, cl.key);
  const values = present && present.length ? present : undefined;
  if (present === undefined) onMissing?.(cl.key);
  if (cl.op === "Null") {
    // "true": the key must be absent; "false": present.
    return cl.values.some((v) => (v.toLowerCase() === "true") === (values === undefined));
  }
  if (!values) {
    if (cl.ifExists) return true;
    if (cl.set === "ForAllValues") return true; // vacuously: every one of no values matches
    if (cl.set === "ForAnyValue") return false;
    return OPERATORS[cl.op][1]; // a negated operator holds for an absent key, a positive one does not
  }
  const [test, negated] = OPERATORS[cl.op];
  const policyValues = VARIABLE_OPS.test(cl.op)
    ? cl.values.map((v) => substituteVariables(v, ctx)).filter((v): v is string => v !== null)
    : cl.values;
  // Like operators keep `${*}`/`${?}` literal, so they match on the unsubstituted glob.
  const like = /Like$/.test(cl.op);
  const positive = like ? (c: string) => cl.values.some((p) => variableMatch(p, c, ctx)) : (c: string) => policyValues.some((p) => test(c, p));
  const one = (c: string) => (negated ? !positive(c) : positive(c));
  if (cl.set === "ForAllValues") return values.every(one);
  if (cl.set === "ForAnyValue") return values.some(one);
  // Single-valued use: a negated operator means "matches none of the values".
  return negated ? !values.some(positive) : values.some(positive);
}

// ---- statements and documents ---------------------------------------------------------------

export function statementMatches(st: Statement, req: EvalRequest): boolean {
  if (st.action && !actionMatch(st.action, req.action)) return false;
  if (st.notAction && actionMatch(st.notAction, req.action)) return false;
  if (!resourceless(req.action)) {
    if (st.resource && !st.resource.some((r) => resourceMatch(r, req.resource, req.conditions))) return false;
    if (st.notResource && st.notResource.some((r) => resourceMatch(r, req.resource, req.conditions))) return false;
    // A statement naming no resource is for admin/kms actions only.
    if (!st.resource && !st.notResource) return false;
  }
  if (st.principal && !principalMatch(st.principal, req.principals ?? ["*"])) return false;
  if (st.notPrincipal && principalMatch(st.notPrincipal, req.principals ?? ["*"])) return false;
  return st.conditions.every((c) => conditionMatches(c, req.conditions, req.onMissing));
}

export function evaluatePolicy(doc: PolicyDocument, req: EvalRequest): Decision {
  let allowed = false;
  for (const st of doc.statements) {
    if (!statementMatches(st, req)) continue;
    if (st.effect === "Deny") return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : "NoMatch";
}

/** Several documents of one kind (a user's and its groups' policies): Deny wins, then any Allow. */
export function evaluatePolicies(docs: readonly PolicyDocument[], req: EvalRequest): Decision {
  let allowed = false;
  for (const d of docs) {
    const r = evaluatePolicy(d, req);
    if (r === "Deny") return "Deny";
    if (r === "Allow") allowed = true;
  }
  return allowed ? "Allow" : "NoMatch";
}
