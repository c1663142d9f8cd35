// Queue consumer: delivers event notifications relayed by the metadata shards. Each message is
// acked once delivered (or dropped for good: TTL, max retries, target gone) or retried with backoff.
import { deliverBatch } from "../src/events/deliver.ts";
import { targetsFromEnv } from "../src/events/targets.ts";
import type { EventMessage } from "../src/store/types.ts";
import { jsonLogger } from "../src/runtime/workers/deps.ts";
import type { WorkersEnv } from "../src/runtime/workers/env.ts";

export async function consumeEvents(batch: MessageBatch<EventMessage>, env: WorkersEnv): Promise<void> {
  const d = { targets: targetsFromEnv(env as unknown as Record<string, unknown>), now: () => Date.now(), log: jsonLogger, via: "queue" };
  const outcomes = await deliverBatch(d, batch.messages.map((m) => ({ msg: m.body, attempts: m.attempts })));
  for (const m of batch.messages) {
    const o = outcomes.get(m.body);
    if (!o || o.done) m.ack();
    else m.retry({ delaySeconds: Math.ceil(o.delayMs / 1000) });
  }
}
