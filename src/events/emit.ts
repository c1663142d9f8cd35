// The producer side in the request path: which targets want this event, as outbox rows that
// the handler commits together with the change (or appends, for accesses).
import type { Deps } from "../deps.ts";
import type { MetaStore, OutboxEvent } from "../store/types.ts";
import { S3Error } from "../xml/errors.ts";
import { matchingRules, type NotificationConfig } from "./notification-config.ts";
import { cephRecord, eventRecord, type EventSource, type ObjectChange } from "./record.ts";

export const NOTIFICATION_CONFIG = "notification";

/**
 * Parsed configurations by their stored text: every request to a configured bucket asks (a
 * JSON.parse of it was ~15 µs of each notified PUT). Shared, so read-only; bounded.
 */
const parsed = new Map<string, NotificationConfig>();
const PARSED_MAX = 256;

/** A bucket's notification configuration (read-only); `configs` when the caller already read them with the bucket. */
export async function readNotificationConfig(
  meta: Pick<MetaStore, "getBucketConfig">, bucket: string, configs?: Record<string, string>,
): Promise<NotificationConfig | null> {
  const raw = configs ? (configs[NOTIFICATION_CONFIG] ?? null) : await meta.getBucketConfig(bucket, NOTIFICATION_CONFIG);
  if (!raw) return null;
  let c = parsed.get(raw);
  if (!c) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(raw, (c = JSON.parse(raw) as NotificationConfig));
  }
  return c;
}

/** Outbox rows for `change`, one per interested target; [] when nobody listens. */
export async function pendingEvents(
  deps: Pick<Deps, "meta" | "targets">, source: EventSource, change: ObjectChange, config?: NotificationConfig | null,
): Promise<OutboxEvent[]> {
  const c = config === undefined ? await readNotificationConfig(deps.meta, change.bucket) : config;
  if (!c) return [];
  const rules = matchingRules(c, change.eventName, change.key, change.object);
  if (rules.length === 0) return [];
  const now = source.clock.now();
  // Named, not spread: `amzHeaders` (a request's are copied from its headers when first read)
  // only goes into Ceph's records.
  const from = {
    principalId: source.principalId, requestId: source.requestId, sourceIp: source.sourceIp, userAgent: source.userAgent,
    endpoint: source.endpoint, region: source.region, ...change, time: now,
  };
  // The targets' queue limits: env targets in memory, stored ones from the registry's cache.
  const targets = await deps.targets.resolve(rules.map((r) => r.target));
  const out: OutboxEvent[] = [];
  for (const rule of rules) {
    const target = targets[rule.target];
    // A target removed from the configuration since the rule was stored: nothing to deliver to.
    if (!target) continue;
    const configurationId = rule.id ?? "Config";
    // SNS topics get Ceph's record; MinIO targets (arn:minio:sqs) MinIO's.
    const record = target.type === "sns"
      ? cephRecord({ ...from, configurationId, amzHeaders: source.amzHeaders }, target.opaqueData)
      : eventRecord({ ...from, configurationId });
    out.push({ id: crypto.randomUUID(), bucket: change.bucket, target: rule.target, record: JSON.stringify(record), created: now, limit: target.queueLimit });
  }
  return out;
}

/** A target's queue is full: the change was not made (DESIGN.md: outbox full → 503 SlowDown). */
export const outboxFull = () => new S3Error("SlowDown", { message: "A notification target's queue is full; the request was not applied. Please retry." });
