// The consumer side, the same on both runtimes: deliver one message to its target and say
// whether it is done (delivered, or dropped for good) or should be retried after a delay.
// Workers run it from the Queue consumer (workers/notify.ts); Bun from the local queue.
import type { Logger } from "../deps.ts";
import type { EventMessage, LeasedEvent, MetaStore } from "../store/types.ts";
import type { NotifyTarget } from "./targets.ts";
import { deliverWebhook } from "./targets/webhook.ts";

export type Outcome = { done: true } | { done: false; delayMs: number };

export interface DeliverDeps {
  targets: Record<string, NotifyTarget>;
  now(): number;
  log: Logger;
  fetch?: typeof fetch;
  /** Which queue delivers ("local" on Bun, "queue" on Workers), for the logs. */
  via?: string;
}

/** Exponential backoff from 1 s, capped at 5 min. */
export const retryDelayMs = (attempts: number) => Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));

/** `attempts` counts this one (1 on first delivery). */
export async function deliverMessage(d: DeliverDeps, msg: EventMessage, attempts: number): Promise<Outcome> {
  const target = d.targets[msg.target];
  const fields = { id: msg.id, bucket: msg.bucket, target: msg.target, attempts, via: d.via };
  if (!target) {
    d.log.warn("event dropped: target no longer configured", fields);
    return { done: true };
  }
  if (d.now() - msg.created > target.ttlMs) {
    d.log.warn("event dropped: older than the target's TTL", fields);
    return { done: true };
  }
  try {
    await deliverWebhook(target, JSON.parse(msg.record) as Record<string, unknown>, d.fetch);
    return { done: true };
  } catch (e) {
    if (attempts >= target.maxRetries) {
      d.log.error("event lost: delivery failed too often", { ...fields, error: String(e) });
      return { done: true };
    }
    d.log.warn("event delivery failed; will retry", { ...fields, error: String(e) });
    return { done: false, delayMs: retryDelayMs(attempts) };
  }
}

/**
 * Delivers messages in order per target; after a failure the target's later messages wait
 * with it, so a receiver does not see a Delete before the Put it follows.
 */
export async function deliverBatch<M extends EventMessage>(
  d: DeliverDeps, batch: { msg: M; attempts: number }[],
): Promise<Map<M, Outcome>> {
  const byTarget = new Map<string, { msg: M; attempts: number }[]>();
  for (const b of batch) {
    if (!byTarget.has(b.msg.target)) byTarget.set(b.msg.target, []);
    byTarget.get(b.msg.target)!.push(b);
  }
  const out = new Map<M, Outcome>();
  await Promise.all([...byTarget.values()].map(async (items) => {
    let blocked: Outcome | null = null;
    for (const { msg, attempts } of items) {
      if (blocked) { out.set(msg, blocked); continue; }
      const o = await deliverMessage(d, msg, attempts);
      out.set(msg, o);
      if (!o.done) blocked = o;
    }
  }));
  return out;
}

/**
 * One pass of the durable local queue: lease visible messages, deliver, settle. Returns how
 * many were leased (0 = idle). A crash midway leaves leased rows, visible again after leaseMs.
 */
export async function drainOutbox(meta: MetaStore, d: DeliverDeps, opts: { leaseMs?: number; limit?: number } = {}): Promise<number> {
  const leased = await meta.leaseEvents({ now: d.now(), leaseMs: opts.leaseMs ?? 60_000, limit: opts.limit ?? 100 });
  if (leased.length === 0) return 0;
  const outcomes = await deliverBatch<LeasedEvent>(d, leased.map((m) => ({ msg: m, attempts: m.attempts })));
  const byBucket = new Map<string, { done: string[]; retry: { id: string; delayMs: number }[] }>();
  for (const [m, o] of outcomes) {
    if (!byBucket.has(m.bucket)) byBucket.set(m.bucket, { done: [], retry: [] });
    const s = byBucket.get(m.bucket)!;
    if (o.done) s.done.push(m.id);
    else s.retry.push({ id: m.id, delayMs: o.delayMs });
  }
  for (const [bucket, s] of byBucket) await meta.settleEvents(bucket, s);
  return leased.length;
}
