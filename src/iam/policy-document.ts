// IAM JSON policy documents (AWS "IAM JSON policy element reference"): parsed once into a form
// the evaluator (policy-eval.ts) walks without re-checking, validated as MinIO and S3 do, so a
// document that would be evaluated differently from what its author meant is refused instead.
// The same grammar serves identity policies (canned and custom, service-account and session
// policies) and bucket policies; only Principal and the Resource rules differ.

export class PolicyError extends Error {}

export type Effect = "Allow" | "Deny";

/** A condition operator with its qualifiers, e.g. `ForAllValues:StringLikeIfExists`. */
export interface ConditionClause {
  /** The base operator: "StringEquals", "IpAddress", "Null", … */
  op: string;
  set?: "ForAnyValue" | "ForAllValues";
  ifExists: boolean;
  key: string;
  values: string[];
}

export interface Statement {
  sid?: string;
  effect: Effect;
  /** Principal / NotPrincipal "AWS" identifiers; "*" is everyone (anonymous included). Bucket policies only. */
  principal?: string[];
  notPrincipal?: string[];
  /** Exactly one of action / notAction. */
  action?: string[];
  notAction?: string[];
  /** Absent both: the statement names no resource (admin/kms actions only). */
  resource?: string[];
  notResource?: string[];
  conditions: ConditionClause[];
}

export interface PolicyDocument {
  version: string;
  id?: string;
  statements: Statement[];
}

export type PolicyKind = "identity" | "bucket";

const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);

/** The condition operators this evaluator implements (base names, before IfExists). */
export const CONDITION_OPERATORS = new Set([
  "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
  "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
  "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
  "Bool", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
]);

// Action namespaces a gateway policy may name; anything else is a typo that would silently never match.
const ACTION_SERVICES = new Set(["s3", "admin", "kms", "sts", "sns", "sqs"]);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** A string or a non-empty array of strings (IAM allows either for most elements). */
function stringList(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) throw new PolicyError(`${what} must not be empty`);
  for (const s of list) if (typeof s !== "string" || s === "") throw new PolicyError(`${what} must be a string or a list of strings`);
  return list as string[];
}

function parsePrincipal(v: unknown, what: string): string[] {
  if (v === "*") return ["*"];
  if (!isObject(v)) throw new PolicyError(`${what} must be "*" or {"AWS": …}`);
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== "AWS") throw new PolicyError(`${what} supports only "AWS" principals`);
  return stringList(v.AWS, `${what}.AWS`);
}

function parseAction(a: string, kind: PolicyKind): void {
  if (a === "*") return;
  const i = a.indexOf(":");
  const service = i > 0 ? a.slice(0, i).toLowerCase() : "";
  if (!ACTION_SERVICES.has(service) || i === a.length - 1) throw new PolicyError(`invalid action '${a}'`);
  if (kind === "bucket" && service !== "s3") throw new PolicyError(`invalid action '${a}': a bucket policy names s3 actions only`);
}

function parseConditions(v: unknown): ConditionClause[] {
  if (v === undefined) return [];
  if (!isObject(v)) throw new PolicyError("Condition must be an object");
  const out: ConditionClause[] = [];
  for (const [name, block] of Object.entries(v)) {
    let op = name;
    let set: ConditionClause["set"];
    const colon = op.indexOf(":");
    if (colon >= 0) {
      const q = op.slice(0, colon);
      if (q !== "ForAnyValue" && q !== "ForAllValues") throw new PolicyError(`invalid condition qualifier in '${name}'`);
      set = q;
      op = op.slice(colon + 1);
    }
    const ifExists = op.endsWith("IfExists") && op !== "IfExists";
    if (ifExists) op = op.slice(0, -"IfExists".length);
    if (!CONDITION_OPERATORS.has(op) || (op === "Null" && (ifExists || set))) throw new PolicyError(`invalid condition operator '${name}'`);
    if (!isObject(block)) throw new PolicyError(`condition '${name}' must map keys to values`);
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.length) throw new PolicyError(`condition '${name}' on '${key}' has no values`);
      const values = list.map((x) => {
        if (typeof x === "string") return x;
        if (typeof x === "number" || typeof x === "boolean") return String(x);
        throw new PolicyError(`condition '${name}' on '${key}' must have string, number or boolean values`);
      });
      out.push({ op, ...(set ? { set } : {}), ifExists, key, values });
    }
  }
  return out;
}

const KNOWN_STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]);

function parseStatement(s: unknown, kind: PolicyKind): Statement {
  if (!isObject(s)) throw new PolicyError("each Statement must be an object");
  for (const k of Object.keys(s)) if (!KNOWN_STATEMENT_KEYS.has(k)) throw new PolicyError(`unknown statement element '${k}'`);
  if (s.Sid !== undefined && typeof s.Sid !== "string") throw new PolicyError("Sid must be a string");
  if (s.Effect !== "Allow" && s.Effect !== "Deny") throw new PolicyError("Effect must be \"Allow\" or \"Deny\"");
  const st: Statement = { effect: s.Effect, conditions: parseConditions(s.Condition) };
  if (typeof s.Sid === "string") st.sid = s.Sid;

  if (kind === "bucket") {
    if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) throw new PolicyError("a bucket policy statement needs exactly one of Principal or NotPrincipal");
    if (s.Principal !== undefined) st.principal = parsePrincipal(s.Principal, "Principal");
    else st.notPrincipal = parsePrincipal(s.NotPrincipal, "NotPrincipal");
  } else if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
    throw new PolicyError("an identity policy must not name a Principal");
  }

  if ((s.Action === undefined) === (s.NotAction === undefined)) throw new PolicyError("a statement needs exactly one of Action or NotAction");
  const actions = stringList(s.Action ?? s.NotAction, s.Action !== undefined ? "Action" : "NotAction");
  for (const a of actions) parseAction(a, kind);
  if (s.Action !== undefined) st.action = actions;
  else st.notAction = actions;

  if (s.Resource !== undefined && s.NotResource !== undefined) throw new PolicyError("a statement may have Resource or NotResource, not both");
  if (s.Resource !== undefined) st.resource = stringList(s.Resource, "Resource");
  else if (s.NotResource !== undefined) st.notResource = stringList(s.NotResource, "NotResource");
  else if (kind === "bucket" || !st.action || !st.action.every((a) => /^(admin|kms):/i.test(a))) {
    // MinIO: only admin and kms statements may leave Resource out (consoleAdmin's first statement).
    throw new PolicyError("a statement needs a Resource (only admin and kms actions may leave it out)");
  }
  for (const r of st.resource ?? st.notResource ?? []) {
    if (r !== "*" && !r.startsWith("arn:")) throw new PolicyError(`invalid resource '${r}'`);
  }
  return st;
}

/** Parses and validates a policy document (JSON text or an already parsed value); throws PolicyError. */
export function parsePolicy(doc: string | unknown, kind: PolicyKind): PolicyDocument {
  let v: unknown = doc;
  if (typeof doc === "string") {
    try {
      v = JSON.parse(doc);
    } catch {
      throw new PolicyError("the policy is not valid JSON");
    }
  }
  if (!isObject(v)) throw new PolicyError("the policy must be a JSON object");
  for (const k of Object.keys(v)) if (k !== "Version" && k !== "Id" && k !== "Statement") throw new PolicyError(`unknown policy element '${k}'`);
  if (typeof v.Version !== "string" || !VERSIONS.has(v.Version)) throw new PolicyError("Version must be \"2012-10-17\" (or \"2008-10-17\")");
  if (v.Id !== undefined && typeof v.Id !== "string") throw new PolicyError("Id must be a string");
  const raw = v.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (!list.length) throw new PolicyError("the policy has no Statement");
  return { version: v.Version, ...(typeof v.Id === "string" ? { id: v.Id } : {}), statements: list.map((s) => parseStatement(s, kind)) };
}
