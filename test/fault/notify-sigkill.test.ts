// SIGKILL mid-delivery (issue 14): 1,000 acknowledged PUTs, a webhook receiver that takes a few
// ms per event so delivery is still under way, and the Bun gateway killed with SIGKILL once a
// part has arrived. Restarted on the same data directory, it must deliver every event of every
// acknowledged change at least once: the outbox row was committed with the change, and a row is
// deleted only after its delivery (duplicates are allowed, and counted).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBucket, HEAVY, report, s3, startGateway, type Gateway } from "./harness.ts";

const CHANGES = HEAVY ? 5000 : 1000;
const B = "killnotify";
/**
 * Per event, so 1,000 take seconds to deliver: the kill lands mid-batch. (The local queue has up
 * to 16 webhook POSTs in flight per target, events/deliver.ts: 100 ms each is ~160 events/s.)
 */
const RECEIVER_MS = 100;

const got: string[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const body = await req.json().catch(() => null) as { Records?: { responseElements?: Record<string, string> }[] } | null;
    await Bun.sleep(RECEIVER_MS);
    for (const r of body?.Records ?? []) got.push(r.responseElements?.["x-amz-request-id"] ?? "");
    return new Response(null, { status: 200 });
  },
});
const root = mkdtempSync(join(tmpdir(), "s3edge-fault-notify-kill-"));
let gw: Gateway | undefined;
afterAll(async () => {
  await gw?.stop();
  server.stop(true);
  rmSync(root, { recursive: true, force: true });
});

test(`SIGKILL mid-delivery: all ${CHANGES} acknowledged changes are delivered at least once after the restart`, async () => {
  const env = { MINIO_NOTIFY_WEBHOOK_ENABLE_K: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_K: `http://127.0.0.1:${server.port}/hook` };
  const dataDir = join(root, "data");
  gw = await startGateway({ dataDir, env });
  await createBucket(gw, B);
  const config = `<NotificationConfiguration><QueueConfiguration><Id>all</Id><Queue>arn:minio:sqs::K:webhook</Queue>` +
    `<Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`;
  expect((await s3(gw, "PUT", `/${B}?notification`, { body: config })).status).toBe(200);

  const acked = new Set<string>();
  const failures: string[] = [];
  let next = 0;
  const g = gw;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < CHANGES) {
      const i = next++;
      const a = await s3(g, "PUT", `/${B}/k${i}`, { body: `change ${i}` });
      if (a.status === 200) acked.add(a.headers.get("x-amz-request-id")!);
      else failures.push(`PUT k${i}: ${a.status} ${a.text.slice(0, 200)}`);
    }
  }));
  expect(failures).toEqual([]);
  // Kill once some have arrived, while the rest are still queued or in flight.
  const killAfter = Math.floor(CHANGES / 5);
  for (let i = 0; i < 400 && got.length < killAfter; i++) await Bun.sleep(25);
  const beforeKill = new Set(got).size;
  await gw.kill("SIGKILL");
  expect(beforeKill).toBeGreaterThan(0);
  expect(beforeKill).toBeLessThan(CHANGES); // or the kill was not mid-delivery

  const t0 = Date.now();
  gw = await startGateway({ dataDir, env });
  const deadline = Date.now() + (HEAVY ? 180_000 : 60_000);
  const arrived = () => new Set(got.filter((id) => acked.has(id)));
  while (arrived().size < acked.size && Date.now() < deadline) await Bun.sleep(100);
  const missing = [...acked].filter((id) => !arrived().has(id));
  report("notify-sigkill", {
    changes: CHANGES, acked: acked.size, deliveredBeforeKill: beforeKill, delivered: arrived().size, lost: missing.length,
    duplicates: got.length - new Set(got).size, secondsToDrainAfterRestart: Math.round((Date.now() - t0) / 100) / 10,
  });
  if (missing.length) console.log(gw.logs());
  expect(missing).toEqual([]);
}, HEAVY ? 300_000 : 120_000);
