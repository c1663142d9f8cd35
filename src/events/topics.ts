// Ceph/AWS SNS topics (the Ceph bucket-notification doc, "Topics"): a topic is a notification
// target of its own kind, named by `arn:aws:sns:<zonegroup>:<tenant>:<topic>` (zonegroup = the
// configured region, tenant empty), with a push endpoint and Ceph's delivery settings. Topics are
// stored beside the MinIO-style targets (events/sql-target-store.ts) under the key `<name>:sns`,
// so both runtimes share them, and delivered by the same outbox.
import { DEFAULT_QUEUE_LIMIT } from "./targets.ts";

export interface TopicTarget {
  type: "sns";
  /** The topic name. */
  id: string;
  /** The push endpoint: http(s)://… ("" = a topic nobody is pushed to, as Ceph allows). */
  endpoint: string;
  /** Ceph's EndpointArgs: the attributes as they were given, form-encoded. */
  args: string;
  opaqueData: string;
  /** Ceph's persistent=true: asynchronous delivery; false is delivered too, by the same outbox here. */
  persistent: boolean;
  cloudevents: boolean;
  verifySsl: boolean;
  user?: string;
  password?: string;
  policy?: string;
  /** Who created it (Ceph's User). */
  owner: string;
  queueLimit: number;
  maxRetries: number;
  ttlMs: number;
  /** Ceph's retry_sleep_duration (s), kept and shown; delivery backs off by its own rule. */
  retrySleepSeconds?: number;
}

export const TOPIC_TYPE = "sns";
export const topicKey = (name: string) => `${name}:${TOPIC_TYPE}`;

/** AWS's rule (letters, digits, '-', '_'), plus '.' which Ceph accepts too. */
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,256}$/;

/** Ceph's rgw_topic_persistency_* defaults: unlimited retries and TTL, here large bounded ones. */
const DEFAULT_MAX_RETRIES = 10_000;
const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;

export const topicArn = (region: string, name: string) => `arn:aws:sns:${region}::${name}`;

/** `arn:aws:sns:<zonegroup>:<tenant>:<topic>` → its parts; null when not an SNS ARN. */
export function parseTopicArn(arn: string): { region: string; tenant: string; name: string } | null {
  const f = arn.split(":");
  if (f.length !== 6 || f[0] !== "arn" || f[1] !== "aws" || f[2] !== "sns" || !TOPIC_NAME.test(f[5])) return null;
  return { region: f[3], tenant: f[4], name: f[5] };
}

/** The attributes CreateTopic and SetTopicAttributes take for http(s) and amqp endpoints. */
export const TOPIC_ATTRIBUTES = [
  "push-endpoint", "OpaqueData", "persistent", "time_to_live", "max_retries", "retry_sleep_duration",
  "cloudevents", "verify-ssl", "use-ssl", "user-name", "password", "Policy", "amqp-exchange", "amqp-ack-level", "ca-location",
] as const;
export type TopicAttribute = (typeof TOPIC_ATTRIBUTES)[number];
/**
 * Ceph's Kafka attributes: known, and refused for SNS topics. The Kafka driver (Bun) speaks
 * MinIO's record and acks=-1; Ceph's topic record, kafka-ack-level none|broker and
 * ca-location/mechanism model is not wired to it, as for AMQP.
 */
const KAFKA_ATTRIBUTES = new Set(["kafka-ack-level", "kafka-brokers", "mechanism"]);
const KAFKA_REFUSAL = "Kafka push endpoints are not supported for SNS topics yet; use an arn:minio:sqs kafka target (mc admin config set notify_kafka, or MINIO_NOTIFY_KAFKA_*)";

export class TopicAttributeError extends Error {}

const bool = (k: string, v: string): boolean => {
  if (v === "true") return true;
  if (v === "false") return false;
  throw new TopicAttributeError(`${k} must be true or false`);
};
const seconds = (k: string, v: string): number => {
  const n = /^\d{1,10}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new TopicAttributeError(`${k} must be a whole number of seconds above 0`);
  return n;
};

/**
 * A topic from its attributes (CreateTopic), or `base` changed by them (SetTopicAttributes).
 * `secure`: the request came over TLS — endpoint secrets over plain HTTP are refused, as Ceph
 * does unless rgw_allow_notification_secrets_in_cleartext.
 */
export function topicFromAttributes(
  name: string, attrs: Map<string, string>, opts: { owner: string; secure: boolean; amqp: boolean; base?: TopicTarget },
): TopicTarget {
  const t: TopicTarget = opts.base ? { ...opts.base } : {
    type: "sns", id: name, endpoint: "", args: "", opaqueData: "", persistent: false, cloudevents: false, verifySsl: true,
    owner: opts.owner, queueLimit: DEFAULT_QUEUE_LIMIT, maxRetries: DEFAULT_MAX_RETRIES, ttlMs: DEFAULT_TTL_MS,
  };
  for (const [k, v] of attrs) {
    if (KAFKA_ATTRIBUTES.has(k)) throw new TopicAttributeError(`${k}: ${KAFKA_REFUSAL}`);
    switch (k as TopicAttribute) {
      case "push-endpoint": t.endpoint = v; break;
      case "OpaqueData": t.opaqueData = v; break;
      case "persistent": t.persistent = bool(k, v); break;
      case "cloudevents": t.cloudevents = bool(k, v); break;
      case "verify-ssl": t.verifySsl = bool(k, v); break;
      case "use-ssl": bool(k, v); break;
      case "time_to_live": t.ttlMs = seconds(k, v) * 1000; break;
      case "max_retries": t.maxRetries = seconds(k, v); break;
      case "retry_sleep_duration": t.retrySleepSeconds = seconds(k, v); break;
      case "user-name": if (v) t.user = v; else delete t.user; break;
      case "password": if (v) t.password = v; else delete t.password; break;
      case "Policy":
        if (v === "") { delete t.policy; break; }
        try { JSON.parse(v); } catch { throw new TopicAttributeError("Policy is not valid JSON"); }
        t.policy = v;
        break;
      case "amqp-exchange": case "amqp-ack-level": case "ca-location": break;
      default: throw new TopicAttributeError(`unknown topic attribute: ${k}`);
    }
  }
  if (t.endpoint) {
    let u: URL;
    try { u = new URL(t.endpoint); } catch { throw new TopicAttributeError(`push-endpoint '${t.endpoint}' is not a valid URL`); }
    if (u.protocol === "kafka:") throw new TopicAttributeError(`kafka:// push endpoints: ${KAFKA_REFUSAL}`);
    if (u.protocol === "amqp:" || u.protocol === "amqps:") {
      // The AMQP driver (events/targets/) speaks MinIO's body; Ceph's exchange/ack-level model is not wired to it yet.
      throw new TopicAttributeError(opts.amqp
        ? "amqp:// push endpoints are not supported for SNS topics yet; use an http(s) endpoint, or an arn:minio:sqs amqp target (mc admin config set notify_amqp)"
        : "amqp:// push endpoints need an AMQP driver, which s3edge does not have on this runtime");
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw new TopicAttributeError(`push-endpoint must be http:// or https:// (got ${u.protocol})`);
    }
  }
  if (hasStoredSecret(t) && !opts.secure) {
    throw new TopicAttributeError("endpoint credentials (user-name/password or user:password@ in push-endpoint) are only accepted over HTTPS");
  }
  // Ceph's EndpointArgs: every attribute as given, form-encoded (the latest value of each).
  const args = new URLSearchParams(t.args);
  for (const [k, v] of attrs) if (k !== "password") args.set(k, v);
  t.args = args.toString();
  return t;
}

export function hasStoredSecret(t: Pick<TopicTarget, "endpoint" | "user" | "password">): boolean {
  if (t.user || t.password) return true;
  try {
    const u = new URL(t.endpoint);
    return !!(u.username || u.password);
  } catch {
    return false;
  }
}

/** `Attributes.entry.N.key` / `.value` pairs (any N, any order: the doc's rule) → a map. */
export function formAttributes(params: URLSearchParams): Map<string, string> {
  const keys = new Map<string, string>(), values = new Map<string, string>();
  for (const [k, v] of params) {
    const m = /^Attributes\.entry\.(\d+)\.(key|value)$/.exec(k);
    if (m) (m[2] === "key" ? keys : values).set(m[1], v);
  }
  const out = new Map<string, string>();
  for (const [n, k] of keys) out.set(k, values.get(n) ?? "");
  return out;
}

/** Ceph's EndPoint fields, as GetTopic, ListTopics and GetTopicAttributes show them. */
export function endpointInfo(t: TopicTarget) {
  return {
    EndpointAddress: t.endpoint,
    EndpointArgs: t.args,
    EndpointTopic: t.id,
    HasStoredSecret: String(hasStoredSecret(t)),
    Persistent: String(t.persistent),
  };
}
