// One s3edge gateway on Bun for a benchmark: a free 127.0.0.1 port, a fresh data directory
// (or the caller's), root admin/secret12345, ready once /minio/health/live answers. Every bench
// starts its s3edge on Bun here (run.ts starts its workerd and bare peers itself).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "..");
export const ROOT_CREDENTIALS = { accessKeyId: "admin", secretAccessKey: "secret12345" };

export interface BenchGateway {
  url: string;
  proc: ReturnType<typeof Bun.spawn>;
  dataDir: string;
  /** Stops the process (by PID) and removes a data directory it made. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

export interface GatewayOptions {
  repo?: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** serve.ts flags after the defaults. */
  args?: string[];
  /** `bun` flags before the script (run.ts's BENCH_S3EDGE_BUN_ARGS, e.g. a CPU profile). */
  bunArgs?: string[];
  /** The file the process's stdout and stderr go to (default: stdout dropped, stderr inherited). */
  log?: string;
  /** Called once the process exists, before it answers: run.ts registers it for its signal cleanup. */
  onSpawn?: (proc: BenchGateway["proc"], url: string) => void;
}

/**
 * Starts `src/cli/serve.ts` of `repo` (default: this checkout). `--quiet` is passed where that
 * build knows it (older ones, compared by compare.ts, log nothing anyway).
 */
export async function startGateway(opts: GatewayOptions = {}): Promise<BenchGateway> {
  const repo = opts.repo ?? REPO;
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "s3edge-bench-"));
  const read = (f: string) => { try { return readFileSync(join(repo, f), "utf8"); } catch { return ""; } };
  const quiet = (read("src/cli/serve.ts") + read("src/cli/options.ts")).includes("quiet");
  const fd = opts.log ? openSync(opts.log, "w") : undefined;
  const cmd = [process.execPath, ...(opts.bunArgs ?? []), join(repo, "src/cli/serve.ts"), "--address", `127.0.0.1:${port}`, "--data", dataDir,
    ...(quiet ? ["--quiet"] : []), ...(opts.args ?? [])];
  const proc = Bun.spawn(cmd, {
    cwd: repo,
    env: { ...process.env, S3EDGE_ROOT_USER: ROOT_CREDENTIALS.accessKeyId, S3EDGE_ROOT_PASSWORD: ROOT_CREDENTIALS.secretAccessKey, ...opts.env },
    stdout: fd ?? "ignore", stderr: fd ?? "inherit",
  });
  if (fd !== undefined) closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  opts.onSpawn?.(proc, url);
  const stop = async () => {
    proc.kill();
    await proc.exited;
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  for (const until = Date.now() + 30_000; ;) {
    try { if ((await fetch(`${url}/minio/health/live`)).status === 200) break; } catch { /* not yet */ }
    if (Date.now() > until || proc.exitCode !== null) {
      const why = proc.exitCode !== null ? `exited (${proc.exitCode})` : "not ready in time";
      await stop();
      throw new Error(`s3edge (${repo}) ${why}` + (opts.log ? `:\n${readFileSync(opts.log, "utf8")}` : ""));
    }
    await Bun.sleep(50);
  }
  return { url, proc, dataDir, stop };
}

/** The process's CPU time so far, ms (user + system, Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Awaits an answer, reads its body, and throws unless it is a success. */
export async function must(r: Promise<Response>, what: string): Promise<void> {
  const res = await r;
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`${what}: ${res.status}`);
}
