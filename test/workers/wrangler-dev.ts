// Serves a test Worker on workerd for a bun test: builds it once with wrangler (a bundle, so
// edits elsewhere do not reload it midway), runs `wrangler dev --local` on free 127.0.0.1 ports
// with fresh state in a temp dir and offline settings, and stops it by PID.
// KEEP_STATE=1 keeps the temp dir (build log, wrangler log, DO SQLite files).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

export interface DevWorker { base: string; log(): string; stop(): Promise<void> }

/**
 * `config(main)` is the wrangler.toml for the entry `main`; `ready` is a path that answers
 * `readyStatus` (200; a Worker expected to refuse its configuration answers 503) once it is up.
 */
export async function startDevWorker(entry: string, config: (main: string) => string, ready = "/", readyStatus = 200): Promise<DevWorker> {
  const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "s3edge-devworker-"));
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: join(tmp, "config"), WRANGLER_LOG_PATH: join(tmp, "wrangler-logs"),
  };
  const logFile = join(tmp, "wrangler.log");
  const log = () => { try { return readFileSync(logFile, "utf8").slice(-4000); } catch { return "(no log)"; } };
  mkdirSync(join(tmp, "build"));
  writeFileSync(join(tmp, "build/wrangler.toml"), config(join(ROOT, entry)));
  const build = Bun.spawnSync([WRANGLER, "deploy", "--dry-run", "--outdir", join(tmp, "dist"), "--config", join(tmp, "build/wrangler.toml")],
    { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`wrangler could not build ${entry}:\n${build.stdout}\n${build.stderr}`.slice(-4000));
  const bundle = readdirSync(join(tmp, "dist")).find((f) => f.endsWith(".js"));
  if (!bundle) throw new Error(`no bundle in ${join(tmp, "dist")}`);
  writeFileSync(join(tmp, "wrangler.toml"), config(`dist/${bundle}`));

  const port = await freePort();
  let inspector = await freePort();
  while (inspector === port) inspector = await freePort();
  const proc = Bun.spawn([WRANGLER, "dev", "--local", "--no-bundle", "--config", join(tmp, "wrangler.toml"), "--ip", "127.0.0.1",
    "--port", String(port), "--inspector-port", String(inspector), "--persist-to", join(tmp, "state"),
    "--show-interactive-dev-session=false"], { cwd: ROOT, env, stdin: "ignore", stdout: Bun.file(logFile), stderr: Bun.file(logFile) });
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!done) { proc.kill("SIGKILL"); await proc.exited; }
    }
    if (process.env.KEEP_STATE === "1") console.error(`workerd state kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) { const l = log(); await stop(); throw new Error(`wrangler dev exited (${proc.exitCode}):\n${l}`); }
    try {
      if ((await fetch(base + ready)).status === readyStatus) break;
    } catch {}
    if (i >= 300) { const l = log(); await stop(); throw new Error(`wrangler dev did not answer on ${base} in 60 s:\n${l}`); }
    await Bun.sleep(200);
  }
  return { base, log, stop };
}

/** The repository's wrangler.toml for workers/gateway.ts, with root credentials and `vars` added (tests that need their own gateway Worker). */
export function gatewayConfig(vars: Record<string, string>): (main: string) => string {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const lines = Object.entries({ S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345", ...vars }).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return (main) => toml.replace(/^main = .*$/m, `main = ${JSON.stringify(main)}`).replace(/^\[vars\]$/m, `[vars]\n${lines.join("\n")}`);
}
