// Notification order and retry budget under an outage (issue 10, D4/D5): a webhook receiver
// refuses connections for 6 s and answers 503 for 6 s more, while PUTs and DELETEs of the same
// few keys go on, with MAX_RETRIES=3 for the target. Once the receiver is back, every event of
// every acknowledged change must arrive (at least once), and per key in commit order. Changes
// to one key are made one after another, so their commit order is the order they were answered.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBucket, HEAVY, report, rng, s3, startGateway, type Gateway } from "./harness.ts";

const KEYS = HEAVY ? 12 : 6;
const REFUSE_MS = 6_000;
const FAIL_MS = 6_000;
const SEED = Number(process.env.S3EDGE_FAULT_SEED ?? 4242);
const B = "notify";

/** A webhook that can be up, answering 503, or gone (port closed) — on one port throughout. */
function receiver() {
  let mode: "up" | "503" = "up";
  const got: { requestId: string; key: string; event: string; at: number }[] = [];
  let posts = 0;
  const fetch = async (req: Request) => {
    const text = await req.text();
    posts++;
    if (mode === "503") return new Response("down", { status: 503 });
    try {
      const body = JSON.parse(text);
      for (const rec of body.Records ?? []) {
        got.push({ requestId: rec.responseElements?.["x-amz-request-id"], key: decodeURIComponent(String(rec.s3?.object?.key).replace(/\+/g, " ")), event: rec.eventName, at: Date.now() });
      }
    } catch {}
    return new Response(null, { status: 200 });
  };
  let server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
  const port = server.port!;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    posts: () => posts,
    async refuse() { await server.stop(true); },
    fail503() { server = Bun.serve({ hostname: "127.0.0.1", port, fetch }); mode = "503"; },
    up() { mode = "up"; },
    stop: () => server.stop(true),
  };
}

const rx = receiver();
const root = mkdtempSync(join(tmpdir(), "s3edge-fault-notify-"));
let gw: Gateway | undefined;
afterAll(async () => {
  await gw?.stop();
  await rx.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Change { key: string; event: string; requestId: string; at: number }

test(`notifications: a ${(REFUSE_MS + FAIL_MS) / 1000} s outage with MAX_RETRIES=3 loses no event, per key in commit order`, async () => {
  gw = await startGateway({
    dataDir: join(root, "data"),
    env: { MINIO_NOTIFY_WEBHOOK_ENABLE_N: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_N: rx.url, MINIO_NOTIFY_WEBHOOK_MAX_RETRIES_N: "3" },
  });
  const g = gw;
  await createBucket(g, B);
  const config = `<NotificationConfiguration><QueueConfiguration><Id>all</Id><Queue>arn:minio:sqs::N:webhook</Queue>` +
    `<Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event></QueueConfiguration></NotificationConfiguration>`;
  const put = await s3(g, "PUT", `/${B}?notification`, { body: config });
  expect(put.status).toBe(200);

  const changes: Change[] = [];
  const failures: string[] = [];
  let writing = true;
  const writers = Array.from({ length: KEYS }, async (_, k) => {
    const r = rng(SEED + k);
    const key = `k${k}`;
    let present = false;
    while (writing) {
      const del: boolean = present && r.chance(0.4);
      try {
        const a = del ? await s3(g, "DELETE", `/${B}/${key}`) : await s3(g, "PUT", `/${B}/${key}`, { body: r.bytes(1 + r.int(3000)) });
        if (a.status !== (del ? 204 : 200)) failures.push(`${del ? "DELETE" : "PUT"} ${key}: ${a.status} ${a.text.slice(0, 200)}`);
        else {
          changes.push({ key, event: del ? "s3:ObjectRemoved:Delete" : "s3:ObjectCreated:Put", requestId: a.headers.get("x-amz-request-id")!, at: Date.now() });
          present = !del;
        }
      } catch (e) {
        failures.push(`${key}: ${String(e)}`);
      }
      await Bun.sleep(100 + r.int(300));
    }
  });
  const t0 = Date.now();
  await Bun.sleep(1000);
  await rx.refuse(); // connection refused
  await Bun.sleep(REFUSE_MS);
  rx.fail503(); // back on the port, but failing
  await Bun.sleep(FAIL_MS);
  rx.up();
  const recoveredAt = Date.now();
  await Bun.sleep(1000);
  writing = false;
  await Promise.all(writers);

  const wanted = new Set(changes.map((c) => c.requestId));
  const deadline = Date.now() + (HEAVY ? 180_000 : 90_000);
  const arrived = () => new Set(rx.got.map((e) => e.requestId).filter((id) => wanted.has(id)));
  while (arrived().size < wanted.size && Date.now() < deadline) await Bun.sleep(250);
  const lastArrival = Math.max(0, ...rx.got.map((e) => e.at));

  // Per key: the first arrival of each change, in arrival order, against the commit order.
  const outOfOrder: string[] = [];
  for (let k = 0; k < KEYS; k++) {
    const key = `k${k}`;
    const committed = changes.filter((c) => c.key === key).map((c) => c.requestId);
    const seen: string[] = [];
    for (const e of rx.got) if (e.key === key && wanted.has(e.requestId) && !seen.includes(e.requestId)) seen.push(e.requestId);
    const expectedOrder = committed.filter((id) => seen.includes(id));
    if (JSON.stringify(seen) !== JSON.stringify(expectedOrder)) {
      let pairs = 0;
      for (let i = 1; i < seen.length; i++) if (committed.indexOf(seen[i]) < committed.indexOf(seen[i - 1])) pairs++;
      outOfOrder.push(`${key}: ${pairs} of ${seen.length - 1} consecutive pairs out of commit order`);
    }
  }
  const lost = changes.filter((c) => !arrived().has(c.requestId));
  const duringOutage = changes.filter((c) => c.at >= t0 + 1000 && c.at < recoveredAt).length;
  report("notifications", {
    keys: KEYS, changes: changes.length, duringOutage, delivered: arrived().size, lost: lost.length, duplicates: rx.got.length - new Set(rx.got.map((e) => e.requestId)).size,
    posts: rx.posts(), outOfOrderKeys: outOfOrder.length, deliveredSecondsAfterRecovery: Math.round((lastArrival - recoveredAt) / 1000), failures: failures.length,
  });
  const droppedLogs = g.allLogs().split("\n").filter((l) => /lost|dropp/i.test(l)).length;
  if (droppedLogs) console.log(`[fault] notifications: ${droppedLogs} log lines about lost/dropped events`);
  expect(failures).toEqual([]);
  expect(lost.map((c) => `${c.event} ${c.key} ${c.requestId}`)).toEqual([]);
  expect(outOfOrder).toEqual([]);
}, HEAVY ? 300_000 : 150_000);
