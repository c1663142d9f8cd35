// A bucket's notification configuration: parsed and validated from S3 XML, stored as JSON,
// matched against each event in the request path (specs/minio-admin.md §10).
import { S3Error } from "../xml/errors.ts";
import { isBlank } from "../xml/xml.ts";
import { utf8 } from "../util/hash.ts";
import { eventMatches, isKnownEventName } from "./names.ts";
import { parseArn, type NotifyTarget } from "./targets.ts";

export interface QueueRule {
  id?: string;
  /** The ARN exactly as the client sent it: `mc event remove` matches on this string. */
  arn: string;
  /** `<id>:<type>` of the target. */
  target: string;
  events: string[];
  prefix?: string;
  suffix?: string;
}

export interface NotificationConfig { queues: QueueRule[] }

const invalid = (message: string) => new S3Error("InvalidArgument", { message });
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : v === undefined ? undefined : String(v));

/** The target keys the ARNs of a parsed document name (what parseNotificationConfig checks); malformed parts are skipped. */
export function arnTargets(doc: Record<string, any>): string[] {
  const root = doc?.NotificationConfiguration;
  const queues = root && typeof root === "object" && Array.isArray(root.QueueConfiguration) ? (root.QueueConfiguration as unknown[]) : [];
  const keys = new Set<string>();
  for (const q of queues) {
    const arn = q && typeof q === "object" ? parseArn(text((q as Record<string, unknown>).Queue)?.trim() ?? "") : null;
    if (arn) keys.add(`${arn.id}:${arn.type}`);
  }
  return [...keys];
}

/** Validates a parsed `<NotificationConfiguration>` against the configured targets. */
export function parseNotificationConfig(doc: Record<string, any>, targets: Record<string, NotifyTarget>, region: string): NotificationConfig {
  const root = doc.NotificationConfiguration;
  if (root === undefined) throw new S3Error("MalformedXML");
  if (isBlank(root)) return { queues: [] };
  if (typeof root !== "object") throw new S3Error("MalformedXML");
  if (root.TopicConfiguration !== undefined || root.CloudFunctionConfiguration !== undefined) {
    throw invalid("Only QueueConfiguration with arn:minio:sqs targets is supported.");
  }
  if (root.EventBridgeConfiguration !== undefined) throw new S3Error("NotImplemented", { message: "EventBridgeConfiguration is not supported." });
  const queues: QueueRule[] = [];
  // QueueConfiguration, Event and FilterRule always parse as arrays (xml.ts REPEATED).
  for (const q of (root.QueueConfiguration ?? []) as unknown[]) {
    if (!q || typeof q !== "object") throw new S3Error("MalformedXML");
    const c = q as Record<string, unknown>;
    const arn = text(c.Queue)?.trim();
    if (!arn) throw new S3Error("MalformedXML");
    const parsed = parseArn(arn);
    if (!parsed) throw invalid("A specified destination ARN does not exist or is not well-formed. Verify the destination ARN.");
    if (parsed.region && parsed.region !== region) {
      throw invalid("A specified destination is in a different region than the bucket. You must use a destination that resides in the same region as the bucket.");
    }
    const target = `${parsed.id}:${parsed.type}`;
    if (!targets[target]) throw invalid("A specified destination ARN does not exist or is not well-formed. Verify the destination ARN.");
    const events = ((c.Event ?? []) as unknown[]).map((e) => text(e)?.trim() ?? "");
    if (events.length === 0) throw new S3Error("MalformedXML");
    for (const e of events) if (!isKnownEventName(e)) throw invalid("A specified event is not supported for notifications.");
    if (new Set(events).size !== events.length) throw invalid("Duplicate event name in a notification configuration.");
    const rule: QueueRule = { arn, target, events };
    const id = text(c.Id)?.trim();
    if (id) rule.id = id;
    Object.assign(rule, parseFilter(c.Filter));
    queues.push(rule);
  }
  // Identical rules for one target (same events and filter) overlap.
  const seen = new Set<string>();
  for (const r of queues) {
    const k = JSON.stringify([r.target, [...r.events].sort(), r.prefix ?? "", r.suffix ?? ""]);
    if (seen.has(k)) throw invalid("An object key name filtering rule defined with overlapping prefixes, overlapping suffixes, or overlapping combinations of prefixes and suffixes for the same event types.");
    seen.add(k);
  }
  return { queues };
}

function parseFilter(f: unknown): { prefix?: string; suffix?: string } {
  if (isBlank(f)) return {};
  if (typeof f !== "object") throw new S3Error("MalformedXML");
  const key = (f as Record<string, unknown>).S3Key;
  if (isBlank(key)) return {};
  if (typeof key !== "object") throw new S3Error("MalformedXML");
  const out: { prefix?: string; suffix?: string } = {};
  for (const r of ((key as Record<string, unknown>).FilterRule ?? []) as unknown[]) {
    if (!r || typeof r !== "object") throw new S3Error("MalformedXML");
    const name = text((r as Record<string, unknown>).Name)?.trim();
    const value = text((r as Record<string, unknown>).Value) ?? "";
    if (name !== "prefix" && name !== "suffix") throw invalid("filter rule name must be either prefix or suffix");
    if (out[name] !== undefined) throw invalid(`Cannot specify more than one ${name} rule in a filter.`);
    if (utf8(value).length > 1024) throw invalid("Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation");
    out[name] = value;
  }
  return out;
}

/** The stored configuration as the S3 GET answer's body (AWS element order). */
export function notificationXmlBody(c: NotificationConfig): Record<string, unknown> {
  return {
    QueueConfiguration: c.queues.map((q) => {
      const rules = [];
      if (q.prefix !== undefined) rules.push({ Name: "prefix", Value: q.prefix });
      if (q.suffix !== undefined) rules.push({ Name: "suffix", Value: q.suffix });
      return {
        ...(q.id ? { Id: q.id } : {}),
        Queue: q.arn,
        Event: q.events,
        ...(rules.length ? { Filter: { S3Key: { FilterRule: rules } } } : {}),
      };
    }),
  };
}

/** Rules that want this event for this key, at most one per target (a target gets an event once). */
export function matchingRules(c: NotificationConfig, eventName: string, key: string): QueueRule[] {
  const byTarget = new Map<string, QueueRule>();
  for (const q of c.queues) {
    if (byTarget.has(q.target)) continue;
    if (!q.events.some((e) => eventMatches(e, eventName))) continue;
    const p = q.prefix ?? "", s = q.suffix ?? "";
    // MinIO matches the glob `prefix*suffix`: both must fit without overlapping.
    if (!key.startsWith(p) || !key.endsWith(s) || key.length < p.length + s.length) continue;
    byTarget.set(q.target, q);
  }
  return [...byTarget.values()];
}
