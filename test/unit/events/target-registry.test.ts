// The TargetRegistry over the SQLite target store: env targets win and are read-only, stored
// targets come and go at run time (and survive a restart), the cache reads the store only when
// its version moved or a key is missing, and a target added at run time is accepted by
// PutBucketNotificationConfiguration and receives events (memory deps through app.request, and
// Bun's deps with their local queue), delivered to a real HTTP receiver on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTargetRegistry, type TargetStore } from "../../../src/events/target-registry.ts";
import { createSqlTargetStore } from "../../../src/events/sql-target-store.ts";
import { targetsFromEnv, type WebhookTarget } from "../../../src/events/targets.ts";
import { drainOutbox } from "../../../src/events/deliver.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createBunDeps } from "../../../src/runtime/bun/deps.ts";
import { createApp } from "../../../src/app.ts";
import { errorCode, md5B64, s3, withBucket, type Env } from "../helpers/s3.ts";
import { startCountingReceiver, type CountingReceiver } from "./receiver.ts";

let rx: CountingReceiver;
beforeAll(() => { rx = startCountingReceiver(); });
afterAll(() => rx.stop());
beforeEach(() => { rx.received.length = 0; rx.requests = 0; rx.status = null; rx.reject = null; });

const root = mkdtempSync(join(tmpdir(), "s3edge-targets-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hook = (id: string, over: Partial<WebhookTarget> = {}): WebhookTarget => ({
  type: "webhook", id, endpoint: rx.url, queueLimit: 100, maxRetries: 3, ttlMs: 60_000, ...over,
});
const ENV = () => targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/env" });

/** The real SQLite store, counting what the registry asks of it. */
function counted(store: TargetStore) {
  const calls = { targetsVersion: 0, listTargets: 0, putTarget: 0, removeTarget: 0 };
  const wrapped: TargetStore = {
    targetsVersion: () => { calls.targetsVersion++; return store.targetsVersion(); },
    listTargets: () => { calls.listTargets++; return store.listTargets(); },
    putTarget: (t) => { calls.putTarget++; return store.putTarget(t); },
    removeTarget: (k) => { calls.removeTarget++; return store.removeTarget(k); },
    putTopic: (t) => store.putTopic(t),
    removeTopic: (n) => store.removeTopic(n),
  };
  return { store: wrapped, calls };
}

function setup(opts: { path?: string; env?: Record<string, WebhookTarget> } = {}) {
  let now = 1_000_000;
  const driver = createBunSqliteDriver(opts.path ?? ":memory:", { fsync: false });
  const sql = createSqlTargetStore(driver, { now: () => now });
  const registry = (refreshMs?: number) => {
    const c = counted(sql);
    return { ...c, reg: createTargetRegistry({ env: opts.env ?? ENV(), store: c.store, now: () => now, refreshMs }) };
  };
  return { driver, sql, registry, advance: (ms: number) => { now += ms; } };
}

describe("TargetRegistry: env and store", () => {
  it("lists env targets first (source env), then stored ones (source store); get by key", async () => {
    const { registry } = setup();
    const { reg } = registry();
    expect(await reg.put(hook("rt"))).toEqual({ ok: true, version: 1 });
    expect((await reg.list()).map((t) => [t.key, t.source])).toEqual([["1:webhook", "env"], ["rt:webhook", "store"]]);
    expect(await reg.get("rt:webhook")).toEqual({ key: "rt:webhook", source: "store", target: hook("rt") });
    expect((await reg.get("1:webhook"))!.source).toBe("env");
    expect(await reg.get("nope:webhook")).toBeNull();
    // Replacing a stored target is allowed.
    expect(await reg.put(hook("rt", { queueLimit: 7 }))).toEqual({ ok: true, version: 2 });
    expect((await reg.get("rt:webhook"))!.target.queueLimit).toBe(7);
    expect(await reg.remove("rt:webhook")).toEqual({ ok: true, version: 3 });
    expect(await reg.get("rt:webhook")).toBeNull();
  });

  it("an env target can be neither replaced nor removed; refusals leave the version alone", async () => {
    const { registry } = setup();
    const { reg } = registry();
    expect(await reg.put(hook("1"))).toMatchObject({ ok: false, error: "EnvTarget" });
    expect(await reg.remove("1:webhook")).toMatchObject({ ok: false, error: "EnvTarget" });
    expect(await reg.remove("nope:webhook")).toMatchObject({ ok: false, error: "NoSuchTarget" });
    expect(await reg.get("1:webhook")).toMatchObject({ source: "env", target: { endpoint: "http://127.0.0.1:1/env" } });
    expect(await reg.version()).toBe(0);
  });

  it.each([
    ["an endpoint that is no URL", { endpoint: "not a url" }],
    ["an endpoint that is not http(s)", { endpoint: "ftp://127.0.0.1/x" }],
    ["an id with ':'", { id: "a:b" }],
    ["a queue limit of 0", { queueLimit: 0 }],
    ["a fractional retry count", { maxRetries: 1.5 }],
    ["an unknown type", { type: "carrier-pigeon" }],
  ])("refuses %s (InvalidTarget), storing nothing", async (_, over) => {
    const { registry } = setup();
    const { reg } = registry();
    expect(await reg.put(hook("rt", over as Partial<WebhookTarget>))).toMatchObject({ ok: false, error: "InvalidTarget" });
    expect(await reg.version()).toBe(0);
    expect((await reg.list()).map((t) => t.key)).toEqual(["1:webhook"]);
  });

  it("a runtime's own refusal (Workers without the EVENTS queue) comes back as InvalidTarget", async () => {
    const driver = createBunSqliteDriver(":memory:");
    const reg = createTargetRegistry({ env: {}, store: createSqlTargetStore(driver, { now: Date.now }), now: Date.now, accept: () => "no queue" });
    expect(await reg.put(hook("rt"))).toEqual({ ok: false, error: "InvalidTarget", message: "no queue" });
  });

  it("stored targets survive reopening the file; a variable set later hides a stored target of the same key", async () => {
    const path = join(root, "reopen.sqlite");
    const first = setup({ path, env: {} });
    expect((await first.registry().reg.put(hook("rt"))).ok).toBe(true);
    expect((await first.registry().reg.put(hook("1"))).ok).toBe(true);
    await first.driver.close();

    const again = setup({ path });
    const { reg } = again.registry();
    expect(await reg.version()).toBe(2);
    expect((await reg.list()).map((t) => [t.key, t.source, (t.target as WebhookTarget).endpoint])).toEqual([
      ["1:webhook", "env", "http://127.0.0.1:1/env"], ["rt:webhook", "store", rx.url],
    ]);
    expect(((await reg.resolve(["1:webhook"]))["1:webhook"] as WebhookTarget).endpoint).toBe("http://127.0.0.1:1/env");
    await again.driver.close();
  });
});

describe("TargetRegistry: the cache", () => {
  it("reads the store only when needed: env keys never, a snapshot until refreshMs, then only the version", async () => {
    const { registry, advance } = setup();
    const { reg, calls } = registry(5000);
    expect((await reg.put(hook("rt"))).ok).toBe(true);
    expect(Object.keys(await reg.resolve(["1:webhook"]))).toEqual(["1:webhook"]);
    expect(calls).toMatchObject({ targetsVersion: 0, listTargets: 0 });
    for (let i = 0; i < 100; i++) await reg.resolve(["rt:webhook", "1:webhook"]);
    expect(calls).toMatchObject({ targetsVersion: 0, listTargets: 1 });
    advance(5001);
    await reg.resolve(["rt:webhook"]);
    // Nothing changed: one version read, no reload.
    expect(calls).toMatchObject({ targetsVersion: 1, listTargets: 1 });
  });

  it("another node's (isolate's) addition is found on first use; its removal within refreshMs", async () => {
    const { registry, advance } = setup();
    const a = registry(5000), b = registry(5000);
    expect(await b.reg.resolve(["rt:webhook"])).toEqual({});
    expect((await a.reg.put(hook("rt"))).ok).toBe(true);
    // A key b's snapshot does not have: b looks again at once.
    expect(Object.keys(await b.reg.resolve(["rt:webhook"]))).toEqual(["rt:webhook"]);
    expect((await a.reg.remove("rt:webhook")).ok).toBe(true);
    // a removed it: gone for a at once; b still uses its snapshot until refreshMs has passed.
    expect(await a.reg.resolve(["rt:webhook"])).toEqual({});
    expect(Object.keys(await b.reg.resolve(["rt:webhook"]))).toEqual(["rt:webhook"]);
    advance(5001);
    expect(await b.reg.resolve(["rt:webhook"])).toEqual({});
  });

  it("concurrent lookups share one load", async () => {
    const { registry, sql } = setup();
    await sql.putTarget(hook("rt"));
    const { reg, calls } = registry();
    const all = await Promise.all(Array.from({ length: 20 }, () => reg.resolve(["rt:webhook"])));
    expect(all.every((r) => r["rt:webhook"]?.id === "rt")).toBe(true);
    expect(calls.listTargets).toBe(1);
  });
});

const notificationBody = (arn: string) =>
  `<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event><Queue>${arn}</Queue></QueueConfiguration></NotificationConfiguration>`;
const putConfig = (c: ReturnType<typeof s3>, bucket: string, arn: string) => {
  const body = notificationBody(arn);
  return c.send(`/${bucket}?notification`, { method: "PUT", body, headers: { "content-md5": md5B64(body) } });
};
const quiet = { info() {}, warn() {}, error() {} };

describe("a target added at run time (memory deps, app.request)", () => {
  it("is accepted by PutBucketNotificationConfiguration only once added, and receives the events", async () => {
    const { env, c } = await withBucket("bkt", { notifyTargets: ENV() });
    const arn = "arn:minio:sqs::rt:webhook";
    const before = await putConfig(c, "bkt", arn);
    expect(before.status).toBe(400);
    expect(await errorCode(before)).toBe("InvalidArgument");
    expect((await env.deps.targets.put(hook("rt"))).ok).toBe(true);
    expect((await putConfig(c, "bkt", arn)).status).toBe(200);
    expect((await c.put("bkt", "a.txt", "hello")).status).toBe(200);
    const d = { targets: env.deps.targets, now: env.deps.clock.now, log: quiet };
    while (await drainOutbox(env.deps.meta, d)) {}
    expect(rx.lines()).toEqual(["Put bkt/a.txt"]);
  });

  it("its queue limit bounds the outbox (SlowDown, nothing changed)", async () => {
    const { env, c } = await withBucket("bkt");
    expect((await env.deps.targets.put(hook("small", { queueLimit: 1 }))).ok).toBe(true);
    expect((await putConfig(c, "bkt", "arn:minio:sqs::small:webhook")).status).toBe(200);
    expect((await c.put("bkt", "a", "1")).status).toBe(200);
    const full = await c.put("bkt", "b", "2");
    expect(full.status).toBe(503);
    expect(await errorCode(full)).toBe("SlowDown");
    expect((await c.get("bkt", "b")).status).toBe(404);
  });
});

describe("a target added at run time (Bun deps: meta.sqlite and the local queue)", () => {
  it("receives events through the local queue, and is still there after a restart", async () => {
    const dataDir = join(root, "bun");
    const config = { rootUser: "AKIDTEST", rootPassword: "secretsecret" };
    const start = () => {
      const deps = createBunDeps({ dataDir, config, log: quiet, fsync: false, md5Workers: 0, eventPollMs: 10 });
      return { deps, env: { deps, app: createApp(deps) } as unknown as Env };
    };
    const first = start();
    const c = s3(first.env);
    await c.createBucket("bkt");
    expect((await first.deps.targets.put(hook("rt"))).ok).toBe(true);
    expect((await putConfig(c, "bkt", "arn:minio:sqs::rt:webhook")).status).toBe(200);
    expect((await c.put("bkt", "one.txt", "1")).status).toBe(200);
    await rx.waitFor((r) => r.length >= 1);
    await first.deps.close();

    const second = start();
    expect(await second.deps.targets.get("rt:webhook")).toMatchObject({ source: "store", target: { endpoint: rx.url } });
    expect((await s3(second.env).put("bkt", "two.txt", "2")).status).toBe(200);
    await rx.waitFor((r) => r.length >= 2);
    expect(rx.lines()).toEqual(["Put bkt/one.txt", "Put bkt/two.txt"]);
    await second.deps.close();
  });
});
