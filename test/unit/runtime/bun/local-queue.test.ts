// The durable local queue on Bun, on disk: an event committed while its receiver is down
// stays in the SQLite outbox when the gateway stops, and is delivered after a restart.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../../src/app.ts";
import { createBunDeps } from "../../../../src/runtime/bun/deps.ts";
import { targetsFromEnv } from "../../../../src/events/targets.ts";
import { md5B64, s3 } from "../../helpers/s3.ts";
import { startReceiver } from "../../../e2e/webhook-receiver.ts";
import { Database } from "bun:sqlite";
import { createSqlMetaStore } from "../../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../../src/runtime/bun/sqlite-driver.ts";
import type { OutboxEvent } from "../../../../src/store/types.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const silent = { info() {}, warn() {}, error() {} };

function gateway(dataDir: string, endpoint: string) {
  const deps = createBunDeps({
    dataDir, md5Workers: 0, eventPollMs: 20, log: silent,
    config: {
      rootUser: "AKIDTEST", rootPassword: "secretsecret",
      notifyTargets: targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: endpoint }),
    },
  });
  const env = { deps, app: createApp(deps) } as unknown as Parameters<typeof s3>[0];
  return { deps, c: s3(env) };
}

describe("durable local queue (Bun, on disk)", () => {
  it("keeps an undelivered event across a restart and delivers it then", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "s3edge-lq-"));
    dirs.push(dataDir);
    const rx = startReceiver();
    const port = rx.port;
    await rx.stop(); // the receiver is down while the change is made
    const first = gateway(dataDir, `http://127.0.0.1:${port}/hook`);
    await first.c.createBucket("bkt");
    const body = "<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>";
    expect((await first.c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
    expect((await first.c.put("bkt", "k", "v")).status).toBe(200);
    await Bun.sleep(100); // the loop tries, fails, and schedules a retry
    expect(await first.deps.meta.countEvents()).toEqual({ "1:webhook": 1 });
    // Stop without draining anything (close stops the loop; the row stays on disk).
    await first.deps.close();

    const rx2 = startReceiver(port);
    try {
      const second = gateway(dataDir, `http://127.0.0.1:${port}/hook`);
      try {
        // Retry delay after the first failure is 1 s.
        const got = await rx2.waitFor((r) => r.length >= 1, 5000);
        expect(got.map((r) => r.body.Key)).toEqual(["bkt/k"]);
        await Bun.sleep(50);
        expect(await second.deps.meta.countEvents()).toEqual({});
      } finally {
        await second.deps.close();
      }
    } finally {
      await rx2.stop();
    }
  }, 15_000);
});

const event = (id: string, created: number, target = "1:webhook"): OutboxEvent => ({ id, bucket: "bkt", target, record: "{}", created, limit: 100 });

describe("outbox state on disk", () => {
  it("a target's backoff and a message's failed sends survive a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3edge-lq-"));
    dirs.push(dir);
    const file = join(dir, "meta.sqlite");
    const now = 1_000_000;
    const open = () => {
      const driver = createBunSqliteDriver(file);
      return { driver, meta: createSqlMetaStore(driver, { now: () => now }) };
    };
    const first = open();
    await first.meta.appendEvents("bkt", [event("a", now), event("b", now)]);
    const [a] = await first.meta.leaseEvents({ now, leaseMs: 60_000, limit: 10 });
    await first.meta.settleEvents("bkt", { done: [], failed: [a.id], released: ["b"], targets: [{ target: "1:webhook", failures: 4, retryAt: now + 8000 }] });
    first.driver.close();

    const second = open();
    expect(await second.meta.leaseEvents({ now: now + 7999, leaseMs: 60_000, limit: 10 })).toEqual([]);
    const leased = await second.meta.leaseEvents({ now: now + 8000, leaseMs: 60_000, limit: 10 });
    expect(leased.map((m) => [m.id, m.attempts, m.targetFailures])).toEqual([["a", 1, 4], ["b", 0, 4]]);
    second.driver.close();
  });

  it("opens an outbox written by the previous version: its rows are leased per target, in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3edge-lq-"));
    dirs.push(dir);
    const file = join(dir, "meta.sqlite");
    const old = new Database(file, { create: true });
    old.exec(`CREATE TABLE event_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, bucket TEXT NOT NULL, target TEXT NOT NULL,
      record TEXT NOT NULL, created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL);
      CREATE INDEX event_outbox_visible ON event_outbox (visible_at, seq);
      CREATE INDEX event_outbox_by_target ON event_outbox (target);
      INSERT INTO event_outbox (id, bucket, target, record, created, attempts, visible_at) VALUES
        ('put', 'bkt', '1:webhook', '{}', 10, 2, 5000), ('delete', 'bkt', '1:webhook', '{}', 20, 0, 20), ('other', 'bkt', '2:webhook', '{}', 30, 1, 30);`);
    old.close();
    const driver = createBunSqliteDriver(file);
    const meta = createSqlMetaStore(driver, { now: () => 100 });
    // The old per-row delay on "put" (visible at 5000) holds its target until then; the other target is free.
    expect((await meta.leaseEvents({ now: 100, leaseMs: 60_000, limit: 10 })).map((m) => m.id)).toEqual(["other"]);
    expect((await meta.leaseEvents({ now: 5000, leaseMs: 1000, limit: 10 })).map((m) => [m.id, m.attempts])).toEqual([["put", 2], ["delete", 0]]);
    expect(await meta.countEvents()).toEqual({ "1:webhook": 2, "2:webhook": 1 });
    expect(await meta.appendEvents("bkt", [event("get", 200)])).toBe(true);
    driver.close();
  });
});
