// A bucket's notification configuration: parsed and validated from S3 XML, stored as JSON,
// matched against each event in the request path (specs/minio-admin.md §10).
import { S3Error } from "../xml/errors.ts";
import { isBlank } from "../xml/xml.ts";
import { utf8 } from "../util/hash.ts";
import { eventMatches, isKnownEventName } from "./names.ts";
import { parseArn, type NotifyTarget } from "./targets.ts";
import { parseTopicArn, topicKey } from "./topics.ts";
import { queueKey, parseQueueArn } from "./sqs-queues.ts";

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

/** A name/value filter rule on object metadata or tags (Ceph's S3Metadata, S3Tags). */
export interface KeyValueRule { name: string; value: string }

/** A TopicConfiguration (Ceph/AWS SNS): a QueueRule whose target is `<topic>:sns`, with Ceph's extra filters. */
export interface TopicRule extends QueueRule {
  /** Ceph's S3Key regex rule (ECMAScript syntax here; Ceph's is std::regex ECMAScript too). */
  regex?: string;
  /** S3Metadata: every rule's `x-amz-meta-…` header must be on the object with that value. */
  metadata?: KeyValueRule[];
  /** S3Tags: every rule's tag must be on the object with that value. */
  tags?: KeyValueRule[];
}

export interface NotificationConfig { queues: QueueRule[]; topics?: TopicRule[] }

/** What the metadata and tag filters look at. */
export interface MatchedObject { headers?: Record<string, string>; tags?: Record<string, string> }

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const invalid = (message: string) => new S3Error("InvalidArgument", { message });
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : v === undefined ? undefined : String(v));

/** The target keys the ARNs of a parsed document name (what parseNotificationConfig checks); malformed parts are skipped. */
export function arnTargets(doc: Record<string, any>): string[] {
  const root = doc?.NotificationConfiguration;
  const queues = root && typeof root === "object" && Array.isArray(root.QueueConfiguration) ? (root.QueueConfiguration as unknown[]) : [];
  const keys = new Set<string>();
  for (const q of queues) {
    const raw = q && typeof q === "object" ? text((q as Record<string, unknown>).Queue)?.trim() ?? "" : "";
    const arn = parseArn(raw);
    if (arn) keys.add(`${arn.id}:${arn.type}`);
    const sqs = parseQueueArn(raw);
    if (sqs) keys.add(queueKey(sqs.name));
  }
  for (const t of root && typeof root === "object" ? list(root.TopicConfiguration) : []) {
    const arn = t && typeof t === "object" ? parseTopicArn(text((t as Record<string, unknown>).Topic)?.trim() ?? "") : null;
    if (arn) keys.add(topicKey(arn.name));
  }
  return [...keys];
}

/** Validates a parsed `<NotificationConfiguration>` against the configured targets. */
export function parseNotificationConfig(doc: Record<string, any>, targets: Record<string, NotifyTarget>, region: string): NotificationConfig {
  const root = doc.NotificationConfiguration;
  if (root === undefined) throw new S3Error("MalformedXML");
  if (isBlank(root)) return { queues: [] };
  if (typeof root !== "object") throw new S3Error("MalformedXML");
  if (root.CloudFunctionConfiguration !== undefined) {
    throw invalid("Only QueueConfiguration (arn:minio:sqs targets) and TopicConfiguration (arn:aws:sns topics) are supported.");
  }
  if (root.EventBridgeConfiguration !== undefined) throw new S3Error("NotImplemented", { message: "EventBridgeConfiguration is not supported." });
  const queues: QueueRule[] = [];
  // QueueConfiguration, Event and FilterRule always parse as arrays (xml.ts REPEATED).
  for (const q of (root.QueueConfiguration ?? []) as unknown[]) {
    if (!q || typeof q !== "object") throw new S3Error("MalformedXML");
    const c = q as Record<string, unknown>;
    const arn = text(c.Queue)?.trim();
    if (!arn) throw new S3Error("MalformedXML");
    // The gateway's own SQS queues (arn:aws:sqs:<region>:<account>:<name>, query/sqs.ts) are `<name>:sqs`.
    const sqs = parseQueueArn(arn);
    const parsed = sqs ? { region: sqs.region, id: sqs.name, type: "sqs" } : parseArn(arn);
    if (!parsed) throw invalid("A specified destination ARN does not exist or is not well-formed. Verify the destination ARN.");
    if (parsed.region && parsed.region !== region) {
      throw invalid("A specified destination is in a different region than the bucket. You must use a destination that resides in the same region as the bucket.");
    }
    const target = `${parsed.id}:${parsed.type}`;
    if (!targets[target]) throw invalid("A specified destination ARN does not exist or is not well-formed. Verify the destination ARN.");
    const rule: QueueRule = { arn, target, events: parseEvents(c.Event, true) };
    const id = text(c.Id)?.trim();
    if (id) rule.id = id;
    Object.assign(rule, parseFilter(c.Filter));
    queues.push(rule);
  }
  const topics: TopicRule[] = [];
  for (const t of list(root.TopicConfiguration)) {
    if (!t || typeof t !== "object") throw new S3Error("MalformedXML");
    const c = t as Record<string, unknown>;
    const arn = text(c.Topic)?.trim();
    if (!arn) throw new S3Error("MalformedXML");
    const parsed = parseTopicArn(arn);
    // Ceph looks topics up by name (the zonegroup and tenant of its ARN are this gateway's).
    if (!parsed || !targets[topicKey(parsed.name)]) {
      throw invalid(`The topic ${arn} does not exist (create it with the SNS CreateTopic action first).`);
    }
    // Ceph's default is every ObjectCreated and ObjectRemoved event when none is named.
    const events = parseEvents(c.Event, false);
    const rule: TopicRule = { arn, target: topicKey(parsed.name), events: events.length ? events : ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] };
    const id = text(c.Id)?.trim();
    if (id) rule.id = id;
    Object.assign(rule, parseFilter(c.Filter, true));
    topics.push(rule);
  }
  const ids = topics.map((r) => r.id).filter((i) => i !== undefined);
  if (new Set(ids).size !== ids.length) throw invalid("Two TopicConfigurations have the same Id.");
  // Identical rules for one target (same events and filter) overlap.
  const seen = new Set<string>();
  for (const r of queues) {
    const k = JSON.stringify([r.target, [...r.events].sort(), r.prefix ?? "", r.suffix ?? ""]);
    if (seen.has(k)) throw invalid("An object key name filtering rule defined with overlapping prefixes, overlapping suffixes, or overlapping combinations of prefixes and suffixes for the same event types.");
    seen.add(k);
  }
  return topics.length ? { queues, topics } : { queues };
}

function parseEvents(v: unknown, required: boolean): string[] {
  const events = list(v).map((e) => text(e)?.trim() ?? "");
  if (required && events.length === 0) throw new S3Error("MalformedXML");
  for (const e of events) if (!isKnownEventName(e)) throw invalid("A specified event is not supported for notifications.");
  if (new Set(events).size !== events.length) throw invalid("Duplicate event name in a notification configuration.");
  return events;
}

const filterRules = (v: unknown): { name: string | undefined; value: string }[] => {
  if (isBlank(v)) return [];
  if (typeof v !== "object") throw new S3Error("MalformedXML");
  return list((v as Record<string, unknown>).FilterRule).map((r) => {
    if (!r || typeof r !== "object") throw new S3Error("MalformedXML");
    return { name: text((r as Record<string, unknown>).Name)?.trim(), value: text((r as Record<string, unknown>).Value) ?? "" };
  });
};

/** S3Key prefix/suffix (AWS, MinIO); with `ceph`, also S3Key regex and the S3Metadata and S3Tags rules. */
function parseFilter(f: unknown, ceph = false): Pick<TopicRule, "prefix" | "suffix" | "regex" | "metadata" | "tags"> {
  if (isBlank(f)) return {};
  if (typeof f !== "object") throw new S3Error("MalformedXML");
  const filter = f as Record<string, unknown>;
  const out: Pick<TopicRule, "prefix" | "suffix" | "regex" | "metadata" | "tags"> = {};
  for (const { name, value } of filterRules(filter.S3Key)) {
    if (name !== "prefix" && name !== "suffix" && !(ceph && name === "regex")) {
      throw invalid(ceph ? "filter rule name must be prefix, suffix or regex" : "filter rule name must be either prefix or suffix");
    }
    if (out[name] !== undefined) throw invalid(`Cannot specify more than one ${name} rule in a filter.`);
    if (utf8(value).length > 1024) throw invalid("Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation");
    if (name === "regex") {
      try { new RegExp(value); } catch { throw invalid(`The regex filter rule '${value}' is not a valid regular expression.`); }
    }
    out[name] = value;
  }
  if (!ceph) return out;
  for (const [el, field] of [["S3Metadata", "metadata"], ["S3Tags", "tags"]] as const) {
    const rules = filterRules(filter[el]).map(({ name, value }) => {
      if (!name) throw invalid(`A ${el} filter rule needs a Name.`);
      return { name: el === "S3Metadata" ? name.toLowerCase() : name, value };
    });
    if (rules.length) out[field] = rules;
  }
  return out;
}

/** The stored configuration as the S3 GET answer's body (AWS element order). */
export function notificationXmlBody(c: NotificationConfig): Record<string, unknown> {
  const kv = (r: KeyValueRule) => ({ Name: r.name, Value: r.value });
  return {
    ...(c.topics?.length ? {
      TopicConfiguration: c.topics.map((t) => {
        const key = [];
        if (t.prefix !== undefined) key.push({ Name: "prefix", Value: t.prefix });
        if (t.suffix !== undefined) key.push({ Name: "suffix", Value: t.suffix });
        if (t.regex !== undefined) key.push({ Name: "regex", Value: t.regex });
        const filter = {
          ...(key.length ? { S3Key: { FilterRule: key } } : {}),
          ...(t.metadata ? { S3Metadata: { FilterRule: t.metadata.map(kv) } } : {}),
          ...(t.tags ? { S3Tags: { FilterRule: t.tags.map(kv) } } : {}),
        };
        return { ...(t.id ? { Id: t.id } : {}), Topic: t.arn, Event: t.events, ...(Object.keys(filter).length ? { Filter: filter } : {}) };
      }),
    } : {}),
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

/**
 * Rules that want this event for this key, at most one per target (a target gets an event once).
 * Metadata and tag filters (topics only) need `object`; without it (a removal) they do not match.
 */
export function matchingRules(c: NotificationConfig, eventName: string, key: string, object?: MatchedObject): QueueRule[] {
  const byTarget = new Map<string, QueueRule>();
  for (const q of [...(c.topics ?? []).filter((t) => topicFilters(t, key, object)), ...c.queues]) {
    if (byTarget.has(q.target)) continue;
    if (!q.events.some((e) => eventMatches(e, eventName))) continue;
    const p = q.prefix ?? "", s = q.suffix ?? "";
    // MinIO matches the glob `prefix*suffix`: both must fit without overlapping.
    if (!key.startsWith(p) || !key.endsWith(s) || key.length < p.length + s.length) continue;
    byTarget.set(q.target, q);
  }
  return [...byTarget.values()];
}

/** Ceph's regex, S3Metadata and S3Tags filters of a topic rule (prefix and suffix are matched with the rest). */
function topicFilters(t: TopicRule, key: string, object?: MatchedObject): boolean {
  // Compiled per event: the configuration itself is parsed per request, and one small regex costs microseconds.
  if (t.regex !== undefined && !new RegExp(t.regex).test(key)) return false;
  if (t.metadata && !t.metadata.every((r) => object?.headers?.[r.name] === r.value)) return false;
  if (t.tags && !t.tags.every((r) => object?.tags?.[r.name] === r.value)) return false;
  return true;
}

