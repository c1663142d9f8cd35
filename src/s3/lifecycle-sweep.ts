// The lifecycle sweep: applies each bucket's stored rules (lifecycle-rules.ts) at an instant
// `now` the caller gives — Bun's interval, a Durable Object's alarm, or a test's fake clock.
// Runtime-neutral; it sees only the MetaStore, and removes through the same store calls (and
// outbox) as S3 requests, so GC frees the chunks and notification targets hear of it.
//
// Events, for each removal: MinIO's (`s3:ObjectRemoved:Delete`, user agent
// "Internal: [ILM-Expiry]", as MinIO's scanner sends them) and AWS's
// (`s3:LifecycleExpiration:Delete` / `:DeleteMarkerCreated`) to the rules that name those;
// a target that both would reach gets the ObjectRemoved record only.
import type { Deps } from "../deps.ts";
import { pendingEvents, readNotificationConfig } from "../events/emit.ts";
import type { EventName } from "../events/names.ts";
import type { NotificationConfig } from "../events/notification-config.ts";
import type { EventSource, ObjectChange } from "../events/record.ts";
import type { DeleteCondition, OutboxEvent, VersionedDelete, VersionSummary } from "../store/types.ts";
import { readLifecycleConfig } from "./lifecycle-config.ts";
import { locked } from "./object-lock-rules.ts";
import { VERSIONING_CONFIG, writeVersionId, type VersioningStatus } from "./versioning.ts";
import {
  dueAbort, dueExpiration, dueMarkerRemoval, dueNoncurrent, LIFECYCLE_CONFIG, listingPrefixes, needsTags, type LifecycleRule,
} from "./lifecycle-rules.ts";

export type SweepDeps = Pick<Deps, "meta" | "targets" | "config" | "log"> & Partial<Pick<Deps, "notifyStats">>;

export interface SweepResult {
  /** Buckets with a lifecycle configuration that were swept. */
  buckets: number;
  /** Current versions expired (removed, or hidden behind a delete marker in a versioned bucket). */
  expired: number;
  /** Noncurrent versions removed for good. */
  noncurrent: number;
  /** Expired object delete markers removed. */
  markers: number;
  /** Incomplete multipart uploads aborted. */
  aborted: number;
  /** The budget ran out: the next pass goes on where this one stopped. */
  more: boolean;
}

export interface SweepOptions {
  /** The instant the rules are evaluated at (ms since epoch). */
  now: number;
  /** Only these buckets (a Durable Object sweeps its own); default every bucket listed. */
  buckets?: string[];
  /** At most this many removals and aborts in all, so one pass stays bounded. */
  budget?: number;
  /** Listing page size (default 1000; tests page through small buckets with less). */
  pageSize?: number;
}

export const ILM_USER_AGENT = "Internal: [ILM-Expiry]";

/**
 * How the bucket writes versions (versioning.ts): the sweep expires a current version as S3
 * does, removed in a never-versioned bucket, hidden behind a delete marker in a versioned one.
 */
function versioningOf(configs: Record<string, string>): VersioningStatus | null {
  const raw = configs[VERSIONING_CONFIG];
  return raw === "Enabled" || raw === "Suspended" ? raw : null;
}

// S3 Object Lock: a version under retention or legal hold is never removed by lifecycle
// (object-lock-rules.ts `locked`), checked again in the delete's transaction (DeleteCondition.lock).

export async function sweepLifecycle(deps: SweepDeps, opts: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { buckets: 0, expired: 0, noncurrent: 0, markers: 0, aborted: 0, more: false };
  let budget = opts.budget ?? 10_000;
  const spend = () => {
    budget--;
    if (budget <= 0) result.more = true;
  };
  const names = opts.buckets ?? (await deps.meta.listBuckets()).map((b) => b.name);
  for (const bucket of names) {
    if (budget <= 0) { result.more = true; break; }
    const state = await deps.meta.getBucketState(bucket);
    const config = readLifecycleConfig(state?.configs[LIFECYCLE_CONFIG]);
    if (!state || !config) continue;
    result.buckets++;
    const rules = config.rules.filter((r) => r.enabled);
    const ctx: BucketPass = {
      deps, bucket, now: opts.now, rules, result, spend, left: () => budget > 0, page: opts.pageSize ?? 1000,
      notify: await readNotificationConfig(deps.meta, bucket, state.configs),
      source: {
        principalId: "", requestId: crypto.randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase(), sourceIp: "",
        userAgent: ILM_USER_AGENT, endpoint: "", region: deps.config.region, clock: { now: () => opts.now },
      },
    };
    try {
      const versioning = versioningOf(state.configs);
      if (versioning) await sweepVersions(ctx, versioning);
      else await sweepCurrent(ctx);
      await sweepUploads(ctx);
    } catch (e) {
      // One bucket's failure (a shard unreachable) must not stop the others; the next pass retries.
      deps.log.warn("lifecycle sweep of a bucket failed", { bucket, error: String(e) });
    }
  }
  return result;
}

interface BucketPass {
  deps: SweepDeps;
  bucket: string;
  now: number;
  rules: LifecycleRule[];
  result: SweepResult;
  notify: NotificationConfig | null;
  source: EventSource;
  page: number;
  spend(): void;
  left(): boolean;
}

/** Outbox rows for a lifecycle removal: MinIO's name to its rules, AWS's to the targets not already reached. */
async function removalEvents(p: BucketPass, key: string, object: ObjectChange["object"], marker: boolean): Promise<OutboxEvent[]> {
  if (!p.notify) return [];
  const minio: EventName = marker ? "s3:ObjectRemoved:DeleteMarkerCreated" : "s3:ObjectRemoved:Delete";
  const aws: EventName = marker ? "s3:LifecycleExpiration:DeleteMarkerCreated" : "s3:LifecycleExpiration:Delete";
  const rows = await pendingEvents(p.deps, p.source, { eventName: minio, bucket: p.bucket, key, object }, p.notify);
  const reached = new Set(rows.map((r) => r.target));
  const more = await pendingEvents(p.deps, p.source, { eventName: aws, bucket: p.bucket, key, object }, p.notify);
  return [...rows, ...more.filter((r) => !reached.has(r.target))];
}

/** One removal through the store; false when it did not happen (gone meanwhile, changed, outbox full). */
async function remove(
  p: BucketPass, key: string, change: NonNullable<ObjectChange["object"]>, marker: boolean, cond?: DeleteCondition, version?: VersionedDelete,
): Promise<boolean> {
  const events = await removalEvents(p, key, change, marker);
  const r = await p.deps.meta.deleteObject(p.bucket, key, events, cond, version);
  p.spend();
  // Committed with the removal: counted as triggered, as a request's events are (/metrics).
  if (r.ok && events.length) p.deps.notifyStats?.triggered(events.map((e) => e.target));
  if (!r.ok && r.reason === "SlowDown") p.deps.log.warn("lifecycle: a notification target's queue is full; expiry retried next pass", { bucket: p.bucket, key });
  return r.ok;
}

/** Unversioned bucket: the current objects, listed once per distinct prefix the rules name. */
async function sweepCurrent(p: BucketPass): Promise<void> {
  const rules = p.rules.filter((r) => r.expiration && (r.expiration.days !== undefined || r.expiration.date !== undefined));
  if (!rules.length) return;
  const tagged = rules.some(needsTags);
  const tagless = rules.map(untagged);
  for (const prefix of listingPrefixes(rules)) {
    let start = "";
    for (;;) {
      if (!p.left()) return;
      const page = await p.deps.meta.listObjects(p.bucket, { prefix, start, inclusive: false, limit: p.page });
      for (const o of page) {
        if (!p.left()) return;
        // The listing has no tags: read them only for a key some tag rule could expire now.
        let due = dueExpiration(rules, o, p.now);
        if (due === null && tagged && dueExpiration(tagless, o, p.now) !== null) {
          const rec = await p.deps.meta.getObject(p.bucket, o.key);
          if (rec) due = dueExpiration(rules, { ...o, tags: rec.tags }, p.now);
        }
        if (due === null) continue;
        // Only the version listed: one written since (another ETag or time) is not expired.
        const cond: DeleteCondition = { ifMatch: [o.etag], lastModifiedSeconds: Math.floor(o.lastModified / 1000) };
        if (await remove(p, o.key, { size: o.size, etag: o.etag, headers: {}, versionId: "null" }, false, cond)) p.result.expired++;
      }
      if (page.length < p.page) break;
      start = page[page.length - 1]!.key;
    }
  }
}

/** The rule as if its tag filter held: whether fetching the tags could make it apply. */
const untagged = (r: LifecycleRule): LifecycleRule => ({ ...r, filter: { ...r.filter, tags: [] } });

/**
 * Versioned (or once versioned) bucket: every version, key by key (newest first), for current
 * expiry (a delete marker is written), noncurrent expiry and expired delete markers.
 */
async function sweepVersions(p: BucketPass, versioning: VersioningStatus): Promise<void> {
  const rules = p.rules.filter((r) => r.expiration || r.noncurrentExpiration);
  for (const prefix of listingPrefixes(rules)) {
    let start = "";
    let versionIdMarker: string | undefined;
    let group: VersionSummary[] = [];
    for (;;) {
      if (!p.left()) return;
      const page = await p.deps.meta.listObjectVersions(p.bucket, { prefix, start, inclusive: false, versionIdMarker, limit: p.page });
      for (const v of page) {
        // A key's versions are decided together; the last key of a page waits for the next page.
        if (group.length && group[0]!.key !== v.key) await sweepKey(p, group.splice(0), versioning);
        group.push(v);
        if (!p.left()) return;
      }
      if (page.length < p.page) break;
      const last = page[page.length - 1]!;
      start = last.key;
      versionIdMarker = last.versionId;
    }
    if (group.length) await sweepKey(p, group, versioning);
  }
}

/** One key's versions, newest first. */
async function sweepKey(p: BucketPass, versions: VersionSummary[], versioning: VersioningStatus): Promise<void> {
  const key = versions[0]!.key;
  const current = versions.find((v) => v.isLatest);
  const noncurrent = versions.filter((v) => !v.isLatest);
  const change = (v: VersionSummary) => ({ size: v.size, etag: v.etag, headers: {}, versionId: v.versionId });
  // Noncurrent versions: the newest ones may be kept (NewerNoncurrentVersions), the rest expire
  // NoncurrentDays after a newer version replaced them. `i` counts the newer noncurrent ones.
  let left = noncurrent.length;
  const tagless = p.rules.map(untagged);
  for (const [i, v] of noncurrent.entries()) {
    if (!p.left()) return;
    const since = v.noncurrentSince ?? versions[versions.indexOf(v) - 1]?.lastModified ?? v.lastModified;
    const candidate = { key, size: v.deleteMarker ? 0 : v.size, since, newer: i };
    // Tags (and a lock) are read only for a version that could be due without them.
    if (dueNoncurrent(tagless, candidate, p.now) === null) continue;
    let tags: Record<string, string> | undefined;
    if (!v.deleteMarker) {
      const rec = await p.deps.meta.getObject(p.bucket, key, v.versionId);
      if (!rec || locked(rec, p.now)) continue;
      tags = rec.tags;
    }
    if (dueNoncurrent(p.rules, { ...candidate, tags }, p.now) === null) continue;
    const lock: DeleteCondition = { lock: { now: p.now, bypassGovernance: false } };
    if (await remove(p, key, change(v), false, lock, { versionId: v.versionId })) { p.result.noncurrent++; left--; }
  }
  if (!current || !p.left()) return;
  if (current.deleteMarker) {
    // An expired object delete marker: current, and nothing left behind it.
    if (left > 0) return;
    if (dueMarkerRemoval(p.rules, current, p.now) === null) return;
    if (await remove(p, key, change(current), false, undefined, { versionId: current.versionId })) p.result.markers++;
    return;
  }
  const rules = p.rules.filter((r) => r.expiration && (r.expiration.days !== undefined || r.expiration.date !== undefined));
  if (!rules.length) return;
  let due = dueExpiration(rules, current, p.now);
  if (due === null && rules.some(needsTags) && dueExpiration(rules.map(untagged), current, p.now) !== null) {
    const rec = await p.deps.meta.getObject(p.bucket, key, current.versionId);
    if (rec) due = dueExpiration(rules, { ...current, tags: rec.tags }, p.now);
  }
  if (due === null) return;
  // S3 expires a current version in a versioned bucket by writing a delete marker over it.
  const markerId = writeVersionId(versioning);
  const cond: DeleteCondition = { ifMatch: [current.etag], lastModifiedSeconds: Math.floor(current.lastModified / 1000) };
  const ok = await remove(p, key, { size: 0, etag: "", headers: {}, versionId: markerId }, true, cond, { marker: { versionId: markerId, lastModified: p.now } });
  if (ok) p.result.expired++;
}

/** Incomplete multipart uploads past AbortIncompleteMultipartUpload's days. */
async function sweepUploads(p: BucketPass): Promise<void> {
  const rules = p.rules.filter((r) => r.abortIncompleteUploadDays !== undefined);
  if (!rules.length) return;
  for (const prefix of listingPrefixes(rules)) {
    let keyMarker = "";
    let uploadIdMarker = "";
    for (;;) {
      if (!p.left()) return;
      const page = await p.deps.meta.listUploads(p.bucket, { prefix, keyMarker, uploadIdMarker, limit: p.page });
      for (const u of page) {
        if (!p.left()) return;
        if (dueAbort(rules, u, p.now) === null) continue;
        const r = await p.deps.meta.abortUpload(p.bucket, u.uploadId);
        p.spend();
        if (r.ok) p.result.aborted++;
      }
      if (page.length < p.page) break;
      keyMarker = page[page.length - 1]!.key;
      uploadIdMarker = page[page.length - 1]!.uploadId;
    }
  }
}
