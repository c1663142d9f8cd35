// The Cloudflare Queues consumer's logic (workers/notify.ts) under Bun, against a real HTTP
// receiver: the batch is a plain stand-in for the platform's MessageBatch (ack/retry recorded),
// and re-enqueued copies are collected as the EVENTS producer would take them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { consumeQueueBatch, type QueuedEvent, type QueueMessage, type Requeue } from "../../../src/events/queue-consumer.ts";
import type { DeliverDeps, TargetBackoff } from "../../../src/events/deliver.ts";
import type { WebhookTarget } from "../../../src/events/targets.ts";
import { startCountingReceiver, type CountingReceiver } from "./receiver.ts";

let rx: CountingReceiver;
beforeAll(() => { rx = startCountingReceiver(); });
afterAll(() => rx.stop());
beforeEach(() => { rx.received.length = 0; rx.requests = 0; rx.status = null; rx.reject = null; });

let now = 1_000_000;
const lost: string[] = [];
const target = (): WebhookTarget => ({ type: "webhook", id: "1", endpoint: rx.url, queueLimit: 100, maxRetries: 3, ttlMs: 3_600_000 });
const deps = (): DeliverDeps => ({ targets: { "1:webhook": target() }, now: () => now, log: { info() {}, warn() {}, error: (m) => { lost.push(m); } }, via: "queue" });
const event = (key: string, attempts?: number): QueuedEvent => ({
  id: key, bucket: "b", target: "1:webhook", created: now, attempts,
  record: JSON.stringify({ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key } } }),
});

interface Stand { body: QueuedEvent; acked: boolean; retried?: number }
const batch = (bodies: QueuedEvent[]): (QueueMessage & Stand)[] => bodies.map((body) => {
  const m: QueueMessage & Stand = { body, acked: false, ack() { m.acked = true; }, retry(o) { m.retried = o?.delaySeconds ?? 0; } };
  return m;
});
const collect = () => {
  const sent: { body: QueuedEvent; delaySeconds: number }[] = [];
  const requeue: Requeue = async (msgs) => { sent.push(...msgs); };
  return { sent, requeue };
};

describe("Queue consumer (Workers)", () => {
  it("a failed send is re-enqueued with one attempt more; the rest of its target's messages unsent, with none", async () => {
    const states = new Map<string, TargetBackoff>();
    const { sent, requeue } = collect();
    rx.status = 503;
    const msgs = batch([event("a", 1), event("b"), event("c")]);
    await consumeQueueBatch(deps(), msgs, { states, requeue });
    expect(rx.requests).toBe(1);
    expect(sent.map((s) => [s.body.id, s.body.attempts, s.delaySeconds])).toEqual([["a", 2, 1], ["b", 0, 1], ["c", 0, 1]]);
    expect(msgs.every((m) => m.acked && m.retried === undefined)).toBe(true);
    expect(states.get("1:webhook")).toEqual({ failures: 1, retryAt: now + 1000 }); // the backoff is the target's: step 1

    // While the target backs off, a new batch is held without a send (no attempt spent).
    sent.length = 0;
    await consumeQueueBatch(deps(), batch([event("d")]), { states, requeue });
    expect(rx.requests).toBe(1);
    expect(sent.map((s) => [s.body.id, s.body.attempts, s.delaySeconds])).toEqual([["d", 0, 1]]);

    // Back up: delivered and acked, the target's state forgotten.
    now += 1000;
    rx.status = null;
    const later = batch(sent.map((s) => s.body));
    await consumeQueueBatch(deps(), later, { states, requeue });
    expect(rx.lines()).toEqual(["Put b/d"]);
    expect(later[0].acked).toBe(true);
    expect(states.size).toBe(0);
  });

  it("a message out of retries is dropped (lost) when the next one of its target is delivered", async () => {
    lost.length = 0;
    const { sent, requeue } = collect();
    rx.reject = (h) => h.key === "b/poison";
    const msgs = batch([event("poison", 2), event("ok")]);
    await consumeQueueBatch(deps(), msgs, { states: new Map(), requeue });
    expect(msgs.map((m) => m.acked)).toEqual([true, true]);
    expect(sent).toEqual([]);
    expect(rx.lines()).toEqual(["Put b/ok"]);
    expect(lost).toEqual(["event lost: delivery failed too often while its target accepted others"]);
  });

  it("if re-enqueueing fails, the Queue's own retry keeps the message", async () => {
    rx.status = 500;
    const msgs = batch([event("a")]);
    await consumeQueueBatch(deps(), msgs, { states: new Map(), requeue: async () => { throw new Error("queue down"); } });
    expect(msgs[0].acked).toBe(false);
    expect(msgs[0].retried).toBe(1);
  });

  it("delivered messages are settled in their bucket's outbox before they are acked; a failed settle leaves them to the Queue's retry", async () => {
    const settled: [string, string[]][] = [];
    const { sent, requeue } = collect();
    const two = (key: string, bucket: string) => ({ ...event(key), bucket });
    const msgs = batch([two("a", "b1"), two("b", "b2"), two("c", "b1")]);
    await consumeQueueBatch(deps(), msgs, { states: new Map(), requeue, settle: async (bucket, ids) => { settled.push([bucket, ids]); } });
    expect(settled.sort()).toEqual([["b1", ["a", "c"]], ["b2", ["b"]]]);
    expect(msgs.every((m) => m.acked)).toBe(true);
    expect(sent).toEqual([]);
    // The shard is unreachable: nothing acked, the Queue delivers them again (at least once).
    const again = batch([event("d")]);
    await consumeQueueBatch(deps(), again, { states: new Map(), requeue, settle: async () => { throw new Error("shard down"); } });
    expect(rx.lines()).toContain("Put b/d");
    expect([again[0].acked, again[0].retried]).toEqual([false, 0]);
    // Re-enqueued ones are not settled: their row stays until a copy is delivered.
    rx.status = 503;
    settled.length = 0;
    const down = batch([event("e")]);
    await consumeQueueBatch(deps(), down, { states: new Map(), requeue, settle: async (bucket, ids) => { settled.push([bucket, ids]); } });
    expect(settled).toEqual([]);
    expect(sent.map((x) => x.body.id)).toEqual(["e"]);
  });
});
