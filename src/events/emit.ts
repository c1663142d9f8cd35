// The producer side in the request path: which targets want this event, as outbox rows that
// the handler commits together with the change (or appends, for accesses).
import type { Deps } from "../deps.ts";
import type { MetaStore, OutboxEvent } from "../store/types.ts";
import { S3Error } from "../xml/errors.ts";
import { matchingRules, type NotificationConfig } from "./notification-config.ts";
import { cephRecord, eventRecord, type EventSource, type ObjectChange } from "./record.ts";

export const NOTIFICATION_CONFIG = "notification";

/** A bucket's notification configuration; `configs` when the caller already read them with the bucket. */
export async function readNotificationConfig(
  meta: Pick<MetaStore, "getBucketConfig">, bucket: string, configs?: Record<string, string>,
): Promise<NotificationConfig | null> {
  const raw = configs ? (configs[NOTIFICATION_CONFIG] ?? null) : await meta.getBucketConfig(bucket, NOTIFICATION_CONFIG);
  return raw ? (JSON.parse(raw) as NotificationConfig) : null;
}

/** Outbox rows for `change`, one per interested target; [] when nobody listens. */
export async function pendingEvents(
  deps: Pick<Deps, "meta" | "targets">, source: EventSource, change: ObjectChange, config?: NotificationConfig | null,
): Promise<OutboxEvent[]> {
  const c = config === undefined ? await readNotificationConfig(deps.meta, change.bucket) : config;
  if (!c) return [];
  const rules = matchingRules(c, change.eventName, change.key, change.object);
  if (rules.length === 0) return [];
  const { clock, ...from } = source;
  const now = clock.now();
  // The targets' queue limits: env targets in memory, stored ones from the registry's cache.
  const targets = await deps.targets.resolve(rules.map((r) => r.target));
  const out: OutboxEvent[] = [];
  for (const rule of rules) {
    const target = targets[rule.target];
    // A target removed from the configuration since the rule was stored: nothing to deliver to.
    if (!target) continue;
    const input = { ...from, ...change, time: now, configurationId: rule.id ?? "Config" };
    // SNS topics get Ceph's record; MinIO targets (arn:minio:sqs) MinIO's.
    const record = target.type === "sns" ? cephRecord(input, target.opaqueData) : eventRecord(input);
    out.push({ id: crypto.randomUUID(), bucket: change.bucket, target: rule.target, record: JSON.stringify(record), created: now, limit: target.queueLimit });
  }
  return out;
}

/** A target's queue is full: the change was not made (DESIGN.md: outbox full → 503 SlowDown). */
export const outboxFull = () => new S3Error("SlowDown", { message: "A notification target's queue is full; the request was not applied. Please retry." });
