// Outbox → EventQueue relay (Workers: each metadata shard relays its own outbox to the Queue).
// A message is deleted from the outbox only after the queue accepted it: at least once.
import type { EventMessage, EventQueue, MetaStore } from "../store/types.ts";

// Cloudflare Queues: at most 100 messages and 256 KB per sendBatch.
export const MAX_BATCH = 100;
export const MAX_BATCH_BYTES = 200 * 1024;

/** Relays the outbox (each target's rows oldest first); returns how many were sent. Failures leave rows leased for a later pass. */
export async function relayOutbox(meta: MetaStore, queue: EventQueue, now: () => number, leaseMs = 60_000): Promise<number> {
  let sent = 0;
  for (;;) {
    const leased = await meta.leaseEvents({ now: now(), leaseMs, limit: MAX_BATCH });
    if (leased.length === 0) return sent;
    let batch: EventMessage[] = [];
    let bytes = 0;
    const flush = async () => {
      if (!batch.length) return;
      await queue.send(batch);
      // Settled per bucket; a shard holds one bucket, but the store need not be a shard.
      const byBucket = new Map<string, string[]>();
      for (const m of batch) byBucket.set(m.bucket, [...(byBucket.get(m.bucket) ?? []), m.id]);
      for (const [bucket, done] of byBucket) await meta.settleEvents(bucket, { done });
      sent += batch.length;
      batch = [];
      bytes = 0;
    };
    for (const m of leased) {
      const msg: EventMessage = { id: m.id, bucket: m.bucket, target: m.target, record: m.record, created: m.created };
      const size = m.record.length + 256;
      if (bytes + size > MAX_BATCH_BYTES) await flush();
      batch.push(msg);
      bytes += size;
    }
    await flush();
  }
}
