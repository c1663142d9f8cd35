// Anonymous access as `mc anonymous set|get` does it: the canned statements minio-go's
// pkg/policy writes into the bucket policy for a bucket and prefix (none/download/upload/public),
// and the level read back from a policy. Only those canned statements are replaced; any other
// statement of the policy is kept as it was.

export type Level = "none" | "download" | "upload" | "public";
/** What the bucket list shows: mc anonymous get's answer for the whole bucket. */
export type Glance = "private" | "download" | "upload" | "public" | "custom";
export type Statement = Record<string, unknown>;
export interface Policy { Version: string; Statement: Statement[] }

const ARN = "arn:aws:s3:::";
const COMMON = "s3:GetBucketLocation", LIST = "s3:ListBucket", UPLOADS = "s3:ListBucketMultipartUploads";
const READ = ["s3:GetObject"];
const WRITE = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:PutObject"];
const OBJECT_ACTIONS: Record<Exclude<Level, "none">, string[]> = { download: READ, upload: WRITE, public: [...READ, ...WRITE].sort() };

const list = (v: unknown): string[] | null => (typeof v === "string" ? [v] : Array.isArray(v) && v.every((x) => typeof x === "string") ? v : null);
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
const anonymous = (p: unknown) => {
  if (p === "*") return true;
  const aws = p && typeof p === "object" ? list((p as Record<string, unknown>).AWS) : null;
  return !!aws && aws.length === 1 && aws[0] === "*";
};
const allow = (actions: string[], resource: string, condition?: Record<string, unknown>): Statement => ({
  Effect: "Allow", Principal: { AWS: ["*"] }, Action: actions, Resource: [resource], ...(condition ? { Condition: condition } : {}),
});

/** The canned statements for one prefix (minio-go newStatements), bucket statements first. */
export function levelStatements(bucket: string, prefix: string, level: Level): Statement[] {
  if (level === "none") return [];
  const b = ARN + bucket;
  const out = [allow([COMMON], b)];
  if (level === "download" || level === "public") out.push(allow([LIST], b, prefix ? { StringEquals: { "s3:prefix": [prefix] } } : undefined));
  if (level === "upload" || level === "public") out.push(allow([UPLOADS], b));
  out.push(allow(OBJECT_ACTIONS[level], `${b}/${prefix}*`));
  return out;
}

/** One statement's canned meaning, or null when it is someone else's (kept verbatim). */
type Canned =
  | { kind: "bucket"; actions: string[]; prefix?: string } // prefix: a ListBucket conditioned on s3:prefix
  | { kind: "object"; prefixes: string[]; level: Exclude<Level, "none"> };

function classify(s: Statement, bucket: string): Canned | null {
  const keys = Object.keys(s).filter((k) => !(k === "Sid" && s.Sid === ""));
  if (s.Effect !== "Allow" || !anonymous(s.Principal) || keys.some((k) => !["Effect", "Principal", "Action", "Resource", "Condition"].includes(k))) return null;
  const actions = list(s.Action), resources = list(s.Resource);
  if (!actions || !resources || !actions.length || !resources.length) return null;
  const b = ARN + bucket;
  if (resources.length === 1 && resources[0] === b) {
    if (!actions.every((a) => [COMMON, LIST, UPLOADS].includes(a))) return null;
    if (s.Condition === undefined) return { kind: "bucket", actions };
    // Only a lone ListBucket limited to one s3:prefix (StringEquals, or StringLike as newer minio-go writes it).
    const c = s.Condition as Record<string, Record<string, unknown>>;
    const ops = Object.keys(c);
    const values = ops.length === 1 && ["StringEquals", "StringLike"].includes(ops[0]) && Object.keys(c[ops[0]] ?? {}).join() === "s3:prefix" ? list(c[ops[0]]["s3:prefix"]) : null;
    return actions.length === 1 && actions[0] === LIST && values?.length === 1 ? { kind: "bucket", actions, prefix: values[0] } : null;
  }
  if (s.Condition !== undefined) return null;
  const level = (Object.keys(OBJECT_ACTIONS) as Exclude<Level, "none">[]).find((l) => sameSet(actions, OBJECT_ACTIONS[l]));
  const prefixes = resources.map((r) => (r.startsWith(`${b}/`) && r.endsWith("*") && !r.slice(b.length + 1, -1).includes("*") ? r.slice(b.length + 1, -1) : null));
  return level && prefixes.every((p) => p !== null) ? { kind: "object", prefixes: prefixes as string[], level } : null;
}

interface Parsed { other: Statement[]; bucket: { actions: Set<string>; listPrefixes: Set<string> }; objects: Map<string, Set<"download" | "upload">>; raw: Map<string, Statement[]> }

function parse(statements: Statement[], bucket: string): Parsed {
  const p: Parsed = { other: [], bucket: { actions: new Set(), listPrefixes: new Set() }, objects: new Map(), raw: new Map() };
  for (const s of statements) {
    const c = classify(s, bucket);
    if (!c) p.other.push(s);
    else if (c.kind === "bucket") {
      if (c.prefix !== undefined) { p.bucket.listPrefixes.add(c.prefix); p.raw.set(`list:${c.prefix}`, [...(p.raw.get(`list:${c.prefix}`) ?? []), s]); }
      else c.actions.forEach((a) => p.bucket.actions.add(a));
    } else {
      for (const prefix of c.prefixes) {
        const got = p.objects.get(prefix) ?? new Set();
        if (c.level !== "upload") got.add("download");
        if (c.level !== "download") got.add("upload");
        p.objects.set(prefix, got);
        p.raw.set(`object:${prefix}`, [...(p.raw.get(`object:${prefix}`) ?? []), c.prefixes.length === 1 ? s : { ...s, Resource: [`${ARN}${bucket}/${prefix}*`] }]);
      }
    }
  }
  return p;
}

/** minio-go GetPolicy for one prefix, from parsed statements. */
function levelOf(p: Parsed, prefix: string): Level {
  if (!p.bucket.actions.has(COMMON)) return "none";
  const obj = p.objects.get(prefix) ?? new Set();
  const read = (p.bucket.actions.has(LIST) || p.bucket.listPrefixes.has(prefix)) && obj.has("download");
  const write = p.bucket.actions.has(UPLOADS) && obj.has("upload");
  return read && write ? "public" : read ? "download" : write ? "upload" : "none";
}

/** The anonymous level of `bucket/prefix` in these statements (mc anonymous get). */
export function anonymousLevel(statements: Statement[], bucket: string, prefix = ""): Level {
  return levelOf(parse(statements, bucket), prefix);
}

/** The bucket list's figure: no policy is private; a policy that is no canned level is custom. */
export function glanceLevel(policy: Policy | null, bucket: string): Glance {
  if (!policy || !policy.Statement?.length) return "private";
  const level = anonymousLevel(policy.Statement, bucket);
  return level === "none" ? "custom" : level;
}

/**
 * The statements once `bucket/prefix` is set to `level` (mc anonymous set): every prefix's
 * canned level is kept, this prefix's replaced, and the canned statements written again
 * (the bucket's own actions merged into one statement, as minio-go merges them). Canned pieces
 * that make no level (an object grant without its bucket statements) and other statements stay.
 */
export function setAnonymous(statements: Statement[], bucket: string, prefix: string, level: Level): Statement[] {
  const p = parse(statements, bucket);
  const levels = new Map<string, Level>();
  for (const pre of new Set([...p.objects.keys(), ...p.bucket.listPrefixes])) levels.set(pre, levelOf(p, pre));
  levels.set(prefix, level);
  const out = [...p.other];
  // Pieces of no level are someone's custom grants: kept as they were.
  for (const [pre, l] of levels) if (l === "none" && pre !== prefix) out.push(...(p.raw.get(`object:${pre}`) ?? []), ...(p.raw.get(`list:${pre}`) ?? []));
  const bucketActions = new Set<string>();
  const rest: Statement[] = [];
  for (const [pre, l] of [...levels].sort(([a], [b]) => a.localeCompare(b))) {
    for (const s of levelStatements(bucket, pre, l)) {
      const actions = s.Action as string[];
      if ((s.Resource as string[])[0] === ARN + bucket && !s.Condition) actions.forEach((a) => bucketActions.add(a));
      else rest.push(s);
    }
  }
  const canned = bucketActions.size ? [allow([COMMON, LIST, UPLOADS].filter((a) => bucketActions.has(a)), ARN + bucket), ...rest] : [];
  return [...out, ...canned];
}
