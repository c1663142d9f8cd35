// `--workers 2` (issue 20, docs/workers.md): two gateway processes on one port over one --data.
// Every request goes out on a fresh connection, so the kernel (SO_REUSEPORT) spreads them over
// both children; `x-s3edge-worker` names the one that answered. Writes through one are read
// through the other at once, a bucket deleted through one is refused by the other at once, a
// user added through the admin API works on both, a SIGKILLed child is restarted with no
// acknowledged write lost, and the event drain goes on after its elected process is killed.
// Bun only: it runs a supervisor and its child processes and kills one; on workerd there are no
// processes (the Worker's state lives in Durable Objects).
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { randomData, runtime, sameBytes } from "./harness.ts";
import { startGateway, type Gateway } from "../unit/store/s3-gateway.ts";
import { startReceiver, type Receiver } from "./webhook-receiver.ts";
import { encryptData } from "../../src/admin/crypto/encrypt-data.ts";

const onBun = runtime() === "bun" && !process.env.S3EDGE_ENDPOINT;
let gw: Gateway, rx: Receiver;

/** A signed request on a connection of its own; resolves with the answer and who gave it. */
async function call(client: AwsClient, url: string, init: RequestInit = {}) {
  const signed = await client.sign(url, init);
  const res = await fetch(signed, { keepalive: false });
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, body, worker: res.headers.get("x-s3edge-worker") ?? "", text: () => new TextDecoder().decode(body) };
}
const s3 = (path: string, init: RequestInit = {}) => call(gw.client, `${gw.url}${path}`, init);
const children = () => {
  const out = Bun.spawnSync(["pgrep", "-P", String(gw.pid())]).stdout.toString().trim();
  return out ? out.split("\n").map(Number).sort() : [];
};
const leaderPid = () => {
  const db = new Database(join(gw.dataDir, "leader.sqlite"), { readonly: true });
  try { return (db.query("SELECT pid FROM lease WHERE name = 'leader'").get() as { pid: number } | null)?.pid; } finally { db.close(); }
};
const until = async <T>(what: string, f: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms\n${gw.logs()}`);
    await Bun.sleep(50);
  }
};
/** Requests until both children answered, each checked by `check`. */
async function onBoth(what: string, path: string, check: (r: Awaited<ReturnType<typeof s3>>) => void, client = gw.client) {
  const seen = new Set<string>();
  // The kernel picks at random; a child just restarted may take a few seconds to listen.
  for (const end = Date.now() + 10_000; seen.size < 2 && Date.now() < end;) {
    const r = await call(client, `${gw.url}${path}`);
    check(r);
    seen.add(r.worker);
  }
  expect({ what, workers: [...seen].sort() }).toEqual({ what, workers: ["1", "2"] });
}

describe.skipIf(!onBun)("--workers 2 (Bun only: a supervisor and two child processes)", () => {
  setDefaultTimeout(30_000);
  beforeAll(async () => {
    rx = startReceiver();
    gw = await startGateway({
      args: ["--workers", "2"],
      env: { MINIO_NOTIFY_WEBHOOK_ENABLE_W: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_W: rx.url, S3EDGE_REFRESH_IAM_INTERVAL: "1s" },
    });
    await until("both children listening", async () => gw.logs().includes("(2 workers"));
  }, 30_000);
  afterAll(async () => { await gw?.destroy(); await rx?.stop(); });

  it("both processes answer on the one port", async () => {
    await onBoth("health", "/minio/health/live", (r) => expect(r.status).toBe(200));
  });

  it("a write through one is read through the other at once (bucket and objects)", async () => {
    expect((await s3("/wkb", { method: "PUT" })).status).toBe(200);
    await onBoth("new bucket", "/wkb", (r) => expect(r.status).toBe(200));
    const crossed = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const data = randomData(4096 + i);
      const put = await s3(`/wkb/k${i}`, { method: "PUT", body: data });
      expect(put.status).toBe(200);
      const got = await s3(`/wkb/k${i}`);
      expect({ i, status: got.status, same: sameBytes(got.body, data) }).toEqual({ i, status: 200, same: "equal" });
      crossed.add(`${put.worker}>${got.worker}`);
    }
    expect([...crossed].some((c) => c[0] !== c[2])).toBe(true);
  });

  it("a bucket deleted through one is refused by the other at once", async () => {
    for (let round = 0; round < 4; round++) {
      const b = `gone${round}`;
      expect((await s3(`/${b}`, { method: "PUT" })).status).toBe(200);
      await onBoth("cached on both", `/${b}`, (r) => expect(r.status).toBe(200)); // each process has its state cached now
      const del = await s3(`/${b}`, { method: "DELETE" });
      expect(del.status).toBe(204);
      await onBoth("refused on both", `/${b}/x`, (r) => expect(r.status).toBe(404));
    }
  });

  it("a user added through the admin API works on both within the refresh interval", async () => {
    const body = await encryptData(gw.secretKey, new TextEncoder().encode(JSON.stringify({ secretKey: "wkuser-secret-1", status: "enabled", policy: "readwrite" })), { id: 2 });
    const add = await s3("/minio/admin/v3/add-user?accessKey=wkuser", { method: "PUT", body: body as Uint8Array<ArrayBuffer> });
    expect(add.status).toBe(200);
    const user = new AwsClient({ accessKeyId: "wkuser", secretAccessKey: "wkuser-secret-1", service: "s3", region: "us-east-1", retries: 0 });
    let last = "";
    // An unknown key makes a process re-read the IAM stamp at once (rate-limited): a second at most here.
    await until("user known on both", async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 2; i++) {
        const r = await call(user, `${gw.url}/wkb/k1`);
        if (r.status !== 200) { last = `${r.worker}: ${r.status} ${r.text().slice(0, 200)}`; return false; }
        seen.add(r.worker);
      }
      return seen.size === 2;
    }, 5_000).catch((e) => { throw new Error(`${e.message}\nlast: ${last}`); });
  });

  it("mc watch: a stream open in one child gets the events of requests the other served", async () => {
    const ac = new AbortController();
    const signed = await gw.client.sign(`${gw.url}/wkb?events=s3:ObjectCreated:*&prefix=watch/&ping=1`);
    const res = await fetch(signed, { keepalive: false, signal: ac.signal });
    expect(res.status).toBe(200);
    const listener = res.headers.get("x-s3edge-worker");
    const reader = res.body!.getReader();
    let text = "";
    const reading = (async () => { try { for (;;) { const { done, value } = await reader.read(); if (done) return; text += new TextDecoder().decode(value); } } catch {} })();
    // PUT until one is served by the other child; its event must reach the stream.
    let key = "";
    for (let i = 0; i < 200 && !key; i++) {
      const put = await s3(`/wkb/watch/o${i}`, { method: "PUT", body: "w" });
      expect(put.status).toBe(200);
      if (put.worker !== listener) key = `watch/o${i}`;
    }
    expect(key).not.toBe("");
    await until("the other child's event on the stream", async () => text.includes(`"key":"${key.replace("/", "%2F")}"`) || text.includes(`"key":"${key}"`), 5_000)
      .catch((e) => { throw new Error(`${e.message}\nstream: ${text.slice(0, 500)}`); });
    ac.abort();
    await reading;
  });

  it("SIGKILL of the elected child: restarted, no acknowledged write lost, the event drain goes on", async () => {
    const config = `<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::W:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`;
    expect((await s3("/wkb?notification", { method: "PUT", body: config })).status).toBe(200);
    const leader = await until("a leader", async () => leaderPid());
    const before = children();
    expect(before).toContain(leader);
    // Writes in flight while the leader dies: every one acknowledged must be there afterwards.
    const acked: string[] = [];
    const writes = Array.from({ length: 40 }, async (_, i) => {
      await Bun.sleep(i * 5);
      try {
        const r = await s3(`/wkb/burst${i}`, { method: "PUT", body: `v${i}` });
        if (r.status === 200) acked.push(`burst${i}`);
      } catch {} // cut off by the kill: not acknowledged
    });
    await Bun.sleep(60);
    process.kill(leader, "SIGKILL");
    await Promise.all(writes);
    expect(acked.length).toBeGreaterThan(0);
    await until("child restarted", async () => { const now = children(); return now.length === 2 && !now.includes(leader); });
    await until("a new leader", async () => { const p = leaderPid(); return p !== undefined && p !== leader && children().includes(p); }, 8_000);
    for (const k of acked) {
      const r = await s3(`/wkb/${k}`);
      expect({ k, status: r.status, body: r.text() }).toEqual({ k, status: 200, body: `v${k.slice(5)}` });
    }
    await onBoth("both serve again", "/minio/health/live", (r) => expect(r.status).toBe(200));
    // The new leader drains the outbox: an object created now reaches the webhook.
    expect((await s3("/wkb/after-kill", { method: "PUT", body: "x" })).status).toBe(200);
    await rx.waitFor((got) => got.some((g) => g.body?.Records?.[0]?.s3?.object?.key === "after-kill"), 10_000);
  });

  it("SIGTERM to the supervisor: every child drains and exits, then the supervisor exits 0", async () => {
    const kids = children();
    expect(kids.length).toBe(2);
    expect(await gw.stop("SIGTERM")).toBe(0);
    for (const pid of kids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
