// The PutBucketLifecycleConfiguration document: parsed and validated with S3's error codes, and
// rendered back for GetBucketLifecycleConfiguration in the form it was written. Pure functions;
// the handlers are in lifecycle-handlers.ts, the rule semantics in lifecycle-rules.ts.
import { S3Error } from "../xml/errors.ts";
import { isBlank } from "../xml/xml.ts";
import type { LifecycleConfig, LifecycleFilter, LifecycleRule, LifecycleTag } from "./lifecycle-rules.ts";

const MAX_RULES = 1000;
const MAX_ID = 255;
const DAY_MS = 86_400_000;

type Node = Record<string, unknown>;

const malformed = (message?: string) => new S3Error("MalformedXML", message ? { message } : {});
const invalid = (message: string, argument?: string) =>
  new S3Error("InvalidArgument", { message, ...(argument ? { extra: { ArgumentName: argument } } : {}) });

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
/** An element that holds children, or an empty one (`<Filter/>` parses as ""). */
const node = (v: unknown): Node => {
  if (isBlank(v)) return {};
  if (!isNode(v)) throw malformed();
  return v;
};
const text = (v: unknown): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw malformed();
  return v;
};
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** An xsd:int the document must hold (MalformedXML otherwise); range checks are the caller's. */
function int(v: unknown): number | undefined {
  const s = text(v)?.trim();
  if (s === undefined) return undefined;
  if (!/^[-+]?\d{1,15}$/.test(s)) throw malformed();
  return Number(s);
}

function positive(v: unknown, what: string, action: string): number | undefined {
  const n = int(v);
  if (n !== undefined && n <= 0) throw invalid(`'${what}' for ${action} action must be a positive integer`, what);
  return n;
}

function tag(v: unknown): LifecycleTag {
  const t = node(v);
  const key = text(t.Key), value = text(t.Value);
  if (key === undefined || key === "") throw malformed();
  if (key.length > 128 || (value ?? "").length > 256) throw new S3Error("InvalidTag", { message: "The TagKey or TagValue you have provided is too long." });
  return { key, value: value ?? "" };
}

function size(v: unknown, what: string): number | undefined {
  const n = int(v);
  if (n !== undefined && n < 0) throw invalid(`'${what}' should be a non-negative integer`, what);
  return n;
}

function parseFilter(rule: Node): LifecycleFilter {
  if (rule.Prefix !== undefined && rule.Filter !== undefined) throw malformed();
  if (rule.Filter === undefined) {
    // The deprecated rule-level Prefix; a rule with neither does not validate (S3's schema).
    if (rule.Prefix === undefined) throw malformed();
    return { form: "legacy", prefix: text(rule.Prefix) ?? "" };
  }
  const f = node(rule.Filter);
  const present = ["Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"].filter((k) => f[k] !== undefined);
  if (Object.keys(f).some((k) => !present.includes(k)) || present.length > 1) throw malformed();
  if (present.length === 0) return { form: "empty" };
  if (f.Prefix !== undefined) return { form: "prefix", prefix: text(f.Prefix) ?? "" };
  if (f.Tag !== undefined) {
    const tags = list(f.Tag);
    if (tags.length !== 1) throw malformed();
    return { form: "tag", tags: [tag(tags[0])] };
  }
  if (f.ObjectSizeGreaterThan !== undefined) return { form: "gt", sizeGreaterThan: size(f.ObjectSizeGreaterThan, "ObjectSizeGreaterThan") };
  if (f.ObjectSizeLessThan !== undefined) return { form: "lt", sizeLessThan: size(f.ObjectSizeLessThan, "ObjectSizeLessThan") };
  const and = node(f.And);
  if (Object.keys(and).some((k) => !["Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan"].includes(k))) throw malformed();
  const out: LifecycleFilter = { form: "and" };
  if (and.Prefix !== undefined) out.prefix = text(and.Prefix) ?? "";
  const tags = list(and.Tag).map(tag);
  if (new Set(tags.map((t) => t.key)).size !== tags.length) throw new S3Error("InvalidRequest", { message: "Duplicate Tag Keys are not allowed." });
  if (tags.length) out.tags = tags;
  const gt = size(and.ObjectSizeGreaterThan, "ObjectSizeGreaterThan"), lt = size(and.ObjectSizeLessThan, "ObjectSizeLessThan");
  if (gt !== undefined) out.sizeGreaterThan = gt;
  if (lt !== undefined) out.sizeLessThan = lt;
  if (gt !== undefined && lt !== undefined && gt >= lt) {
    throw invalid("ObjectSizeLessThan must be greater than ObjectSizeGreaterThan", "ObjectSizeLessThan");
  }
  return out;
}

/** An ISO 8601 date (S3 takes `2026-01-01`, `…T00:00:00Z`, `…T00:00:00.000Z`, offsets), at midnight UTC. */
function parseDate(v: unknown): number {
  const s = text(v)?.trim() ?? "";
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) throw malformed();
  const ms = Date.parse(/T/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s + "Z" : s.length === 10 ? s + "T00:00:00Z" : s);
  if (Number.isNaN(ms)) throw malformed();
  if (ms % DAY_MS !== 0) throw invalid("'Date' must be at midnight GMT", "Date");
  return ms;
}

function parseExpiration(v: unknown, filter: LifecycleFilter): LifecycleRule["expiration"] {
  const e = node(v);
  onlyKnown(e, EXPIRATION_ELEMENTS);
  const days = positive(e.Days, "Days", "Expiration");
  const date = e.Date !== undefined ? parseDate(e.Date) : undefined;
  const marker = text(e.ExpiredObjectDeleteMarker)?.trim();
  if (marker !== undefined && marker !== "true" && marker !== "false") throw malformed();
  const given = [days, date, marker].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw malformed(given === 0 ? "An Expiration needs one of Days, Date or ExpiredObjectDeleteMarker"
      : "ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy; Days and Date exclude each other");
  }
  if (marker !== undefined && filter.tags?.length) {
    throw invalid("ExpiredObjectDeleteMarker cannot be specified with object tagging filters", "ExpiredObjectDeleteMarker");
  }
  if (days !== undefined) return { days };
  if (date !== undefined) return { date };
  return { expiredObjectDeleteMarker: marker === "true" };
}

const RULE_ELEMENTS = new Set([
  "ID", "Prefix", "Filter", "Status", "Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload",
  "Transition", "Transitions", "NoncurrentVersionTransition", "NoncurrentVersionTransitions",
]);
const EXPIRATION_ELEMENTS = new Set(["Days", "Date", "ExpiredObjectDeleteMarker"]);
/** MinIO's own lifecycle actions: refused, never stored and silently not applied. */
const MINIO_EXTENSIONS = new Set(["DelMarkerExpiration", "ExpiredObjectAllVersions"]);

/** Elements outside S3's schema: MalformedXML, as S3 answers; MinIO's extensions NotImplemented. */
function onlyKnown(n: Node, known: Set<string>) {
  for (const k of Object.keys(n)) {
    if (known.has(k)) continue;
    if (MINIO_EXTENSIONS.has(k)) throw new S3Error("NotImplemented", { message: `The MinIO lifecycle extension ${k} is not supported.` });
    throw malformed();
  }
}

function parseRule(v: unknown): LifecycleRule {
  const r = node(v);
  onlyKnown(r, RULE_ELEMENTS);
  const id = text(r.ID);
  if (id !== undefined && id.length > MAX_ID) throw invalid(`ID length should not exceed allowed limit of ${MAX_ID}`, "ID");
  const status = text(r.Status)?.trim();
  if (status !== "Enabled" && status !== "Disabled") throw malformed();
  // Tiering needs a remote tier, and none can be configured here: refused as MinIO refuses a
  // Transition to a tier it does not know, never stored and silently not applied.
  if (r.Transition !== undefined || r.Transitions !== undefined || r.NoncurrentVersionTransition !== undefined || r.NoncurrentVersionTransitions !== undefined) {
    throw new S3Error("InvalidStorageClass", { message: "Lifecycle transitions are not supported: this gateway has no storage tier to transition to." });
  }
  const filter = parseFilter(r);
  const rule: LifecycleRule = { id: id ?? "", enabled: status === "Enabled", filter };
  if (r.Expiration !== undefined) rule.expiration = parseExpiration(r.Expiration, filter);
  if (r.NoncurrentVersionExpiration !== undefined) {
    const n = node(r.NoncurrentVersionExpiration);
    const days = positive(n.NoncurrentDays, "NoncurrentDays", "NoncurrentVersionExpiration");
    if (days === undefined) throw malformed("NoncurrentVersionExpiration needs NoncurrentDays");
    const newer = int(n.NewerNoncurrentVersions);
    if (newer !== undefined && (newer < 1 || newer > 100)) {
      throw invalid("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100", "NewerNoncurrentVersions");
    }
    rule.noncurrentExpiration = { days, ...(newer !== undefined ? { newerNoncurrentVersions: newer } : {}) };
  }
  if (r.AbortIncompleteMultipartUpload !== undefined) {
    const a = node(r.AbortIncompleteMultipartUpload);
    const days = positive(a.DaysAfterInitiation, "DaysAfterInitiation", "AbortIncompleteMultipartUpload");
    if (days === undefined) throw malformed();
    if (filter.tags?.length) throw new S3Error("InvalidRequest", { message: "AbortIncompleteMultipartUpload cannot be specified with Tags." });
    rule.abortIncompleteUploadDays = days;
  }
  if (!rule.expiration && !rule.noncurrentExpiration && rule.abortIncompleteUploadDays === undefined) {
    throw new S3Error("InvalidRequest", { message: "At least one action needs to be specified in a rule" });
  }
  return rule;
}

/**
 * A LifecycleConfiguration document (parsed XML) as S3 validates it. A rule without an ID gets
 * one, as S3 assigns it; `newId` makes that testable.
 */
export function parseLifecycleConfig(doc: Record<string, unknown>, newId: () => string = () => crypto.randomUUID()): LifecycleConfig {
  const root = doc.LifecycleConfiguration;
  if (!isNode(root)) throw malformed();
  const raw = list(root.Rule);
  if (raw.length === 0) throw malformed();
  if (raw.length > MAX_RULES) throw new S3Error("InvalidRequest", { message: `Lifecycle configuration allows a maximum of ${MAX_RULES} rules` });
  const rules = raw.map(parseRule);
  const seen = new Set<string>();
  for (const r of rules) {
    if (r.id === "") r.id = newId();
    if (seen.has(r.id)) throw invalid("Rule ID must be unique. Found same ID for more than one rule", "ID");
    seen.add(r.id);
  }
  return { rules };
}

const tagXml = (t: LifecycleTag) => ({ Key: t.key, Value: t.value });

function filterXml(f: LifecycleFilter): Record<string, unknown> {
  switch (f.form) {
    case "legacy": return { Prefix: f.prefix ?? "" };
    case "empty": return { Filter: {} };
    case "prefix": return { Filter: { Prefix: f.prefix ?? "" } };
    case "tag": return { Filter: { Tag: tagXml(f.tags![0]!) } };
    case "gt": return { Filter: { ObjectSizeGreaterThan: f.sizeGreaterThan } };
    case "lt": return { Filter: { ObjectSizeLessThan: f.sizeLessThan } };
    case "and": {
      const and: Record<string, unknown> = {};
      if (f.prefix !== undefined) and.Prefix = f.prefix;
      if (f.tags?.length) and.Tag = f.tags.map(tagXml);
      if (f.sizeGreaterThan !== undefined) and.ObjectSizeGreaterThan = f.sizeGreaterThan;
      if (f.sizeLessThan !== undefined) and.ObjectSizeLessThan = f.sizeLessThan;
      return { Filter: { And: and } };
    }
  }
}

/** The GetBucketLifecycleConfiguration body, elements in S3's schema order. */
export function lifecycleXmlBody(c: LifecycleConfig): Record<string, unknown> {
  return {
    Rule: c.rules.map((r) => {
      const out: Record<string, unknown> = {};
      const e = r.expiration;
      if (e) {
        out.Expiration = e.days !== undefined ? { Days: e.days }
          : e.date !== undefined ? { Date: new Date(e.date).toISOString() }
          : { ExpiredObjectDeleteMarker: e.expiredObjectDeleteMarker ?? false };
      }
      out.ID = r.id;
      Object.assign(out, filterXml(r.filter));
      out.Status = r.enabled ? "Enabled" : "Disabled";
      const n = r.noncurrentExpiration;
      if (n) out.NoncurrentVersionExpiration = { NoncurrentDays: n.days, ...(n.newerNoncurrentVersions !== undefined ? { NewerNoncurrentVersions: n.newerNoncurrentVersions } : {}) };
      if (r.abortIncompleteUploadDays !== undefined) out.AbortIncompleteMultipartUpload = { DaysAfterInitiation: r.abortIncompleteUploadDays };
      return out;
    }),
  };
}

/** The stored configuration (bucket config kind LIFECYCLE_CONFIG), or null when none. */
export function readLifecycleConfig(raw: string | null | undefined): LifecycleConfig | null {
  return raw ? (JSON.parse(raw) as LifecycleConfig) : null;
}
