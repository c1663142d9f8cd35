// The consumer side, the same on both runtimes: deliver a target's messages in order, back
// off per target while it fails, and spend a message's retry budget on real sends only.
// Workers run it from the Queue consumer (events/queue-consumer.ts); Bun from the local queue.
//
// The retry rule (README "Bucket notifications"):
// - A failed send marks its target down: nothing more is sent to it until a backoff (1 s
//   doubling to 5 min) ends; then one probe, the oldest message, goes first. When it answers,
//   the backlog drains in commit order.
// - Only sends count as attempts: not leases, not messages held back behind a failure, not a
//   lease a crash left behind.
// - The retry limit (maxRetries) drops a message only when it fails while its target is
//   otherwise up: once a message has failed maxRetries times, the next message is sent after
//   it, and if that one is delivered the first is dropped (logged as lost). A target that is
//   simply down never has its messages dropped by the limit; they wait, up to their TTL.
// - HTTP targets (webhook, SNS topics with an http(s) endpoint) get up to `concurrency` sends
//   in flight (keep-alive connections, one POST per record as MinIO sends): a window of the
//   next messages, never two of one object, so each object's events still arrive in commit
//   order; a window starts after the one before has settled, and the rule above is applied
//   to its results in commit order. A target that has been failing gets one probe first.
//   What a window sent after a failure is settled as it ended (a delivery is never sent
//   again). Socket targets (namespace tables, queues) keep one send at a time.
import type { Logger } from "../deps.ts";
import type { EventMessage, LeasedEvent, MetaStore, SettledEvents } from "../store/types.ts";
import type { NotifyTarget } from "./targets.ts";
import type { TargetLookup } from "./target-registry.ts";
import { deliverWebhook } from "./targets/webhook.ts";
import { deliverTopic } from "./topic-delivery.ts";
import type { TargetSenders } from "./targets/drivers.ts";
import type { TargetStats } from "./targets-stats.ts";

export interface DeliverDeps {
  targets: Record<string, NotifyTarget>;
  now(): number;
  log: Logger;
  fetch?: typeof fetch;
  /** Connections to the targets that need sockets (redis, postgresql, mysql, amqp); absent where the runtime has none. */
  senders?: TargetSenders;
  /** Which queue delivers ("local" on Bun, "queue" on Workers), for the logs. */
  via?: string;
  /** Backoff after `failures` failed sends in a row (default retryDelayMs); tests shorten it. */
  backoffMs?(failures: number): number;
  /** Per-target counters for /metrics (events/targets-stats.ts). */
  stats?: TargetStats;
  /** Sends in flight at once per HTTP target (default 1: one at a time); see the rule above. */
  concurrency?: number;
}

/**
 * What a delivery loop is given: the targets as a map, or a lookup (the TargetRegistry) asked
 * once per pass for the targets of the messages in hand.
 */
export type DeliverSource = Omit<DeliverDeps, "targets"> & { targets: DeliverDeps["targets"] | TargetLookup };

/** DeliverDeps for messages to these targets. */
export async function withTargets(d: DeliverSource, keys: Iterable<string>): Promise<DeliverDeps> {
  const t = d.targets;
  return typeof (t as TargetLookup).resolve === "function" ? { ...d, targets: await (t as TargetLookup).resolve(keys) } : (d as DeliverDeps);
}

/** Sends in flight per HTTP target in the durable local queue (Bun): the receiver's keep-alive connections. */
export const HTTP_CONCURRENCY = 16;

/** Exponential backoff from 1 s, capped at 5 min. */
export const retryDelayMs = (failures: number) => Math.min(300_000, 1000 * 2 ** Math.max(0, failures - 1));

/** A target's delivery state: failed sends in a row, and no send before `retryAt`. */
export interface TargetBackoff { failures: number; retryAt: number }
export const TARGET_UP: TargetBackoff = Object.freeze({ failures: 0, retryAt: 0 });

/**
 * What became of a message: delivered, dropped for good (target gone, TTL, retry limit),
 * failed (a real send, one attempt more), or unsent (held back: no attempt).
 */
export type Fate = "delivered" | "dropped" | "failed" | "unsent";

export interface Item { msg: EventMessage; /** Failed sends so far. */ attempts: number }

type Sent = "delivered" | "dropped" | "failed";

/** One send (`attempt` counts it, 1 on the first); no send for a target gone or a message past its TTL. */
export async function sendMessage(d: DeliverDeps, msg: EventMessage, attempt: number, parsed?: Record<string, unknown>): Promise<Sent> {
  const target = d.targets[msg.target];
  const fields = { id: msg.id, bucket: msg.bucket, target: msg.target, attempts: attempt, via: d.via };
  if (!target) {
    d.log.warn("event dropped: target no longer configured", fields);
    d.stats?.dropped(msg.target);
    return "dropped";
  }
  if (d.now() - msg.created > target.ttlMs) {
    d.log.warn("event dropped: older than the target's TTL", fields);
    d.stats?.dropped(msg.target);
    return "dropped";
  }
  const counted = d.stats?.begin(msg.target);
  try {
    const record = parsed ?? (JSON.parse(msg.record) as Record<string, unknown>);
    if (target.type === "webhook") await deliverWebhook(target, record, d.fetch, msg.record);
    else if (target.type === "sns") await deliverTopic(target, record, d.fetch);
    else if (d.senders) await d.senders.send(target, record);
    else throw new Error(`no ${target.type} driver on this runtime`);
    counted?.("sent");
    return "delivered";
  } catch (e) {
    counted?.("failed");
    d.log.warn("event delivery failed; will retry", { ...fields, error: String(e) });
    return "failed";
  }
}

/** How many sends a target may have in flight: HTTP targets `concurrency`, the others one. */
function windowOf(d: DeliverDeps, target: string): number {
  const t = d.targets[target];
  const http = t?.type === "webhook" || (t?.type === "sns" && /^https?:/i.test(t.endpoint ?? ""));
  return http ? Math.max(1, d.concurrency ?? 1) : 1;
}

/** The object a message is about (`bucket/key`), for the per-object order of a window; null: unreadable. */
function objectOf(record: Record<string, unknown> | null): string | null {
  const s3 = (record as { s3?: { bucket?: { name?: string }; object?: { key?: string } } } | null)?.s3;
  return s3 ? `${s3.bucket?.name ?? ""}/${s3.object?.key ?? ""}` : null;
}

const parseRecord = (m: EventMessage): Record<string, unknown> | null => {
  try { return JSON.parse(m.record) as Record<string, unknown>; } catch { return null; }
};

/**
 * Delivers one target's messages (oldest first) under the retry rule above. `deadline` stops
 * sending (the rest unsent) when a lease would run out. Returns each item's fate and the
 * target's new state.
 */
export async function deliverToTarget<I extends Item>(
  d: DeliverDeps, items: I[], state: TargetBackoff, deadline = Infinity,
): Promise<{ fates: Map<I, Fate>; state: TargetBackoff }> {
  const fates = new Map<I, Fate>();
  for (const it of items) fates.set(it, "unsent");
  if (state.retryAt > d.now() || items.length === 0) return { fates, state };
  const backoff = d.backoffMs ?? retryDelayMs;
  const width = windowOf(d, items[0].msg.target);
  /** Failed with their budget spent: dropped if the next send shows the target is up. */
  let spent: I[] = [];
  let down = false;
  let i = 0;
  while (i < items.length && !down) {
    if (d.now() >= deadline) break;
    // The next window: a lone probe while the target has been failing; never two sends for one object.
    const size = state.failures > 0 ? 1 : width;
    const win: { it: I; record: Record<string, unknown> | null }[] = [];
    const objects = new Set<string>();
    while (i < items.length && win.length < size) {
      const record = width > 1 ? parseRecord(items[i].msg) : null;
      const obj = width > 1 ? objectOf(record) : null;
      if (win.length > 0 && (obj === null || objects.has(obj))) break;
      if (obj !== null) objects.add(obj);
      win.push({ it: items[i], record });
      i++;
    }
    const results = win.length === 1
      ? [await sendMessage(d, win[0].it.msg, win[0].it.attempts + 1, win[0].record ?? undefined)]
      : await Promise.all(win.map((w) => sendMessage(d, w.it.msg, w.it.attempts + 1, w.record ?? undefined)));
    // The rule, in commit order over what this window sent.
    for (let k = 0; k < win.length; k++) {
      const it = win[k].it;
      const r = results[k];
      fates.set(it, r);
      if (down) continue; // sent alongside the failure: settled as it ended, nothing more follows
      if (r === "delivered") {
        for (const s of spent) {
          fates.set(s, "dropped");
          d.stats?.dropped(s.msg.target);
          d.log.error("event lost: delivery failed too often while its target accepted others", {
            id: s.msg.id, bucket: s.msg.bucket, target: s.msg.target, attempts: s.attempts + 1, via: d.via,
          });
        }
        spent = [];
        state = TARGET_UP;
      } else if (r === "failed") {
        const max = d.targets[it.msg.target]?.maxRetries ?? 1;
        if (it.attempts + 1 >= max) { spent.push(it); continue; }
        down = true;
      }
    }
  }
  // A failure not followed by a delivery: the target counts as down.
  if (down || spent.length) {
    const failures = state.failures + 1;
    state = { failures, retryAt: d.now() + backoff(failures) };
  }
  return { fates, state };
}

/**
 * One pass of the durable local queue: lease the heads of due targets and start delivering each
 * target's batch in order (targets in parallel), settling each as soon as it is done; `settled`
 * resolves when all are. A crash midway leaves a batch leased until leaseMs ends; then it comes
 * back with no attempt spent.
 */
export async function startOutboxPass(
  meta: MetaStore, source: DeliverSource, opts: { leaseMs?: number; limit?: number; perTarget?: number } = {},
): Promise<{ leased: number; /** The targets leased from. */ targets: string[]; settled: Promise<void> }> {
  const leaseMs = opts.leaseMs ?? 60_000;
  const start = source.now();
  const leased = await meta.leaseEvents({ now: start, leaseMs, limit: opts.limit ?? 100, perTarget: opts.perTarget });
  const byTarget = new Map<string, (Item & { msg: LeasedEvent })[]>();
  for (const m of leased) {
    if (!byTarget.has(m.target)) byTarget.set(m.target, []);
    byTarget.get(m.target)!.push({ msg: m, attempts: m.attempts });
  }
  if (leased.length === 0) return { leased: 0, targets: [], settled: Promise.resolve() };
  // A lookup that fails leaves the batch leased until the lease ends: it comes back, no attempt spent.
  const d = await withTargets(source, byTarget.keys());
  const settled = Promise.all([...byTarget].map(async ([target, items]) => {
    // Leased means due: the stored state only gives the backoff step.
    const before = { failures: items[0].msg.targetFailures, retryAt: 0 };
    // Stop sending with a margin before the lease ends, so no later pass leases rows still in flight.
    const { fates, state } = await deliverToTarget(d, items, before, start + leaseMs * 0.9);
    const byBucket = new Map<string, Required<SettledEvents>>();
    // A target that was up and still is: its stored state is already that (one statement less per batch).
    const wasUp = new Map<string, boolean>();
    for (const it of items) wasUp.set(it.msg.bucket, (wasUp.get(it.msg.bucket) ?? true) && it.msg.targetFailures === 0);
    for (const [it, fate] of fates) {
      const b = it.msg.bucket;
      // The target's state goes with each bucket it touched (a sharded store keeps it per shard).
      const unchanged = state.failures === 0 && state.retryAt === 0 && wasUp.get(b);
      if (!byBucket.has(b)) byBucket.set(b, { done: [], failed: [], released: [], targets: unchanged ? [] : [{ target, ...state }] });
      const s = byBucket.get(b)!;
      if (fate === "delivered" || fate === "dropped") s.done.push(it.msg.id);
      else if (fate === "failed") s.failed.push(it.msg.id);
      else s.released.push(it.msg.id);
    }
    for (const [bucket, s] of byBucket) await meta.settleEvents(bucket, s);
  })).then(() => {});
  return { leased: leased.length, targets: [...byTarget.keys()], settled };
}

/** One pass, awaited: returns how many messages were leased (0 = idle). */
export async function drainOutbox(meta: MetaStore, d: DeliverSource, opts: { leaseMs?: number; limit?: number; perTarget?: number } = {}): Promise<number> {
  const pass = await startOutboxPass(meta, d, opts);
  await pass.settled;
  return pass.leased;
}
