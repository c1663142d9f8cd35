// Queue consumer: delivers event notifications relayed by the metadata shards, with the order
// and retry rules of src/events/deliver.ts (see src/events/queue-consumer.ts for what differs
// on Queues). Each message is settled in its shard's outbox, then acked, once delivered or
// dropped for good (TTL, the retry limit while its target accepts others, target gone), or
// re-enqueued with its target's backoff.
import { consumeQueueBatch } from "../src/events/queue-consumer.ts";
import type { TargetBackoff } from "../src/events/deliver.ts";
import type { EventMessage } from "../src/store/types.ts";
import { workersDeliveryDrivers, workersNotifyStats, workersTargets } from "../src/runtime/workers/deps.ts";
import { jsonLogger } from "../src/runtime/workers/logger.ts";
import { createTargetSenders, type TargetSenders } from "../src/events/targets/drivers.ts";
import type { WorkersEnv } from "../src/runtime/workers/env.ts";
import { createDoMetaStore } from "../src/runtime/workers/do-meta-store.ts";

// Targets' backoff state, per isolate (bindings do not change under it; cf. gateway.ts).
const states = new WeakMap<WorkersEnv, Map<string, TargetBackoff>>();
// Connections to socket targets (PostgreSQL), per isolate like the states.
const senders = new WeakMap<WorkersEnv, TargetSenders>();

export async function consumeEvents(batch: MessageBatch<EventMessage>, env: WorkersEnv): Promise<void> {
  let known = states.get(env);
  if (!known) states.set(env, (known = new Map()));
  let s = senders.get(env);
  if (!s) senders.set(env, (s = createTargetSenders(workersDeliveryDrivers(env), jsonLogger)));
  const d = { targets: workersTargets(env), senders: s, now: () => Date.now(), log: jsonLogger, via: "queue", stats: workersNotifyStats(env) };
  const events = env.EVENTS;
  const meta = createDoMetaStore(env.META);
  await consumeQueueBatch(d, batch.messages, {
    states: known,
    // The relay left each message in its shard's outbox until now (src/events/relay.ts).
    settle: (bucket, ids) => meta.settleEvents(bucket, { done: ids }),
    async requeue(messages) {
      if (!events) throw new Error("no EVENTS queue binding");
      await events.sendBatch(messages.map((m) => ({ body: m.body, contentType: "json" as const, delaySeconds: m.delaySeconds })));
    },
  });
}
