// The one place an S3 request becomes an event source; src/events knows nothing of ReqCtx.
import { pendingEvents, readNotificationConfig } from "../events/emit.ts";
import type { EventName } from "../events/names.ts";
import type { NotificationConfig } from "../events/notification-config.ts";
import type { EventSource, ObjectChange } from "../events/record.ts";
import type { OutboxEvent } from "../store/types.ts";
import type { ReqCtx } from "./context.ts";
import { deliverTopic } from "../events/topic-delivery.ts";
import { publishToListeners } from "./listen-publish.ts";

/** One synchronous topic push's bound (the whole answer waits at most s3/api.ts's BEFORE_ANSWER_MS). */
const SYNC_PUSH_MS = 5000;

export function eventSource(ctx: ReqCtx): EventSource {
  let amz: [string, string][] | undefined;
  return {
    principalId: ctx.principal.kind === "anonymous" ? "" : ctx.principal.accessKey,
    requestId: ctx.requestId,
    sourceIp: ctx.clientAddress,
    userAgent: ctx.headers.get("user-agent") ?? "",
    endpoint: ctx.url.origin,
    region: ctx.deps.config.region,
    clock: ctx.deps.clock,
    // Copied when first read: only Ceph's records (topics) list them.
    get amzHeaders() { return (amz ??= [...ctx.headers].filter(([k]) => k.startsWith("x-amz-") && !SECRET_HEADERS.test(k))); },
  };
}

/** Never copied into a record: a session token and SSE-C keys. */
const SECRET_HEADERS = /^x-amz-security-token$|customer-key$/;

/** The bucket's notification configuration, from what the pipeline read with the bucket when it did. */
export function notificationConfig(ctx: ReqCtx): Promise<NotificationConfig | null> {
  return readNotificationConfig(ctx.deps.meta, ctx.bucket, ctx.bucketState?.configs);
}

/**
 * Outbox rows for `eventName` on `key` in the request's bucket, by this request. For removals,
 * `versionId` is the version deleted, or the delete marker written (DeleteMarkerCreated): the
 * record's versionId.
 */
export async function requestEvents(
  ctx: ReqCtx, eventName: EventName, key: string, object?: ObjectChange["object"], config?: NotificationConfig | null,
  versionId?: string,
): Promise<OutboxEvent[]> {
  const c = config === undefined ? await notificationConfig(ctx) : config;
  const marker = eventName === "s3:ObjectRemoved:DeleteMarkerCreated";
  let removed = marker;
  if (!object && eventName.startsWith("s3:ObjectRemoved:") && c?.topics?.length) {
    // Ceph's removal record carries the object's size and ETag (and its metadata and tags filter
    // it); and a synchronous push must not report a delete of a key that was not there.
    const current = await ctx.deps.meta.getObject(ctx.bucket, key, marker ? undefined : versionId);
    if (current) { object = current; removed = true; }
  }
  if (!object && versionId !== undefined) object = { size: 0, etag: "", headers: {}, versionId };
  else if (object && versionId !== undefined) object = { ...object, versionId };
  // Built once, and only if a listener or a target wants the record (headers are copied into it).
  let built: EventSource | undefined;
  const source = () => (built ??= eventSource(ctx));
  await publishToListeners(ctx, eventName, key, object, source);
  // No configuration (most buckets, most GETs): no record to build.
  if (!c) return [];
  return configuredEvents(ctx, eventName, key, object, c, source, removed);
}

/**
 * Ceph emits ObjectCreated:Post when a multipart upload starts, as for a POST upload; MinIO and
 * AWS do not. So only the bucket's topic rules (Ceph's API) hear it: queue rules, MinIO
 * targets and listeners (mc watch) keep MinIO's events.
 */
export async function initiateUploadEvents(ctx: ReqCtx, key: string, object: NonNullable<ObjectChange["object"]>): Promise<OutboxEvent[]> {
  const c = await notificationConfig(ctx);
  if (!c?.topics?.length) return [];
  return configuredEvents(ctx, "s3:ObjectCreated:Post", key, object, { queues: [], topics: c.topics }, () => eventSource(ctx), false);
}

async function configuredEvents(
  ctx: ReqCtx, eventName: EventName, key: string, object: ObjectChange["object"], c: NotificationConfig, source: () => EventSource, removed: boolean,
): Promise<OutboxEvent[]> {
  const rows = await pendingEvents(ctx.deps, source(), { eventName, bucket: ctx.bucket, key, object }, c);
  const queued = rows.some((r) => r.target.endsWith(":sns")) ? await topicRows(ctx, rows, eventName, removed) : rows;
  // Once the change (and these rows with it) committed and the request succeeded: counted as
  // triggered, and the local queue woken to deliver them now (events/targets-stats.ts).
  if (queued.length) ctx.after(async () => { if (queued.length) ctx.deps.notifyStats?.triggered(queued.map((r) => r.target)); });
  return queued;
}

/** The store recorded none of these rows (a delete of a missing key answers 204): not triggered. */
export function eventsNotRecorded(rows: OutboxEvent[]): void {
  rows.length = 0;
}

/** The rows to queue: all but those of non-persistent topics, pushed before the answer instead. */
async function topicRows(ctx: ReqCtx, rows: OutboxEvent[], eventName: EventName, removed: boolean): Promise<OutboxEvent[]> {
  // Ceph's non-persistent topics are pushed synchronously: after the commit, before the answer
  // (ctx.beforeAnswer), never through the outbox; a failed push is lost, as on Ceph, and logged.
  const targets = await ctx.deps.targets.resolve(rows.map((r) => r.target));
  return rows.filter((row) => {
    const t = targets[row.target];
    if (t?.type !== "sns" || t.persistent) return true;
    if (eventName.startsWith("s3:ObjectRemoved:") && !removed) return false;
    ctx.beforeAnswer(() => deliverTopic(t, JSON.parse(row.record), undefined, SYNC_PUSH_MS).catch((e) => {
      ctx.deps.log.warn("event lost: synchronous topic push failed", { bucket: row.bucket, target: row.target, error: String(e) });
    }));
    return false;
  });
}
