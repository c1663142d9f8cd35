// `bun run sync` with the third event source (issue 16): a Redis list filled by the gateway's
// own Redis target in MinIO's access format. The daemon moves each entry to a processing list
// while it applies it; entries a killed daemon left there are applied at its next start.
// Bun only: a Worker has no Redis client (notify-targets.test.ts shows it refusing the target).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { AwsClient } from "aws4fetch";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bucketName, randomData, REPO_ROOT, runtime, tempDir, useServer } from "./harness.ts";
import { missing, startRedis, type TestServer } from "./servers.ts";

const skip = runtime() === "workerd" || missing("redis") !== null;
if (runtime() === "workerd") console.warn("sync-redis: Bun only (a Worker has no Redis client for the gateway's Redis target)");
else if (skip) console.warn(`sync-redis: skipped, not installed: ${missing("redis")}`);

let redis: TestServer | undefined;
beforeAll(async () => {
  if (!skip) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  rc?.close();
  await redis?.destroy();
});

const LIST = "syncevents";
const ep = useServer({
  env: (): Record<string, string> => (skip ? {} : {
    MINIO_NOTIFY_REDIS_ENABLE_SR: "on", MINIO_NOTIFY_REDIS_ADDRESS_SR: `127.0.0.1:${redis!.port}`,
    MINIO_NOTIFY_REDIS_PASSWORD_SR: redis!.password, MINIO_NOTIFY_REDIS_KEY_SR: LIST, MINIO_NOTIFY_REDIS_FORMAT_SR: "access",
  }),
});
const B = bucketName("syncredis");
const BUN = join(REPO_ROOT, "node_modules/.bin/bun");
let rc: RedisClient | undefined;
let root = "";
let config = "";
const s3 = () => new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region, retries: 0 });

async function put(key: string, body: Uint8Array | string) {
  const r = await s3().fetch(`${ep.url}/${B}/${key}`, { method: "PUT", body: body as BodyInit });
  expect(r.status).toBe(200);
}
async function del(key: string) {
  expect((await s3().fetch(`${ep.url}/${B}/${key}`, { method: "DELETE" })).status).toBe(204);
}
/** Waits until the gateway's outbox has pushed `n` entries to the list. */
async function listHolds(n: number) {
  for (let i = 0; i < 200; i++) {
    if (Number(await rc!.send("LLEN", [LIST])) >= n) return;
    await Bun.sleep(50);
  }
  throw new Error(`the list holds ${await rc!.send("LLEN", [LIST])} entries, not ${n}`);
}
async function syncOnce(cfg = config) {
  const p = Bun.spawn([BUN, "src/cli/sync.ts", "--config", cfg, "--once", "--no-resync"], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill("SIGKILL"), 45_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  if (code !== 0 && cfg === config) throw new Error(`sync exited ${code}\n${out}\n${err}`);
  return { out, err, code };
}

describe.skipIf(skip)("sync from a Redis list (MinIO access format)", () => {
  beforeAll(async () => {
    rc = new RedisClient(`redis://:${redis!.password}@127.0.0.1:${redis!.port}/0`);
    expect((await s3().fetch(`${ep.url}/${B}`, { method: "PUT" })).status).toBe(200);
    const cfg = `<NotificationConfiguration><QueueConfiguration><Queue>arn:minio:sqs::SR:redis</Queue>`
      + `<Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event></QueueConfiguration></NotificationConfiguration>`;
    const r = await s3().fetch(`${ep.url}/${B}?notification`, { method: "PUT", body: cfg });
    expect(r.status).toBe(200);
    root = tempDir("s3edge-sync-redis-");
    config = join(root, "sync.json");
    await Bun.write(config, JSON.stringify({
      endpoint: ep.url, accessKey: ep.accessKey, secretKey: ep.secretKey, region: ep.region, bucket: B,
      redis: { url: `redis://:${redis!.password}@127.0.0.1:${redis!.port}/0`, key: LIST }, sync: { "site/": join(root, "www") },
    }));
  });

  test("uploads and deletes arrive through the list; the list and the processing list end empty", async () => {
    const big = randomData(300_000);
    await put("site/index.html", "<h1>hi</h1>");
    await put("site/img/logo.bin", big);
    await put("site/gone.txt", "soon gone");
    await put("other/unmapped.txt", "x");
    await del("site/gone.txt");
    await listHolds(5);
    const r = await syncOnce();
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, "www/index.html"), "utf8")).toBe("<h1>hi</h1>");
    expect(Buffer.compare(readFileSync(join(root, "www/img/logo.bin")), Buffer.from(big))).toBe(0);
    expect(existsSync(join(root, "www/gone.txt"))).toBe(false);
    expect(r.out).toMatch(/ 1 unmapped/);
    expect(Number(await rc!.send("LLEN", [LIST]))).toBe(0);
    expect(Number(await rc!.send("LLEN", [`${LIST}:processing`]))).toBe(0);
  });

  test("entries a killed daemon left in the processing list are applied at the next start, in order", async () => {
    await put("site/a.txt", "first");
    await put("site/a.txt", "second");
    await put("site/b.txt", "b");
    await listHolds(3);
    // As a daemon would have taken them (LMOVE) before it was killed.
    await rc!.send("LMOVE", [LIST, `${LIST}:processing`, "LEFT", "RIGHT"]);
    await rc!.send("LMOVE", [LIST, `${LIST}:processing`, "LEFT", "RIGHT"]);
    const r = await syncOnce();
    expect(r.code).toBe(0);
    expect(r.err).toContain("2 entries of an interrupted run are back");
    expect(readFileSync(join(root, "www/a.txt"), "utf8")).toBe("second");
    expect(readFileSync(join(root, "www/b.txt"), "utf8")).toBe("b");
    expect(Number(await rc!.send("LLEN", [`${LIST}:processing`]))).toBe(0);
  });

  test("a config naming both a queue and a Redis list is refused (exit 2)", async () => {
    const bad = join(root, "both.json");
    await Bun.write(bad, JSON.stringify({ endpoint: ep.url, accessKey: "a", secretKey: "b", bucket: B, queue: "q", redis: { url: "redis://127.0.0.1:1", key: "k" }, sync: { "a/": root } }));
    const r = await syncOnce(bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain("redis: give `queue` or `redis` as the event source, not both");
  });
});
