// Delivery against a real HTTP receiver on 127.0.0.1 and the real SQLite store: one send, a
// target's batch in order with its backoff, the durable local queue (the outbox rows leased
// per target and settled) and the relay to an EventQueue. Clocks and backoffs are injected,
// so outages of minutes take milliseconds.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { deliverToTarget, drainOutbox, retryDelayMs, sendMessage, TARGET_UP, type DeliverDeps, type Item } from "../../../src/events/deliver.ts";
import { relayOutbox, RELAY_LEASE_MS } from "../../../src/events/relay.ts";
import { targetsFromEnv, type WebhookTarget } from "../../../src/events/targets.ts";
import { startLocalQueue } from "../../../src/runtime/bun/local-queue.ts";
import type { EventMessage, EventQueue } from "../../../src/store/types.ts";
import { md5B64, withBucket } from "../helpers/s3.ts";
import { startCountingReceiver, type CountingReceiver } from "./receiver.ts";

let rx: CountingReceiver;
beforeAll(() => { rx = startCountingReceiver(); });
afterAll(() => rx.stop());
beforeEach(() => { rx.received.length = 0; rx.requests = 0; rx.status = null; rx.reject = null; });

/** A logger that keeps what was logged as lost or dropped. */
const recorder = () => {
  const lost: string[] = [];
  const dropped: string[] = [];
  const r = { lost, dropped, failedSends: 0, log: {
    info() {},
    warn: (m: string) => { if (m.startsWith("event dropped")) dropped.push(m); if (m.startsWith("event delivery failed")) r.failedSends++; },
    error: (m: string) => { lost.push(m); },
  } };
  return r;
};
const target = (over: Partial<WebhookTarget> = {}): WebhookTarget => ({
  type: "webhook", id: "1", endpoint: rx.url, queueLimit: 100, maxRetries: 3, ttlMs: 60_000, ...over,
});
const record = (key = "dir%2Fa+b.txt") => ({ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key } } });
const msg = (over: Partial<EventMessage> & { key?: string } = {}): EventMessage => ({
  id: crypto.randomUUID(), bucket: "b", target: "1:webhook", record: JSON.stringify(record(over.key)), created: Date.now(), ...over,
});

describe("sendMessage (webhook)", () => {
  it("POSTs MinIO's body with the bearer token; 2xx is delivered, anything else failed", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target({ authToken: "tok" }) }, now: Date.now, log: recorder().log };
    let seen: Headers | undefined;
    const spy: typeof fetch = Object.assign(async (u: string | URL | Request, init?: RequestInit) => {
      seen = new Headers(init?.headers);
      return fetch(u, init);
    }, { preconnect: fetch.preconnect });
    expect(await sendMessage({ ...d, fetch: spy }, msg(), 1)).toBe("delivered");
    expect(rx.received[0].body).toEqual({ EventName: "s3:ObjectCreated:Put", Key: "b/dir/a b.txt", Records: [record()] });
    expect(seen?.get("authorization")).toBe("Bearer tok");
    expect(seen?.get("content-type")).toBe("application/json");
    d.targets["1:webhook"] = target({ authToken: "Basic dXNlcjpwYXNz" });
    await sendMessage({ ...d, fetch: spy }, msg(), 1);
    expect(seen?.get("authorization")).toBe("Basic dXNlcjpwYXNz");
    rx.status = 503;
    expect(await sendMessage(d, msg(), 1)).toBe("failed");
    d.targets["1:webhook"] = target({ endpoint: "http://127.0.0.1:1/closed" });
    expect(await sendMessage(d, msg(), 1)).toBe("failed");
    expect(retryDelayMs(1)).toBe(1000);
    expect(retryDelayMs(2)).toBe(2000);
    expect(retryDelayMs(20)).toBe(300_000);
  });

  it("drops messages past the TTL, and for targets no longer configured, without calling them", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target({ ttlMs: 1000 }) }, now: Date.now, log: recorder().log };
    expect(await sendMessage(d, msg({ created: Date.now() - 5000 }), 1)).toBe("dropped");
    expect(await sendMessage(d, msg({ target: "2:webhook" }), 1)).toBe("dropped");
    expect(rx.requests).toBe(0);
  });
});

describe("deliverToTarget: order, per-target backoff, real attempts", () => {
  let now = 1_000_000;
  const clock = () => now;
  const items = (keys: string[], attempts = 0): Item[] => keys.map((key) => ({ msg: msg({ key, created: now }), attempts }));

  it("a failure marks the target down and holds the rest unsent; only the send counts", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target() }, now: clock, log: recorder().log };
    const batch = items(["a", "b", "c"]);
    rx.status = 503;
    const first = await deliverToTarget(d, batch, TARGET_UP);
    expect([...first.fates.values()]).toEqual(["failed", "unsent", "unsent"]);
    expect(first.state).toEqual({ failures: 1, retryAt: now + 1000 });
    expect(rx.requests).toBe(1);
    // Still backing off: nothing is sent at all.
    now += 999;
    const held = await deliverToTarget(d, batch, first.state);
    expect([...held.fates.values()]).toEqual(["unsent", "unsent", "unsent"]);
    expect(held.state).toBe(first.state);
    expect(rx.requests).toBe(1);
    // The backoff ends: one probe fails again and the step doubles.
    now += 1;
    const again = await deliverToTarget(d, [{ ...batch[0], attempts: 1 }, ...batch.slice(1)], first.state);
    expect(again.state).toEqual({ failures: 2, retryAt: now + 2000 });
    expect(rx.requests).toBe(2);
    rx.status = null;
    now += 2000;
    const up = await deliverToTarget(d, [{ ...batch[0], attempts: 2 }, ...batch.slice(1)], again.state);
    expect([...up.fates.values()]).toEqual(["delivered", "delivered", "delivered"]);
    expect(up.state).toEqual(TARGET_UP);
    expect(rx.lines()).toEqual(["Put b/a", "Put b/b", "Put b/c"]);
  });

  it("a message out of retries is dropped only when the next one gets through; a lone one waits", async () => {
    const rec = recorder();
    const d: DeliverDeps = { targets: { "1:webhook": target({ maxRetries: 3 }) }, now: clock, log: rec.log };
    rx.status = 503; // the target is down: the spent head is kept, and the next one probes too
    const [a, b] = items(["a", "b"]);
    const down = await deliverToTarget(d, [{ ...a, attempts: 2 }, b], { failures: 3, retryAt: 0 });
    expect([...down.fates.values()]).toEqual(["failed", "failed"]);
    expect(down.state.failures).toBe(4);
    expect(rec.lost).toEqual([]);
    const lone = await deliverToTarget(d, [{ ...a, attempts: 5 }], TARGET_UP);
    expect([...lone.fates.values()]).toEqual(["failed"]);
    expect(lone.state.failures).toBe(1);
    rx.status = null;
    rx.reject = (h) => h.key === "b/a"; // now only "a" is refused, by a receiver that is up
    now = lone.state.retryAt;
    const up = await deliverToTarget(d, [{ ...a, attempts: 2 }, b], lone.state);
    expect([...up.fates.values()]).toEqual(["dropped", "delivered"]);
    expect(up.state).toEqual(TARGET_UP);
    expect(rec.lost).toEqual(["event lost: delivery failed too often while its target accepted others"]);
  });
});

async function configured(opts: { sharded?: boolean; maxRetries?: number; events?: string[] } = {}) {
  const targets = targetsFromEnv({
    MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: rx.url, MINIO_NOTIFY_WEBHOOK_MAX_RETRIES_1: String(opts.maxRetries ?? 3),
    MINIO_NOTIFY_WEBHOOK_ENABLE_2: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_2: rx.url.replace("/hook", "/other"),
  });
  const b = await withBucket("bkt", { notifyTargets: targets }, { sharded: opts.sharded });
  const events = (opts.events ?? ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]).map((e) => `<Event>${e}</Event>`).join("");
  const body = `<NotificationConfiguration><QueueConfiguration>${events}<Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
  expect((await b.c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
  const rec = recorder();
  const d: DeliverDeps = { targets, now: () => b.env.deps.clock.now(), log: rec.log };
  const advance = (ms: number) => b.env.setNow(b.env.deps.clock.now() + ms);
  return { ...b, d, rec, advance };
}

for (const sharded of [false, true]) {
  describe(`durable local queue (${sharded ? "sharded" : "single"} store)`, () => {
    it("a failure holds the target; later commits wait behind it; then all arrive in commit order", async () => {
      const { c, env, d, advance } = await configured({ sharded });
      for (const k of ["k1", "k2", "k3"]) expect((await c.put("bkt", k, k)).status).toBe(200);
      expect((await c.del("bkt", "k1")).status).toBe(204);
      rx.status = 503;
      expect(await drainOutbox(env.deps.meta, d)).toBe(4);
      expect(rx.requests).toBe(1); // one real send; the other three were held back, not tried
      rx.status = null;
      // Committed while the target backs off: must not overtake the waiting ones (the old lease did).
      expect((await c.put("bkt", "k1", "again")).status).toBe(200);
      expect(await drainOutbox(env.deps.meta, d)).toBe(0);
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 5 });
      advance(999);
      expect(await drainOutbox(env.deps.meta, d)).toBe(0);
      advance(1);
      expect(await drainOutbox(env.deps.meta, d)).toBe(5);
      expect(rx.lines()).toEqual(["Put bkt/k1", "Put bkt/k2", "Put bkt/k3", "Delete bkt/k1", "Put bkt/k1"]);
      expect(rx.requests).toBe(6);
      expect(await env.deps.meta.countEvents()).toEqual({});
    });

    it("Put, Delete, Put of one key keep their order across a failure in the middle and a delay", async () => {
      const { c, env, d, advance } = await configured({ sharded });
      expect((await c.put("bkt", "k", "1")).status).toBe(200);
      expect(await drainOutbox(env.deps.meta, d)).toBe(1);
      expect((await c.del("bkt", "k")).status).toBe(204);
      rx.status = 500;
      expect(await drainOutbox(env.deps.meta, d)).toBe(1); // the Delete fails
      rx.status = null;
      expect((await c.put("bkt", "k", "2")).status).toBe(200);
      for (let i = 0; i < 3; i++) { advance(200); await drainOutbox(env.deps.meta, d); } // not yet due
      advance(1000);
      while (await drainOutbox(env.deps.meta, d)) {}
      expect(rx.lines()).toEqual(["Put bkt/k", "Delete bkt/k", "Put bkt/k"]);
    });

    it("an outage far longer than maxRetries backoffs loses nothing; attempts are real sends", async () => {
      const { c, env, d, rec, advance } = await configured({ sharded, maxRetries: 3 });
      const expected: string[] = [];
      for (let i = 0; i < 30; i++) {
        const k = `k${i % 5}`;
        const prev = `k${(i - 1) % 5}`; // a Delete removes what the Put before it made (no object: no event)
        if (i % 3 === 2) { expect((await c.del("bkt", prev)).status).toBe(204); expected.push(`Delete bkt/${prev}`); }
        else { expect((await c.put("bkt", k, String(i))).status).toBe(200); expected.push(`Put bkt/${k}`); }
      }
      rx.status = 503;
      let passes = 0;
      // Ten simulated minutes down, polled every 200 ms as the loop does: sends only at backoff ends.
      for (let t = 0; t < 600_000; t += 200) { passes++; await drainOutbox(env.deps.meta, d); advance(200); }
      const sentWhileDown = rx.requests;
      // Probes at 0, 1, 3, 7, …, 511 s (1 s doubling). From the head's 3rd failure on, a probe also
      // sends the next message (is the target up?), and every second probe one more has used its
      // 3 tries: 1+1+2+2+3+3+4+4+5+5 sends. The old queue charged every lease and dropped all 30.
      expect(sentWhileDown).toBe(30);
      expect(passes).toBe(3000);
      expect(rec.lost).toEqual([]);
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 30 });
      rx.status = null;
      advance(300_000);
      while (await drainOutbox(env.deps.meta, d)) {}
      expect(rx.lines()).toEqual(expected);
      expect(rx.requests).toBe(sentWhileDown + 30);
      expect(rec.lost).toEqual([]);
      expect(await env.deps.meta.countEvents()).toEqual({});
    });

    it("a crash after leasing spends no attempt: the lease runs out and the batch comes back", async () => {
      const { c, env, d, rec, advance } = await configured({ sharded, maxRetries: 1 });
      expect((await c.put("bkt", "k", "v")).status).toBe(200);
      for (let crash = 0; crash < 5; crash++) {
        const leased = await env.deps.meta.leaseEvents({ now: env.deps.clock.now(), leaseMs: 60_000, limit: 10 }); // then "crash"
        expect(leased.map((m) => m.attempts)).toEqual([0]);
        expect(await drainOutbox(env.deps.meta, d)).toBe(0); // leased: nothing of this target goes out
        advance(60_000);
      }
      expect(await drainOutbox(env.deps.meta, d)).toBe(1);
      expect(rx.lines()).toEqual(["Put bkt/k"]);
      expect(rx.requests).toBe(1);
      expect(rec.lost).toEqual([]);
    });

    it("a message the receiver always rejects is dropped after maxRetries (lost) and does not block the rest", async () => {
      const { c, env, d, rec, advance } = await configured({ sharded, maxRetries: 3 });
      for (const k of ["a", "poison", "b", "c"]) expect((await c.put("bkt", k, k)).status).toBe(200);
      rx.reject = (h) => h.key === "bkt/poison";
      for (let i = 0; i < 20 && (await env.deps.meta.countEvents())["1:webhook"]; i++) { await drainOutbox(env.deps.meta, d); advance(5000); }
      expect(rx.lines()).toEqual(["Put bkt/a", "Put bkt/b", "Put bkt/c"]);
      expect(rx.requests).toBe(3 + 3); // three deliveries, three refusals of "poison"
      expect(rec.lost).toEqual(["event lost: delivery failed too often while its target accepted others"]);
      expect(await env.deps.meta.countEvents()).toEqual({});
    });

    it("events past their TTL are dropped when their target is due, without a send", async () => {
      const { c, env, d, rec, advance } = await configured({ sharded });
      d.targets = { ...d.targets, "1:webhook": { ...d.targets["1:webhook"], ttlMs: 10_000 } };
      expect((await c.put("bkt", "old", "v")).status).toBe(200);
      rx.status = 503;
      await drainOutbox(env.deps.meta, d);
      advance(11_000);
      expect((await c.put("bkt", "new", "v")).status).toBe(200);
      rx.status = null;
      await drainOutbox(env.deps.meta, d);
      expect(rx.lines()).toEqual(["Put bkt/new"]);
      expect(rx.requests).toBe(2);
      expect(rec.dropped).toEqual(["event dropped: older than the target's TTL"]);
    });

    it("relays to an EventQueue once; rows stay, leased, until the consumer settles them; a lost one is relayed again", async () => {
      const { c, env } = await configured({ sharded });
      for (const k of ["a", "b"]) expect((await c.put("bkt", k, k)).status).toBe(200);
      const failing: EventQueue = { send: async () => { throw new Error("queue down"); } };
      await expect(relayOutbox(env.deps.meta, failing, env.deps.clock.now)).rejects.toThrow("queue down");
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 2 });
      const sent: EventMessage[] = [];
      const queue: EventQueue = { send: async (m) => { sent.push(...m); } };
      // A failed send released its rows at once.
      expect(await relayOutbox(env.deps.meta, queue, env.deps.clock.now)).toBe(2);
      expect(sent.map((m) => JSON.parse(m.record).s3.object.key)).toEqual(["a", "b"]);
      expect(Object.keys(sent[0]).sort()).toEqual(["bucket", "created", "id", "record", "target"]);
      // Relayed, not delivered: still counted (admin stats, queue limit), leased, and not relayed twice.
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 2 });
      expect((await env.deps.meta.statEvents({ now: env.deps.clock.now() }))["1:webhook"]).toMatchObject({ entries: 2, leased: 2 });
      expect((await c.put("bkt", "c", "c")).status).toBe(200);
      // Only the new one, though older ones are leased.
      expect(await relayOutbox(env.deps.meta, queue, env.deps.clock.now)).toBe(1);
      expect(sent.map((m) => JSON.parse(m.record).s3.object.key)).toEqual(["a", "b", "c"]);
      // The consumer settles two; the third is lost by the Queue: relayed again once its lease ends.
      await env.deps.meta.settleEvents("bkt", { done: [sent[0].id, sent[2].id] });
      expect(await env.deps.meta.countEvents()).toEqual({ "1:webhook": 1 });
      expect(await relayOutbox(env.deps.meta, queue, env.deps.clock.now)).toBe(0);
      env.setNow(env.deps.clock.now() + RELAY_LEASE_MS);
      expect(await relayOutbox(env.deps.meta, queue, env.deps.clock.now)).toBe(1);
      expect(sent[3].id).toBe(sent[1].id);
      await env.deps.meta.settleEvents("bkt", { done: [sent[1].id] });
      expect(await env.deps.meta.countEvents()).toEqual({});
    });
  });
}

describe("per-target backoff", () => {
  it("one target down does not hold up another", async () => {
    const b = await withBucket("bkt", {
      notifyTargets: targetsFromEnv({
        MINIO_NOTIFY_WEBHOOK_ENABLE_down: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_down: "http://127.0.0.1:1/closed",
        MINIO_NOTIFY_WEBHOOK_ENABLE_up: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_up: rx.url,
      }),
    });
    const body = "<NotificationConfiguration>" + ["down", "up"].map((t) => `<QueueConfiguration><Event>s3:ObjectCreated:*</Event><Queue>arn:minio:sqs::${t}:webhook</Queue></QueueConfiguration>`).join("") + "</NotificationConfiguration>";
    expect((await b.c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    const d: DeliverDeps = { targets: b.env.deps.config.notifyTargets, now: b.env.deps.clock.now, log: recorder().log };
    for (const k of ["a", "b", "c"]) expect((await b.c.put("bkt", k, k)).status).toBe(200);
    while (await drainOutbox(b.env.deps.meta, d)) {}
    expect(rx.lines()).toEqual(["Put bkt/a", "Put bkt/b", "Put bkt/c"]);
    expect(await b.env.deps.meta.countEvents()).toEqual({ "down:webhook": 3 });
  });
});

describe("local queue loop (Bun, real time)", () => {
  it("delivers shortly after the commit and stops cleanly", async () => {
    const { c, env, d } = await configured();
    const q = startLocalQueue(env.deps.meta, { ...d, now: Date.now }, { pollMs: 20 });
    try {
      expect((await c.put("bkt", "live", "v")).status).toBe(200);
      await rx.waitFor((r) => r.length === 1, 5000);
      expect(rx.lines()).toEqual(["Put bkt/live"]);
    } finally {
      await q.stop();
    }
  });

  it("a 2 s outage (connections refused) with maxRetries=3 loses nothing and delivers in order after", async () => {
    const { c, env, d, rec } = await configured({ maxRetries: 3 });
    const real = Date.now;
    env.setNow(real());
    // One send at a time: commit order across keys (the default window keeps it per key: below).
    const q = startLocalQueue(env.deps.meta, { ...d, now: real, backoffMs: (f) => Math.min(400, 50 * 2 ** (f - 1)), concurrency: 1 }, { pollMs: 10 });
    try {
      await rx.down();
      const expected: string[] = [];
      for (let i = 0; i < 150; i++) {
        env.setNow(real());
        const k = `k${i % 10}`;
        const prev = `k${(i - 1) % 10}`;
        if (i % 4 === 3) { expect((await c.del("bkt", prev)).status).toBe(204); expected.push(`Delete bkt/${prev}`); }
        else { expect((await c.put("bkt", k, String(i))).status).toBe(200); expected.push(`Put bkt/${k}`); }
      }
      await Bun.sleep(2000);
      const failedWhileDown = rec.failedSends;
      rx.up();
      await rx.waitFor((r) => r.length >= 150, 10_000);
      expect(rx.lines()).toEqual(expected);
      expect(rx.requests).toBe(150);
      // Probes only (backoff 50 ms doubling to 400 ms over 2 s), not a send per event and lease.
      expect(failedWhileDown).toBeGreaterThan(3);
      expect(failedWhileDown).toBeLessThan(30);
      expect(rec.lost).toEqual([]);
      expect(await env.deps.meta.countEvents()).toEqual({});
    } finally {
      await q.stop();
    }
  }, 20_000);
});
