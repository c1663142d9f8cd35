// GET s3edge/topic/stats and GET s3edge/topic/dump: what `radosgw-admin topic stats|dump`
// show, for SNS topics and MinIO targets alike: a target's waiting outbox entries, their bytes,
// how many are leased (a batch in flight: Ceph's reservations) and the oldest's age; and its
// waiting entries themselves, a bounded page at a time (the outbox is read, never loaded whole
// nor leased: delivery goes on meanwhile). docs/notifications-admin.md has the JSON.
import type { NotifyTarget } from "../events/targets.ts";
import { parseArn } from "../events/targets.ts";
import { parseTopicArn, topicKey, TOPIC_TYPE } from "../events/topics.ts";
import type { OutboxTargetStats, PendingEvent } from "../store/types.ts";
import { AdminError } from "./errors.ts";
import type { AdminCtx, AdminHandler } from "./handlers.ts";
import { json, rfc3339 } from "./respond.ts";

/** Entries per dump page unless `max-entries` says otherwise, and the most one page holds. */
export const DUMP_DEFAULT = 100;
export const DUMP_MAX = 1000;

/**
 * The outbox key a `topic` argument names: an SNS topic's name or ARN (`<name>:sns`), a MinIO
 * ARN `arn:minio:sqs::<id>:<type>`, or the key `<id>:<type>` itself; null when it names none.
 */
export function topicArgKey(arg: string): string | null {
  if (arg.startsWith("arn:")) {
    const sns = parseTopicArn(arg);
    if (sns) return topicKey(sns.name);
    const arn = parseArn(arg);
    return arn ? `${arn.id}:${arn.type}` : null;
  }
  if (!arg || /\s/.test(arg)) return null;
  return arg.includes(":") ? arg : topicKey(arg);
}

/** The name a target is shown under: the topic's name for SNS, its ARN for MinIO targets. */
export function targetView(key: string, region: string): { Topic: string; Arn: string } {
  const i = key.lastIndexOf(":");
  const id = key.slice(0, i);
  const type = key.slice(i + 1);
  return type === TOPIC_TYPE
    ? { Topic: id, Arn: `arn:aws:sns:${region}::${id}` }
    : { Topic: key, Arn: `arn:minio:sqs:${region}:${id}:${type}` };
}

/** Ceph's {"Topic Stats": {Reservations, Size, Entries}}, with the oldest entry beside them. */
export function statsView(s: OutboxTargetStats | undefined, now: number) {
  const oldest = s?.oldest ?? null;
  return {
    Reservations: s?.leased ?? 0,
    Size: s?.size ?? 0,
    Entries: s?.entries ?? 0,
    Oldest: oldest === null ? null : rfc3339(oldest),
    OldestAgeSeconds: oldest === null ? 0 : Math.max(0, Math.floor((now - oldest) / 1000)),
  };
}

/** One dump entry as Ceph prints it (the event record under "entry", its persistence metadata beside it). */
export function entryView(e: PendingEvent, target: NotifyTarget | undefined, now: number) {
  let entry: unknown;
  try { entry = JSON.parse(e.record); } catch { entry = e.record; }
  return {
    entry,
    eventId: e.id,
    bucket: e.bucket,
    creationTime: rfc3339(e.created),
    // The target's settings now (Ceph stores them in each entry; here they are the target's).
    timeToLive: target ? Math.round(target.ttlMs / 1000) : null,
    maxRetries: target?.maxRetries ?? null,
    attempts: e.attempts,
    leasedUntil: e.leasedUntil > now ? rfc3339(e.leasedUntil) : null,
    size: new TextEncoder().encode(e.record).length,
  };
}

/** The key of the `topic` query argument; InvalidArgument when it is missing or malformed. */
function requiredKey(ctx: AdminCtx): string {
  const arg = ctx.query.get("topic");
  const key = arg === null ? null : topicArgKey(arg);
  if (key === null) throw new AdminError("XMinioAdminInvalidArgument", { message: "topic must name an SNS topic, a target ARN (arn:minio:sqs::ID:TYPE) or a target ID:TYPE" });
  return key;
}

/** The target a key resolves to, or NoSuchTarget when it is neither configured nor has entries waiting. */
async function known(ctx: AdminCtx, key: string, stats: OutboxTargetStats | undefined): Promise<NotifyTarget | undefined> {
  const target = (await ctx.deps.targets.resolve([key]))[key];
  if (!target && !stats?.entries) throw new AdminError("XMinioAdminNoSuchTarget", { message: `No notification target or topic ${ctx.query.get("topic")}.` });
  return target;
}

/** `?topic=`: that target's stats; without it, every configured target's and every target with entries. */
export const topicStats: AdminHandler = async (ctx) => {
  const now = ctx.deps.clock.now();
  const region = ctx.deps.config.region;
  if (ctx.query.has("topic")) {
    const key = requiredKey(ctx);
    const stats = (await ctx.deps.meta.statEvents({ now, target: key }))[key];
    await known(ctx, key, stats);
    return json({ ...targetView(key, region), "Topic Stats": statsView(stats, now) });
  }
  const [all, targets, topics] = await Promise.all([ctx.deps.meta.statEvents({ now }), ctx.deps.targets.list(), ctx.deps.targets.listTopics()]);
  const keys = new Set([...targets.map((t) => t.key), ...topics.map((t) => topicKey(t.id)), ...Object.keys(all)]);
  return json({ Topics: [...keys].sort().map((k) => ({ ...targetView(k, region), "Topic Stats": statsView(all[k], now) })) });
};

/** `?topic=T[&max-entries=N][&marker=M]`: a page of T's waiting entries, oldest first; `NextMarker` resumes. */
export const topicDump: AdminHandler = async (ctx) => {
  const now = ctx.deps.clock.now();
  const key = requiredKey(ctx);
  const raw = ctx.query.get("max-entries");
  const limit = raw === null || raw === "" ? DUMP_DEFAULT : Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > DUMP_MAX) {
    throw new AdminError("XMinioAdminInvalidArgument", { message: `max-entries must be an integer from 1 to ${DUMP_MAX}` });
  }
  const marker = ctx.query.get("marker") ?? undefined;
  const page = await ctx.deps.meta.peekEvents({ target: key, limit, ...(marker ? { after: marker } : {}) });
  const target = page.events.length ? (await ctx.deps.targets.resolve([key]))[key] : await known(ctx, key, (await ctx.deps.meta.statEvents({ now, target: key }))[key]);
  return json({
    ...targetView(key, ctx.deps.config.region),
    Entries: page.events.map((e) => entryView(e, target, now)),
    IsTruncated: page.next !== undefined,
    ...(page.next !== undefined ? { NextMarker: page.next } : {}),
  });
};
