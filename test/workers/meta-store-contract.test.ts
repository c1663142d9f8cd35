// The MetaStore contract (test/contract/meta-store.ts) against the Durable Object store on
// workerd: builds test/workers/contract-worker.ts with wrangler (as test/workers/run-e2e.sh
// builds the gateway), serves the bundle with `wrangler dev --local` on free 127.0.0.1 ports
// with fresh state in a temp dir and offline settings, runs each case there (one request per
// case, a fresh set of MetaShard objects per case) and stops wrangler by PID. Independent of
// the gateway instance run-e2e.sh starts; runs in that suite (test/run-all.sh) or alone:
//   bun test test/workers/meta-store-contract.test.ts
// KEEP_STATE=1 keeps the temp dir (build log, wrangler log, DO SQLite files).
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { META_STORE_CONTRACT, missingCapabilities, type CaseOutcome } from "../contract/meta-store.ts";

const ROOT = resolve(import.meta.dir, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
setDefaultTimeout(30_000);

/** The Durable Object store's tools lack a settable clock (MetaShard reads Date.now()). */
const DO_TOOLS = { advance: undefined };

const config = (main: string) => `name = "s3edge-meta-contract"
main = ${JSON.stringify(main)}
compatibility_date = "2026-04-01"
compatibility_flags = ["nodejs_als"]

[vars]
# No GC alarm during a run: the cases call collectGarbage themselves.
S3EDGE_GC_INTERVAL_MS = "3600000"

[[r2_buckets]]
binding = "CHUNKS"
bucket_name = "s3edge-contract-chunks"

[[durable_objects.bindings]]
name = "META"
class_name = "MetaShard"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["MetaShard"]
`;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "s3edge-contract-workerd-"));
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false",
  XDG_CONFIG_HOME: join(tmp, "config"), WRANGLER_LOG_PATH: join(tmp, "wrangler-logs"),
};
const log = join(tmp, "wrangler.log");
let proc: ReturnType<typeof Bun.spawn> | undefined;
let base = "";

const tail = (file: string) => { try { return readFileSync(file, "utf8").slice(-4000); } catch { return "(no log)"; } };

beforeAll(async () => {
  // Build once and serve the bundle: wrangler dev on sources would reload on every edit.
  mkdirSync(join(tmp, "build"));
  writeFileSync(join(tmp, "build/wrangler.toml"), config(join(ROOT, "test/workers/contract-worker.ts")));
  const build = Bun.spawnSync([WRANGLER, "deploy", "--dry-run", "--outdir", join(tmp, "dist"), "--config", join(tmp, "build/wrangler.toml")],
    { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`wrangler could not build the contract Worker:\n${build.stdout}\n${build.stderr}`.slice(-4000));
  const bundle = readdirSync(join(tmp, "dist")).find((f) => f.endsWith(".js"));
  if (!bundle) throw new Error(`no bundle in ${join(tmp, "dist")}`);
  writeFileSync(join(tmp, "wrangler.toml"), config(`dist/${bundle}`));

  const port = await freePort();
  let inspector = await freePort();
  while (inspector === port) inspector = await freePort();
  proc = Bun.spawn([WRANGLER, "dev", "--local", "--no-bundle", "--config", join(tmp, "wrangler.toml"), "--ip", "127.0.0.1",
    "--port", String(port), "--inspector-port", String(inspector), "--persist-to", join(tmp, "state"),
    "--show-interactive-dev-session=false"], { cwd: ROOT, env, stdin: "ignore", stdout: Bun.file(log), stderr: Bun.file(log) });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev exited (${proc.exitCode}):\n${tail(log)}`);
    try {
      if ((await fetch(`${base}/cases`)).status === 200) break;
    } catch {}
    if (i >= 300) throw new Error(`wrangler dev did not answer on ${base} in 60 s:\n${tail(log)}`);
    await Bun.sleep(200);
  }
}, 120_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill("SIGTERM");
    const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!done) { proc.kill("SIGKILL"); await proc.exited; }
  }
  if (process.env.KEEP_STATE === "1") console.error(`contract workerd state kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}, 30_000);

const run = async (name: string): Promise<CaseOutcome> => {
  const res = await fetch(`${base}/run?case=${encodeURIComponent(name)}`, { method: "POST" });
  const text = await res.text();
  try {
    return JSON.parse(text) as CaseOutcome;
  } catch {
    return { ok: false, error: `HTTP ${res.status}: ${text.slice(0, 2000)}\n--- wrangler log:\n${tail(log)}` };
  }
};

describe("MetaStore contract: Durable Objects on workerd (MetaShard via createDoMetaStore)", () => {
  it("the Worker serves the same cases, and reports those needing a settable clock as skipped", async () => {
    const served = (await (await fetch(`${base}/cases`)).json()) as { name: string }[];
    expect(served.map((c) => c.name)).toEqual(META_STORE_CONTRACT.map((c) => c.name));
    for (const c of META_STORE_CONTRACT.filter((x) => missingCapabilities(x, DO_TOOLS).length)) {
      expect(await run(c.name)).toEqual({ ok: true, skipped: "needs clock" });
    }
  });

  for (const c of META_STORE_CONTRACT) {
    const skip = missingCapabilities(c, DO_TOOLS).length > 0;
    (skip ? it.skip : it)(c.name, async () => {
      const out = await run(c.name);
      if (!out.ok) throw new Error(out.error ?? "failed");
      expect(out).toEqual({ ok: true });
    });
  }
});
