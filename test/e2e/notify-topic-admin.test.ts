// The admin views of a target's backlog (`radosgw-admin topic stats|dump`, docs/notifications-admin.md):
// the webhook target "E2E" goes down, PUTs queue their events, the stats count them and the
// dump (admin API pages, and `s3edge topic dump`) shows them; the target comes back, every
// event arrives and the stats drain to 0. Bun: a self-started server; workerd: run-e2e.sh's
// (the EVENTS Queue; pending there = relayed to the Queue and not yet delivered).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { aws, bucketName, ok, run, sha256Hex, useServer } from "./harness.ts";
import { startReceiver, type Receiver, type Received } from "./webhook-receiver.ts";

// Bound in beforeAll, not at load: never holds the port while another file's receiver runs (workerd).
let rx: Receiver;
let port = 0;
beforeAll(() => { rx = startReceiver(Number(process.env.S3EDGE_WEBHOOK_PORT ?? 0)); port = rx.port; });
afterAll(() => rx?.stop());
const ep = useServer({
  env: () => ({ MINIO_NOTIFY_WEBHOOK_ENABLE_E2E: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_E2E: rx.url, MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_E2E: "e2e-token" }),
});
const ARN = "arn:minio:sqs::E2E:webhook";
const B = bucketName("topicadm");
const N = 12;

async function admin(name: string, query: Record<string, string>, who = { accessKey: ep.accessKey, secretKey: ep.secretKey }) {
  const url = new URL(`${ep.url}/minio/admin/v3/${name}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const client = new AwsClient({ ...{ accessKeyId: who.accessKey, secretAccessKey: who.secretKey }, service: "s3", region: ep.region });
  const res = await fetch(await client.sign(url.toString(), { method: "GET", headers: { "x-amz-content-sha256": sha256Hex(new Uint8Array()) } }));
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() as any };
}
const stats = async () => (await admin("s3edge/topic/stats", { topic: ARN })).body["Topic Stats"];
/** This file's entries in a full dump, paged by the admin API `per` at a time. */
async function dumpMine(per: number): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let marker: string | undefined, pages = 0;
  for (;;) {
    const r = await admin("s3edge/topic/dump", { topic: ARN, "max-entries": String(per), ...(marker ? { marker } : {}) });
    expect(r.status).toBe(200);
    pages++;
    expect(r.body.Entries.length).toBeLessThanOrEqual(per);
    for (const e of r.body.Entries) if (e.entry?.s3?.bucket?.name === B) keys.push(e.entry.s3.object.key);
    if (!r.body.IsTruncated) return { keys, pages };
    marker = r.body.NextMarker;
  }
}
const mine = (r: Received[]) => r.filter((x) => x.body?.Records?.[0]?.s3?.bucket?.name === B);
async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await Bun.sleep(100);
  }
}

describe("admin topic stats and dump", () => {
  test("refusals are madmin JSON: unknown topic 404, bad arguments 400, unsigned 403", async () => {
    const none = await admin("s3edge/topic/stats", { topic: "arn:minio:sqs::NOPE:webhook" });
    expect([none.status, none.type, none.body.Code]).toEqual([404, "application/json", "XMinioAdminNoSuchTarget"]);
    expect((await admin("s3edge/topic/dump", { topic: "no-such-topic" })).status).toBe(404);
    expect((await admin("s3edge/topic/dump", { topic: ARN, "max-entries": "0" })).body.Code).toBe("XMinioAdminInvalidArgument");
    expect((await admin("s3edge/topic/dump", {})).body.Code).toBe("XMinioAdminInvalidArgument");
    const anon = await fetch(`${ep.url}/minio/admin/v3/s3edge/topic/stats`);
    expect(anon.status).toBe(403);
    const listed = await admin("s3edge/topic/stats", {});
    expect(listed.body.Topics.map((t: { Arn: string }) => t.Arn)).toContain(`arn:minio:sqs:${ep.region}:E2E:webhook`);
  });

  test("target down: the stats count the PUTs' events, the dump shows them; target up: all arrive, the stats drain to 0", async () => {
    ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]), "create-bucket");
    const cfg = JSON.stringify({ QueueConfigurations: [{ QueueArn: ARN, Events: ["s3:ObjectCreated:*"] }] });
    ok(await aws(ep, ["s3api", "put-bucket-notification-configuration", "--bucket", B, "--notification-configuration", cfg]), "config");
    // Whatever other files left for E2E drains first (a shared workerd endpoint).
    await until("backlog before", stats, (s) => s.Entries === 0);
    await rx.stop();
    const before = Date.now();
    for (let i = 0; i < N; i++) ok(await aws(ep, ["s3api", "put-object", "--bucket", B, "--key", `k${i}`]), "put-object");
    const s = await until("stats while down", stats, (x) => x.Entries >= N);
    expect(s.Entries).toBe(N);
    expect(s.Size).toBeGreaterThan(N * 200);
    expect(Date.parse(s.Oldest)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(s.Reservations).toBeLessThanOrEqual(N);

    // Paged by the API: every entry once, whatever the page size.
    const paged = await dumpMine(5);
    expect(paged.keys.sort()).toEqual(Array.from({ length: N }, (_, i) => `k${i}`).sort());
    expect(paged.pages).toBeGreaterThanOrEqual(Math.ceil(N / 5));
    // The CLI: one JSON array of Ceph-shaped entries (the record under "entry").
    const cli = await run([process.execPath, "src/cli/main.ts", "topic", "dump", "--topic", ARN, "--max-entries", "500", "--endpoint", ep.url], {
      env: { AWS_ACCESS_KEY_ID: ep.accessKey, AWS_SECRET_ACCESS_KEY: ep.secretKey },
    });
    expect([cli.code, cli.stderr]).toEqual([0, ""]);
    const entries = (JSON.parse(cli.stdout) as any[]).filter((e) => e.entry?.s3?.bucket?.name === B);
    expect(entries.map((e) => e.entry.s3.object.key).sort()).toEqual(paged.keys.sort());
    expect(entries[0]).toMatchObject({ bucket: B, entry: { eventName: "s3:ObjectCreated:Put" }, maxRetries: expect.any(Number) });
    expect(Date.parse(entries[0].creationTime)).toBeGreaterThan(0);
    const cliStats = await run([process.execPath, "src/cli/main.ts", "topic", "stats", "--topic", ARN, "--endpoint", ep.url], {
      env: { AWS_ACCESS_KEY_ID: ep.accessKey, AWS_SECRET_ACCESS_KEY: ep.secretKey },
    });
    expect(cliStats.code).toBe(0);
    expect(JSON.parse(cliStats.stdout)["Topic Stats"].Entries).toBe(N);

    rx = startReceiver(port);
    await rx.waitFor((r) => new Set(mine(r).map((x) => x.body.Key)).size >= N, 90_000);
    expect(new Set(mine(rx.received).map((x) => x.body.Key))).toEqual(new Set(Array.from({ length: N }, (_, i) => `${B}/k${i}`)));
    await until("stats after", stats, (x) => x.Entries === 0);
    expect((await dumpMine(100)).keys).toEqual([]);
  });
});
