// The sync engine against a real in-memory gateway (createApp over the memory stores, reached
// through app.request) and the real filesystem in a temp dir.
import { afterAll, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryDeps } from "../helpers/deps.ts";
import { ROOT } from "../helpers/s3.ts";
import { createS3Client } from "../../../src/sync/s3-client.ts";
import { createSyncEngine } from "../../../src/sync/engine.ts";
import { createLocalSink, createS3Sink } from "../../../src/sync/sinks.ts";
import { parseSyncConfig } from "../../../src/sync/config.ts";
import { createNodeFs } from "../../../src/cli/sync-fs.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function setup() {
  const env = memoryDeps();
  // A real server always sees Host; a Request object built here does not carry one.
  const f = (async (req: Request) => {
    const headers = new Headers(req.headers);
    headers.set("host", new URL(req.url).host);
    return env.app.request(new Request(req, { headers, duplex: "half" } as RequestInit));
  }) as typeof fetch;
  const ep = { endpoint: "http://127.0.0.1:9000", accessKey: ROOT.accessKeyId, secretKey: ROOT.secretAccessKey, region: "us-east-1" };
  for (const b of ["src", "dst"]) expect((await f(await signed(ep, `/${b}`, "PUT"))).status).toBe(200);
  const s3 = createS3Client({ ...ep, bucket: "src" }, f);
  const dst = createS3Client({ ...ep, bucket: "dst" }, f);
  const root = mkdtempSync(join(tmpdir(), "sync-engine-"));
  dirs.push(root);
  const { mappings } = parseSyncConfig({ ...ep, bucket: "src", sync: { "a/": join(root, "a"), "a/b/": join(root, "b") } });
  const put = (key: string, body: string) => s3.put(key, new Blob([body]).stream(), body.length);
  return { s3, dst, root, mappings, put };
}

async function signed(ep: { endpoint: string; accessKey: string; secretKey: string; region: string }, path: string, method: string) {
  const { AwsClient } = await import("aws4fetch");
  return new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, service: "s3", region: ep.region }).sign(`${ep.endpoint}${path}`, { method });
}

const log = { info() {}, warn() {} };
const read = (p: string) => readFileSync(p, "utf8");

describe("sync engine", () => {
  it("resync downloads by longest prefix, keeps what matches, deletes extras (not with keepExtras)", async () => {
    const t = await setup();
    await t.put("a/x.txt", "x1");
    await t.put("a/b/c/y.txt", "y1");
    await t.put("a/dir/", "");
    const engine = createSyncEngine({ source: t.s3, sinks: [createLocalSink(t.mappings, createNodeFs())], concurrency: 4, log });
    await engine.resync();
    expect(read(join(t.root, "a/x.txt"))).toBe("x1");
    expect(read(join(t.root, "b/c/y.txt"))).toBe("y1");
    expect(statSync(join(t.root, "a/dir")).isDirectory()).toBe(true);
    // mtime = Last-Modified.
    const head = await t.s3.head("a/x.txt");
    expect(Math.abs(statSync(join(t.root, "a/x.txt")).mtimeMs - head!.lastModified)).toBeLessThan(1000);
    mkdirSync(join(t.root, "a/old/deeper"), { recursive: true });
    writeFileSync(join(t.root, "a/old/deeper/extra.txt"), "gone");
    writeFileSync(join(t.root, "a/.s3edge-sync-abc-x.txt"), "partial");
    await engine.resync({ keepExtras: true });
    expect(existsSync(join(t.root, "a/old/deeper/extra.txt"))).toBe(true);
    expect(existsSync(join(t.root, "a/.s3edge-sync-abc-x.txt"))).toBe(false);
    expect(engine.stats.unchanged).toBe(2);
    await engine.resync();
    expect(existsSync(join(t.root, "a/old"))).toBe(false);
    expect(existsSync(join(t.root, "a"))).toBe(true);
  });

  it("events: created downloads the current object; an older sequencer is stale; removed only deletes what is gone", async () => {
    const t = await setup();
    const engine = createSyncEngine({ source: t.s3, sinks: [createLocalSink(t.mappings, createNodeFs())], concurrency: 2, log });
    await t.put("a/k.txt", "v2");
    await engine.apply({ kind: "created", bucket: "src", key: "a/k.txt", sequencer: "20" });
    expect(read(join(t.root, "a/k.txt"))).toBe("v2");
    // A late removal older than the creation applied: skipped.
    await engine.apply({ kind: "removed", bucket: "src", key: "a/k.txt", sequencer: "10" });
    expect(engine.stats.stale).toBe(1);
    // A newer removal while the object exists again (re-created since): the file stays.
    await engine.apply({ kind: "removed", bucket: "src", key: "a/k.txt", sequencer: "30" });
    expect(read(join(t.root, "a/k.txt"))).toBe("v2");
    await t.s3.remove("a/k.txt");
    await engine.apply({ kind: "removed", bucket: "src", key: "a/k.txt", sequencer: "40" });
    expect(existsSync(join(t.root, "a/k.txt"))).toBe(false);
    // Created for an object deleted since: nothing written.
    await engine.apply({ kind: "created", bucket: "src", key: "a/gone.txt", sequencer: "50" });
    expect(existsSync(join(t.root, "a/gone.txt"))).toBe(false);
    await engine.apply({ kind: "created", bucket: "src", key: "a/../../etc/x", sequencer: "60" });
    expect(engine.stats.refused).toBe(1);
  });

  it("replicates to another bucket under a prefix, deleting what the source lacks", async () => {
    const t = await setup();
    await t.put("a/one.txt", "1");
    await t.put("z/skip.txt", "no");
    await t.dst.put("copy/a/stale.txt", new Blob(["s"]).stream(), 1);
    const engine = createSyncEngine({ source: t.s3, sinks: [createS3Sink(t.dst, { prefixes: ["a/"], targetPrefix: "copy/" })], concurrency: 2, log });
    await engine.resync();
    const keys: string[] = [];
    for await (const o of t.dst.list("")) keys.push(o.key);
    expect(keys).toEqual(["copy/a/one.txt"]);
    await t.put("a/two.txt", "22");
    await engine.apply({ kind: "created", bucket: "src", key: "a/two.txt" });
    expect(await new Response((await t.dst.get("copy/a/two.txt"))!.body).text()).toBe("22");
  });
});
