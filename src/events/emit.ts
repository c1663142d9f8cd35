// The producer side in the request path: which targets want this event, as outbox rows that
// the handler commits together with the change (or appends, for accesses).
import type { ReqCtx } from "../s3/context.ts";
import type { ObjectRecord, OutboxEvent } from "../store/types.ts";
import { S3Error } from "../xml/errors.ts";
import type { EventName } from "./names.ts";
import { matchingRules, type NotificationConfig } from "./notification-config.ts";
import { eventRecord } from "./record.ts";

export const NOTIFICATION_CONFIG = "notification";

export async function readNotificationConfig(ctx: ReqCtx): Promise<NotificationConfig | null> {
  // Read with the bucket by the pipeline; a handler without it (none today) reads it itself.
  const raw = ctx.bucketState ? (ctx.bucketState.configs[NOTIFICATION_CONFIG] ?? null) : await ctx.deps.meta.getBucketConfig(ctx.bucket, NOTIFICATION_CONFIG);
  return raw ? (JSON.parse(raw) as NotificationConfig) : null;
}

/** Outbox rows for `eventName` on `key`, one per interested target; [] when nobody listens. */
export async function pendingEvents(
  ctx: ReqCtx, eventName: EventName, key: string, object?: Pick<ObjectRecord, "size" | "etag" | "headers" | "versionId">,
  config?: NotificationConfig | null,
): Promise<OutboxEvent[]> {
  const c = config === undefined ? await readNotificationConfig(ctx) : config;
  if (!c) return [];
  const rules = matchingRules(c, eventName, key);
  if (rules.length === 0) return [];
  const now = ctx.deps.clock.now();
  const principalId = ctx.principal.kind === "anonymous" ? "" : ctx.principal.accessKey;
  // The targets' queue limits: env targets in memory, stored ones from the registry's cache.
  const targets = await ctx.deps.targets.resolve(rules.map((r) => r.target));
  const out: OutboxEvent[] = [];
  for (const rule of rules) {
    const target = targets[rule.target];
    // A target removed from the configuration since the rule was stored: nothing to deliver to.
    if (!target) continue;
    const record = eventRecord({
      eventName, bucket: ctx.bucket, key, object, principalId, region: ctx.deps.config.region, requestId: ctx.requestId,
      time: now, configurationId: rule.id ?? "Config", sourceIp: ctx.clientAddress, userAgent: ctx.headers.get("user-agent") ?? "", endpoint: ctx.url.origin,
    });
    out.push({ id: crypto.randomUUID(), bucket: ctx.bucket, target: rule.target, record: JSON.stringify(record), created: now, limit: target.queueLimit });
  }
  return out;
}

/** A target's queue is full: the change was not made (DESIGN.md: outbox full → 503 SlowDown). */
export const outboxFull = () => new S3Error("SlowDown", { message: "A notification target's queue is full; the request was not applied. Please retry." });
