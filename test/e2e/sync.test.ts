// `bun run sync` end to end (issue 16): the daemon mirrors a live gateway's bucket into local
// directories from the gateway's own SQS queue (bucket notification → queue → daemon), by the
// longest matching prefix; traversal keys are refused; a SIGKILL mid-stream followed by more
// changes and a restart leaves nothing missing or stale; and the same engine replicates a
// prefix to a second gateway. Directories are compared byte for byte with a model of the bucket.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { aws, bucketName, ok, randomData, REPO_ROOT, tempDir, useServer, type Endpoint } from "./harness.ts";

const ep = useServer();
// The replica: a second gateway (on workerd runs the same endpoint, another bucket).
const ep2 = useServer();
const B = bucketName("sync");
const B2 = bucketName("replica");
const Q = bucketName("syncq");
const BUN = join(REPO_ROOT, "node_modules/.bin/bun");

let root = "";
let dirs: Record<string, string> = {};
/** The bucket as the test wrote it. */
const model = new Map<string, Uint8Array>();

const client = (e: Endpoint, service: string) =>
  new AwsClient({ accessKeyId: e.accessKey, secretAccessKey: e.secretKey, service, region: e.region, retries: 0 });
// A '..' segment is sent as `..%2F` (a URL parser would resolve `/../` or `/%2E%2E/` away before the gateway saw it).
const encodeKey = (k: string) => k.split("/").map(encodeURIComponent).join("/").replace(/(^|\/)\.\.\//g, "$1..%2F");

async function put(key: string, body: Uint8Array | string) {
  const data = new Uint8Array(typeof body === "string" ? new TextEncoder().encode(body) : body);
  const r = await client(ep, "s3").fetch(`${ep.url}/${B}/${encodeKey(key)}`, { method: "PUT", body: data });
  expect(r.status).toBe(200);
  model.set(key, data);
}
async function del(key: string) {
  const r = await client(ep, "s3").fetch(`${ep.url}/${B}/${encodeKey(key)}`, { method: "DELETE" });
  expect(r.status).toBe(204);
  model.delete(key);
}
async function sqs(action: string, input: Record<string, unknown>) {
  const r = await client(ep, "sqs").fetch(`${ep.url}/`, {
    method: "POST", body: JSON.stringify(input), headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${action}: ${JSON.stringify(body)}`);
  return body as Record<string, any>;
}

const MAPPINGS = () => ({ "test-folder/": dirs.a, "test-folder/folder-01/": dirs.html, "domain.com/path1/path2/": dirs.recharge });

/** Where the model says each file must be (longest prefix, stripped), as dir → relative path → bytes. */
function expected(): Map<string, Map<string, Uint8Array>> {
  const m = MAPPINGS();
  const prefixes = Object.keys(m).sort((a, b) => b.length - a.length);
  const out = new Map(Object.values(m).map((d) => [d, new Map<string, Uint8Array>()]));
  for (const [key, data] of model) {
    const p = prefixes.find((x) => key.startsWith(x));
    if (!p || key.endsWith("/") || key.split("/").includes("..")) continue;
    out.get(m[p as keyof typeof m])!.set(key.slice(p.length), data);
  }
  return out;
}

function walk(dir: string, base = dir, out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, base, out);
    else {
      // Polled while a daemon writes: a temp file renamed away between the listing and the read is not there.
      let bytes: Uint8Array;
      try { bytes = new Uint8Array(readFileSync(p)); } catch (err) { if ((err as { code?: string }).code === "ENOENT") continue; throw err; }
      out.set(p.slice(base.length + 1), bytes);
    }
  }
  return out;
}

/** Every mapped directory holds exactly the model's files, byte for byte (nested dirs are each other's). */
function compareDirs() {
  const want = expected();
  const all = Object.values(MAPPINGS());
  for (const [dir, files] of want) {
    const nested = all.filter((d) => d !== dir && d.startsWith(`${dir}/`)).map((d) => d.slice(dir.length + 1));
    const have = walk(dir);
    for (const k of have.keys()) if (nested.some((n) => k.startsWith(`${n}/`))) have.delete(k);
    expect([...have.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [k, data] of files) expect(Buffer.compare(Buffer.from(have.get(k)!), Buffer.from(data))).toBe(0);
  }
}

async function writeConfig(name: string, extra: Record<string, unknown>): Promise<string> {
  const path = join(root, name);
  await Bun.write(path, JSON.stringify({ endpoint: ep.url, accessKey: ep.accessKey, secretKey: ep.secretKey, region: ep.region, bucket: B, ...extra }));
  return path;
}

/** Daemons still running when a test ends (failed midway) are killed in afterEach. */
const running = new Set<ReturnType<typeof Bun.spawn>>();
afterEach(() => {
  for (const p of running) p.kill("SIGKILL");
  running.clear();
});

function daemon(config: string, args: string[]) {
  const p = Bun.spawn([BUN, "src/cli/sync.ts", "--config", config, ...args], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  running.add(p);
  p.exited.then(() => running.delete(p));
  return p;
}
async function runOnce(config: string, args: string[] = []) {
  const p = daemon(config, ["--once", ...args]);
  // A hang shows as the daemon's own output, not as the test's timeout.
  const timer = setTimeout(() => p.kill("SIGKILL"), 45_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`sync exited ${code}\n${out}\n${err}`);
  return { out, err };
}

let config = "";

beforeAll(async () => {
  root = tempDir("s3edge-sync-");
  // Nested on purpose: test-folder/folder-01/ lands inside test-folder/'s directory tree elsewhere.
  dirs = { a: join(root, "srv/a"), html: join(root, "srv/web-pages/html"), recharge: join(root, "srv/web-pages/html/recharge") };
  ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]));
  const url = (await sqs("CreateQueue", { QueueName: Q })).QueueUrl;
  const arn = (await sqs("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["QueueArn"] })).Attributes.QueueArn;
  const cfg = { QueueConfigurations: [{ QueueArn: arn, Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] }] };
  ok(await aws(ep, ["s3api", "put-bucket-notification-configuration", "--bucket", B, "--notification-configuration", JSON.stringify(cfg)]));
  // The s3sync README's list form of `sync`.
  config = await writeConfig("sync.json", { queue: Q, sync: Object.entries(MAPPINGS()).map(([k, v]) => ({ [k]: v })), visibilityTimeout: 5 });
});

describe("sync daemon", () => {
  test("a bad config: one line per bad field, exit 2", async () => {
    const bad = join(root, "bad.json");
    await Bun.write(bad, JSON.stringify({ endpoint: "not a url", accessKey: "", bucket: "b", sync: { "a/": "x" }, concurency: 2 }));
    const p = daemon(bad, []);
    const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(2);
    expect(err).toContain("endpoint: must be an http(s) URL");
    expect(err).toContain("accessKey: must not be empty");
    expect(err).toContain("secretKey:");
    expect(err).toContain("concurency");
  });

  test("uploads, overwrites, deletes under nested prefixes; longest prefix wins; traversal refused", async () => {
    await put("test-folder/a.txt", "alpha");
    await put("test-folder/sub/deep/b.bin", randomData(150_000));
    await put("test-folder/folder-01/folder-02/peccancy.html", "<html>peccancy</html>");
    await put("test-folder/folder-01/folder-02/left.png", randomData(4096));
    await put("domain.com/path1/path2/index.html", "recharge");
    await put("elsewhere/skip.txt", "not mapped");
    await put("test-folder/x/../../escape.txt", "nope");
    const listed = await (await client(ep, "s3").fetch(`${ep.url}/${B}?list-type=2&prefix=test-folder/x/`)).text();
    expect(listed).toContain("<Key>test-folder/x/../../escape.txt</Key>");
    await put("test-folder/empty-dir/", "");
    const first = await runOnce(config);
    compareDirs();
    expect(existsSync(join(root, "escape.txt")) || existsSync(join(root, "srv/escape.txt"))).toBe(false);
    expect(first.err).toContain("refused key");
    expect(statSync(join(dirs.a, "empty-dir")).isDirectory()).toBe(true);
    // mtime from Last-Modified (whole seconds in HTTP dates).
    expect(Math.abs(statSync(join(dirs.html, "folder-02/peccancy.html")).mtimeMs - Date.now())).toBeLessThan(120_000);

    // Events only (no resync): overwrite, delete with empty parents, add.
    await put("test-folder/a.txt", "alpha, second version");
    await del("test-folder/sub/deep/b.bin");
    await put("test-folder/folder-01/new/n.txt", randomData(10_000));
    await del("test-folder/folder-01/folder-02/left.png");
    await runOnce(config, ["--no-resync"]);
    compareDirs();
    expect(existsSync(join(dirs.a, "sub"))).toBe(false);
    expect(existsSync(dirs.a)).toBe(true);
  });

  test("SIGKILL mid-stream, more changes, restart: nothing missing or stale", async () => {
    const follow = daemon(config, ["--no-resync", "--concurrency", "2"]);
    const keys = Array.from({ length: 40 }, (_, i) => `test-folder/bulk/${i % 4}/f${i}.bin`);
    await Promise.all(keys.map((k) => put(k, randomData(20_000 + keys.indexOf(k)))));
    // Kill it once it has written some of them.
    for (let i = 0; i < 200 && walk(join(dirs.a, "bulk")).size < 5; i++) await Bun.sleep(50);
    follow.kill("SIGKILL");
    await follow.exited;
    for (const k of keys.slice(0, 5)) await del(k);
    for (const k of keys.slice(5, 8)) await put(k, randomData(1234));
    await put("test-folder/bulk/late.txt", "late");
    await put("test-folder/a.txt", "alpha, third");
    await runOnce(config);
    compareDirs();
    expect([...walk(root).keys()].filter((p) => p.includes(".s3edge-sync-"))).toEqual([]);
  });

  test("SIGTERM drains and prints a one-line summary", async () => {
    const p = daemon(config, ["--no-resync"]);
    await put("test-folder/term.txt", "term");
    for (let i = 0; i < 200 && !existsSync(join(dirs.a, "term.txt")); i++) await Bun.sleep(50);
    p.kill("SIGTERM");
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    expect(out).toMatch(/^sync done in [\d.]+ s: \d+ files, .* 0 failed\n$/);
    compareDirs();
  });

  test("without a queue: the listen stream (ListenBucketNotification)", async () => {
    const listen = await writeConfig("listen.json", { sync: MAPPINGS() });
    const p = daemon(listen, ["--no-resync"]);
    try {
      // The stream opens after the daemon starts; keep writing until one lands.
      for (let i = 0; i < 100 && !existsSync(join(dirs.recharge, "live.html")); i++) {
        if (i % 20 === 0) await put("domain.com/path1/path2/live.html", `live ${i}`);
        await Bun.sleep(100);
      }
      expect(existsSync(join(dirs.recharge, "live.html"))).toBe(true);
    } finally {
      p.kill("SIGTERM");
      await p.exited;
    }
    await runOnce(config, ["--no-resync"]);
    compareDirs();
  });

  test("replication of a prefix to a second gateway (resync, then --no-delete)", async () => {
    ok(await aws(ep2, ["s3api", "create-bucket", "--bucket", B2]));
    const target = { endpoint: ep2.url, bucket: B2, accessKey: ep2.accessKey, secretKey: ep2.secretKey, region: ep2.region, prefix: "copy/" };
    const rep = await writeConfig("replicate.json", { target, prefixes: ["test-folder/folder-01/", "domain.com/"] });
    const remote = client(ep2, "s3");
    // Something the source lacks: deleted by the resync.
    expect((await remote.fetch(`${ep2.url}/${B2}/copy/domain.com/stale.txt`, { method: "PUT", body: "stale" })).status).toBe(200);
    await runOnce(rep, ["--resync"]);
    const listed = await (await remote.fetch(`${ep2.url}/${B2}?list-type=2&prefix=copy/`)).text();
    const keys = [...listed.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort();
    const want = [...model.keys()].filter((k) => k.startsWith("test-folder/folder-01/") || k.startsWith("domain.com/")).map((k) => `copy/${k}`).sort();
    expect(keys).toEqual(want);
    for (const k of want) {
      const got = new Uint8Array(await (await remote.fetch(`${ep2.url}/${B2}/${encodeKey(k)}`)).arrayBuffer());
      expect(Buffer.compare(Buffer.from(got), Buffer.from(model.get(k.slice(5))!))).toBe(0);
    }
    await del("domain.com/path1/path2/index.html");
    await runOnce(rep, ["--resync", "--no-delete"]);
    expect((await remote.fetch(`${ep2.url}/${B2}/copy/domain.com/path1/path2/index.html`, { method: "HEAD" })).status).toBe(200);
  });
});
