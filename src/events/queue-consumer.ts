// The Cloudflare Queues consumer's logic (workers/notify.ts hands it the platform's batch):
// the same order and retry rules as the local queue (events/deliver.ts), within what Queues
// allow. Differences from Bun: a target's backoff state lives in the consuming isolate's
// memory (a new isolate probes again at once), and order holds only within a batch, since
// Queues do not keep order between batches.
//
// A retry is a copy of the message re-enqueued with a delay, then the original acked, rather
// than msg.retry(): the copy carries its own count of failed sends, so a message held back
// unsent (its target down) spends nothing, and a target down for hours is not cut off by the
// Queue's own max_retries (at most 100 deliveries) before the message's TTL.
import type { EventMessage } from "../store/types.ts";
import { deliverToTarget, TARGET_UP, withTargets, type DeliverSource, type Item, type TargetBackoff } from "./deliver.ts";
import { MAX_BATCH, MAX_BATCH_BYTES } from "./relay.ts";

/** A relayed message; a re-enqueued retry adds the number of its sends that failed. */
export interface QueuedEvent extends EventMessage { attempts?: number }

/** What the consumer uses of a delivered Queue message (Cloudflare's `Message`). */
export interface QueueMessage {
  readonly body: QueuedEvent;
  ack(): void;
  retry(opts?: { delaySeconds?: number }): void;
}

/** Sends messages to the queue again (at most MAX_BATCH and MAX_BATCH_BYTES per call). */
export type Requeue = (messages: { body: QueuedEvent; delaySeconds: number }[]) => Promise<void>;

/**
 * Removes delivered (or dropped) messages from their bucket's outbox, where the relay left them
 * leased (relay.ts). A message is acked only once settled; one whose settle failed is retried
 * by the Queue (delivered again: at least once).
 */
export type Settle = (bucket: string, ids: string[]) => Promise<void>;

export async function consumeQueueBatch(
  source: DeliverSource, messages: readonly QueueMessage[], opts: { states: Map<string, TargetBackoff>; requeue: Requeue; settle?: Settle },
): Promise<void> {
  const byTarget = new Map<string, (Item & { m: QueueMessage })[]>();
  for (const m of messages) {
    const body = m.body;
    if (!byTarget.has(body.target)) byTarget.set(body.target, []);
    byTarget.get(body.target)!.push({ m, msg: body, attempts: body.attempts ?? 0 });
  }
  // A failed lookup throws: the Queue redelivers the batch (nothing was sent).
  const d = await withTargets(source, byTarget.keys());
  const again: { m: QueueMessage; body: QueuedEvent; delaySeconds: number }[] = [];
  const finished: QueueMessage[] = [];
  await Promise.all([...byTarget].map(async ([target, items]) => {
    const { fates, state } = await deliverToTarget(d, items, opts.states.get(target) ?? TARGET_UP);
    if (state.failures === 0) opts.states.delete(target);
    else opts.states.set(target, state);
    const delaySeconds = Math.max(1, Math.ceil((state.retryAt - d.now()) / 1000));
    for (const [it, fate] of fates) {
      if (fate === "delivered" || fate === "dropped") finished.push(it.m);
      else {
        const { attempts: _, ...msg } = it.msg as QueuedEvent;
        again.push({ m: it.m, body: { ...msg, attempts: it.attempts + (fate === "failed" ? 1 : 0) }, delaySeconds });
      }
    }
  }));
  // Settled per bucket (one RPC to its shard), then acked.
  const byBucket = new Map<string, QueueMessage[]>();
  for (const m of finished) {
    const ms = byBucket.get(m.body.bucket);
    if (ms) ms.push(m); else byBucket.set(m.body.bucket, [m]);
  }
  await Promise.all([...byBucket].map(async ([bucket, ms]) => {
    try {
      await opts.settle?.(bucket, ms.map((m) => m.body.id));
      for (const m of ms) m.ack();
    } catch (e) {
      d.log.warn("event settle failed; the queue delivers it again", { bucket, error: String(e), via: d.via });
      for (const m of ms) m.retry();
    }
  }));
  for (let i = 0; i < again.length;) {
    const chunk: typeof again = [];
    let bytes = 0;
    for (; i < again.length && chunk.length < MAX_BATCH; i++) {
      const size = again[i].body.record.length + 256;
      if (chunk.length && bytes + size > MAX_BATCH_BYTES) break;
      chunk.push(again[i]);
      bytes += size;
    }
    try {
      await opts.requeue(chunk.map(({ body, delaySeconds }) => ({ body, delaySeconds })));
      for (const c of chunk) c.m.ack();
    } catch (e) {
      // The Queue's own retry keeps the message (its count of failed sends is then one short).
      d.log.warn("event re-enqueue failed; retrying through the queue", { error: String(e), via: d.via });
      for (const c of chunk) c.m.retry({ delaySeconds: c.delaySeconds });
    }
  }
}
