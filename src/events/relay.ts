// Outbox → EventQueue relay (Workers: each metadata shard relays its own outbox to the Queue).
// A relayed message stays in the outbox, leased for RELAY_LEASE_MS, until the Queue's consumer
// has delivered (or dropped) it and settles it in its shard (queue-consumer.ts): so the outbox
// counts what the Queue holds (admin topic stats, queue_limit), and a message the Queue lost is
// relayed again once its lease ends: at least once.
import type { EventMessage, EventQueue, MetaStore } from "../store/types.ts";

// Cloudflare Queues: at most 100 messages and 256 KB per sendBatch.
export const MAX_BATCH = 100;
export const MAX_BATCH_BYTES = 200 * 1024;

/** How long a relayed message waits for its consumer's settle before it is relayed again (the Queue retries for longer only when a target is down that long). */
export const RELAY_LEASE_MS = 24 * 3600 * 1000;

/** Relays the outbox (each target's rows not relayed yet); returns how many were sent. A failed send releases its rows and throws. */
export async function relayOutbox(meta: MetaStore, queue: EventQueue, now: () => number, leaseMs = RELAY_LEASE_MS): Promise<number> {
  let sent = 0;
  for (;;) {
    const leased = await meta.leaseEvents({ now: now(), leaseMs, limit: MAX_BATCH, relay: true });
    if (leased.length === 0) return sent;
    let batch: EventMessage[] = [];
    let bytes = 0;
    const sentIds = new Set<string>();
    const flush = async () => {
      if (!batch.length) return;
      try {
        await queue.send(batch);
      } catch (e) {
        // Not relayed: released for the next relay (the alarm's, or the next commit's), not held a day.
        const unsent = leased.filter((m) => !sentIds.has(m.id));
        for (const bucket of new Set(unsent.map((m) => m.bucket))) {
          await meta.settleEvents(bucket, { done: [], released: unsent.filter((m) => m.bucket === bucket).map((m) => m.id) }).catch(() => {});
        }
        throw e;
      }
      for (const m of batch) sentIds.add(m.id);
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
