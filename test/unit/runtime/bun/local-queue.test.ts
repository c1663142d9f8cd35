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
