// Sends in flight per HTTP target (events/deliver.ts "concurrency"): a window never holds two
// messages of one object, so each object's events arrive in commit order; a failure in a window
// settles what was sent alongside it as it ended and holds the rest; the local queue delivers a
// committed event without waiting for its poll (the after-commit wake-up, stats.triggered).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { deliverToTarget, TARGET_UP, type DeliverDeps, type Item } from "../../../src/events/deliver.ts";
import { createTargetStats } from "../../../src/events/targets-stats.ts";
import { targetsFromEnv, type WebhookTarget } from "../../../src/events/targets.ts";
import { startLocalQueue } from "../../../src/runtime/bun/local-queue.ts";
import { md5B64, withBucket } from "../helpers/s3.ts";

/** A webhook receiver that answers after `delayMs`, noting the most requests it had at once. */
function slowReceiver(delayMs: number) {
  const state = { inFlight: 0, peak: 0, keys: [] as string[], refuse: null as string | null };
  const server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req) {
      state.inFlight++;
      state.peak = Math.max(state.peak, state.inFlight);
      const body = JSON.parse(await req.text()) as { Key: string; EventName: string };
      await Bun.sleep(delayMs);
      state.inFlight--;
      if (body.Key === state.refuse) return new Response("no", { status: 503 });
      state.keys.push(`${body.EventName.replace(/^s3:Object\w+?:/, "")} ${body.Key}`);
      return new Response(null, { status: 200 });
    },
  });
  return { state, url: `http://127.0.0.1:${server.port}/hook`, stop: () => server.stop(true) };
}

let rx: ReturnType<typeof slowReceiver>;
beforeAll(() => { rx = slowReceiver(5); });
afterAll(() => rx.stop());
beforeEach(() => { rx.state.keys = []; rx.state.peak = 0; rx.state.refuse = null; });

const silent = { info() {}, warn() {}, error() {} };
const target = (): WebhookTarget => ({ type: "webhook", id: "1", endpoint: rx.url, queueLimit: 1000, maxRetries: 3, ttlMs: 60_000 });
const items = (keys: string[]): Item[] => keys.map((key) => ({
  attempts: 0,
  msg: { id: crypto.randomUUID(), bucket: "b", target: "1:webhook", created: Date.now(), record: JSON.stringify({ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key } } }) },
}));
/** What arrived for `key`, in order. */
const of = (key: string) => rx.state.keys.filter((k) => k.endsWith(` b/${key}`));

describe("deliverToTarget with a window of sends", () => {
  it("sends up to `concurrency` at once, never two of one object, each object in commit order", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target() }, now: Date.now, log: silent, concurrency: 4 };
    const keys = ["a", "b", "c", "d", "e", "a", "b", "f", "g", "h", "a", "i"];
    const { fates, state } = await deliverToTarget(d, items(keys), TARGET_UP);
    expect([...fates.values()].every((f) => f === "delivered")).toBe(true);
    expect(state).toEqual(TARGET_UP);
    expect(rx.state.keys).toHaveLength(keys.length);
    expect(rx.state.peak).toBeGreaterThan(1);
    expect(rx.state.peak).toBeLessThanOrEqual(4);
    // "a" was committed three times: three windows, in order (they are all Put, so count them).
    expect(of("a")).toHaveLength(3);
  });

  it("a failure in a window: what was sent with it is settled as it ended, the rest is held unsent", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target() }, now: Date.now, log: silent, concurrency: 3 };
    rx.state.refuse = "b/b";
    const batch = items(["a", "b", "c", "d", "e"]);
    const { fates, state } = await deliverToTarget(d, batch, TARGET_UP);
    expect(batch.map((it) => fates.get(it))).toEqual(["delivered", "failed", "delivered", "unsent", "unsent"]);
    expect(state.failures).toBe(1);
    expect(rx.state.keys.sort()).toEqual(["Put b/a", "Put b/c"]);
  });

  it("a target that has been failing gets a lone probe first", async () => {
    const d: DeliverDeps = { targets: { "1:webhook": target() }, now: Date.now, log: silent, concurrency: 8 };
    rx.state.refuse = "b/a";
    const batch = items(["a", "b", "c"]);
    const { fates } = await deliverToTarget(d, batch, { failures: 2, retryAt: 0 });
    expect(batch.map((it) => fates.get(it))).toEqual(["failed", "unsent", "unsent"]);
    expect(rx.state.keys).toEqual([]);
  });
});

describe("local queue: window and after-commit wake-up", () => {
  it("a commit is delivered without waiting for the poll; many keys arrive once each, per key in order", async () => {
    const targets = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: rx.url });
    const { c, env } = await withBucket("bkt", { notifyTargets: targets });
    const stats = createTargetStats();
    env.deps.notifyStats = stats;
    const body = `<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
    expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    // A poll far beyond the test: only the wake-up can deliver in time.
    const q = startLocalQueue(env.deps.meta, { targets, now: Date.now, log: silent, stats }, { pollMs: 60_000 });
    try {
      const t0 = Date.now();
      expect((await c.put("bkt", "first", "v")).status).toBe(200);
      while (rx.state.keys.length < 1 && Date.now() - t0 < 2000) await Bun.sleep(2);
      expect(rx.state.keys).toEqual(["Put bkt/first"]);
      expect(Date.now() - t0).toBeLessThan(1000);
      const expected = new Map<string, string[]>();
      for (let i = 0; i < 60; i++) {
        const k = `k${i % 6}`;
        const del = i >= 6 && i % 5 === 4; // every key was put before (a missing key's delete is no event)
        expect((del ? await c.del("bkt", k) : await c.put("bkt", k, String(i))).status).toBe(del ? 204 : 200);
        expected.set(k, [...(expected.get(k) ?? []), `${del ? "Delete" : "Put"} bkt/${k}`]);
      }
      // Settled too (a window's rows are deleted once all its sends ended), then nothing more comes.
      const deadline = Date.now() + 5000;
      while ((rx.state.keys.length < 61 || Object.keys(await env.deps.meta.countEvents()).length) && Date.now() < deadline) await Bun.sleep(5);
      await Bun.sleep(20);
      expect(rx.state.keys).toHaveLength(61);
      for (const [k, lines] of expected) expect(rx.state.keys.filter((l) => l.endsWith(` bkt/${k}`))).toEqual(lines);
      expect(await env.deps.meta.countEvents()).toEqual({});
      const text = stats.families({}).find((f) => f.name === "minio_notify_target_triggered_events");
      expect(text?.values).toEqual([['target_id="1",target_name="webhook"', 61]]);
    } finally {
      await q.stop();
    }
  });
});
