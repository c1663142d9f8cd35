// Delivery against a real HTTP receiver on 127.0.0.1: the consumer's outcomes, the durable
// local queue (outbox rows leased and settled) and the relay to an EventQueue.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { deliverMessage, drainOutbox, retryDelayMs, type DeliverDeps } from "../../../src/events/deliver.ts";
import { relayOutbox } from "../../../src/events/relay.ts";
import { targetsFromEnv, type WebhookTarget } from "../../../src/events/targets.ts";
import { startLocalQueue } from "../../../src/runtime/bun/local-queue.ts";
import type { EventMessage, EventQueue } from "../../../src/store/types.ts";
import { md5B64, withBucket } from "../helpers/s3.ts";
import { startReceiver, type Receiver } from "../../e2e/webhook-receiver.ts";

let rx: Receiver;
beforeAll(() => { rx = startReceiver(); });
afterAll(() => rx.stop());

const silent = { info() {}, warn() {}, error() {} };
const target = (over: Partial<WebhookTarget> = {}): WebhookTarget => ({
  type: "webhook", id: "1", endpoint: rx.url, queueLimit: 100, maxRetries: 3, ttlMs: 60_000, ...over,
});
const record = { eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "dir%2Fa+b.txt" } } };
const msg = (over: Partial<EventMessage> = {}): EventMessage => ({
  id: crypto.randomUUID(), bucket: "b", target: "1:webhook", record: JSON.stringify(record), created: Date.now(), ...over,
});

describe("deliverMessage (webhook)", () => {
  it("POSTs MinIO's body with the bearer token; 2xx is done", async () => {
    rx.received.length = 0;
    const d: DeliverDeps = { targets: { "1:webhook": target({ authToken: "tok" }) }, now: Date.now, log: silent };
    expect(await deliverMessage(d, msg(), 1)).toEqual({ done: true });
    const [got] = rx.received;
    expect(got.body).toEqual({ EventName: "s3:ObjectCreated:Put", Key: "b/dir/a b.txt", Records: [record] });
    expect(got.headers.get("authorization")).toBe("Bearer tok");
    expect(got.headers.get("content-type")).toBe("application/json");
    d.targets["1:webhook"] = target({ authToken: "Basic dXNlcjpwYXNz" });
    await deliverMessage(d, msg(), 1);
    expect(rx.received[1].headers.get("authorization")).toBe("Basic dXNlcjpwYXNz");
  });

  it("a non-2xx or unreachable endpoint is retried with backoff, until max retries (then lost)", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target() }, now: Date.now, log: silent };
    rx.failNext(1, 503);
    expect(await deliverMessage(d, msg(), 1)).toEqual({ done: false, delayMs: 1000 });
    rx.failNext(1, 404);
    expect(await deliverMessage(d, msg(), 2)).toEqual({ done: false, delayMs: 2000 });
    rx.failNext(1, 500);
    expect(await deliverMessage(d, msg(), 3)).toEqual({ done: true }); // maxRetries = 3: dropped, logged as lost
    d.targets["1:webhook"] = target({ endpoint: "http://127.0.0.1:1/closed" });
    expect(await deliverMessage(d, msg(), 1)).toEqual({ done: false, delayMs: 1000 });
    expect(retryDelayMs(20)).toBe(300_000);
  });

  it("drops messages past the TTL, and for targets no longer configured, without calling them", async () => {
    rx.received.length = 0;
    const d: DeliverDeps = { targets: { "1:webhook": target({ ttlMs: 1000 }) }, now: Date.now, log: silent };
    expect(await deliverMessage(d, msg({ created: Date.now() - 5000 }), 1)).toEqual({ done: true });
    expect(await deliverMessage(d, msg({ target: "2:webhook" }), 1)).toEqual({ done: true });
    expect(rx.received).toEqual([]);
  });
});

async function configured(opts: { sharded?: boolean } = {}) {
  const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: rx.url });
  const b = await withBucket("bkt", { notifyTargets: targets }, opts);
  const body = "<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>";
  expect((await b.c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
  const d: DeliverDeps = { targets, now: () => b.env.deps.clock.now(), log: silent };
  return { ...b, d };
}

for (const sharded of [false, true]) {
  describe(`durable local queue (${sharded ? "sharded" : "single"} store)`, () => {
    it("delivers in order; a failure holds the target's later messages and retries after the delay", async () => {
      const { c, env, d } = await configured({ sharded });
      rx.received.length = 0;
      for (const k of ["k1", "k2", "k3"]) expect((await c.put("bkt", k, k)).status).toBe(200);
      expect((await c.del("bkt", "k1")).status).toBe(204);
      rx.failNext(1);
      expect(await drainOutbox(env.deps.meta, d)).toBe(4);
      expect(rx.received).toEqual([]);
      expect(await drainOutbox(env.deps.meta, d)).toBe(0); // all wait for the first one's delay
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 4 });
      env.setNow(env.deps.clock.now() + 1000);
      expect(await drainOutbox(env.deps.meta, d)).toBe(4);
      expect(rx.received.map((r) => `${r.body.EventName} ${r.body.Key}`)).toEqual([
        "s3:ObjectCreated:Put bkt/k1", "s3:ObjectCreated:Put bkt/k2", "s3:ObjectCreated:Put bkt/k3", "s3:ObjectRemoved:Delete bkt/k1",
      ]);
      expect(await env.deps.meta.countEvents()).toEqual({});
    });

    it("a consumer that dies after leasing loses nothing: the lease runs out and the message comes back", async () => {
      const { c, env, d } = await configured({ sharded });
      rx.received.length = 0;
      expect((await c.put("bkt", "k", "v")).status).toBe(200);
      const leased = await env.deps.meta.leaseEvents({ now: env.deps.clock.now(), leaseMs: 60_000, limit: 10 }); // then "crash"
      expect(leased.map((m) => m.attempts)).toEqual([1]);
      expect(await drainOutbox(env.deps.meta, d)).toBe(0);
      env.setNow(env.deps.clock.now() + 60_000);
      expect(await drainOutbox(env.deps.meta, d)).toBe(1);
      expect(rx.received.map((r) => r.body.Key)).toEqual(["bkt/k"]);
    });

    it("relays to an EventQueue and deletes only what the queue accepted", async () => {
      const { c, env } = await configured({ sharded });
      for (const k of ["a", "b"]) expect((await c.put("bkt", k, k)).status).toBe(200);
      const failing: EventQueue = { send: async () => { throw new Error("queue down"); } };
      await expect(relayOutbox(env.deps.meta, failing, env.deps.clock.now)).rejects.toThrow("queue down");
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 2 });
      env.setNow(env.deps.clock.now() + 60_000);
      const sent: EventMessage[] = [];
      const queue: EventQueue = { send: async (m) => { sent.push(...m); } };
      expect(await relayOutbox(env.deps.meta, queue, env.deps.clock.now)).toBe(2);
      expect(sent.map((m) => JSON.parse(m.record).s3.object.key)).toEqual(["a", "b"]);
      expect(Object.keys(sent[0]).sort()).toEqual(["bucket", "created", "id", "record", "target"]);
      expect(await env.deps.meta.countEvents()).toEqual({});
    });
  });
}

describe("local queue loop (Bun)", () => {
  it("delivers shortly after the commit and stops cleanly", async () => {
    const { c, env, d } = await configured();
    rx.received.length = 0;
    const q = startLocalQueue(env.deps.meta, { ...d, now: Date.now }, { pollMs: 20 });
    try {
      expect((await c.put("bkt", "live", "v")).status).toBe(200);
      await rx.waitFor((r) => r.length === 1, 5000);
      expect(rx.received[0].body.Key).toBe("bkt/live");
    } finally {
      await q.stop();
    }
  });
});
