// A real s3edge gateway process as an S3 upstream (or as the gateway under test), on a fixed
// 127.0.0.1 port so it can be stopped and started again at the same address (outage tests).
// Stopped by PID. Bun only: it spawns `bun src/cli/serve.ts`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer } from "node:net";
import { AwsClient } from "aws4fetch";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "../../..");

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}

export interface Gateway {
  url: string;
  port: number;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  client: AwsClient;
  logs(): string;
  /** Starts it (again) on the same port and data dir. */
  start(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 5 s; the data dir stays. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<number | null>;
  /** Stops it and removes its data dir. */
  destroy(): Promise<void>;
  pid(): number | undefined;
}

export async function startGateway(opts: { env?: Record<string, string>; args?: string[]; accessKey?: string; secretKey?: string; bunArgs?: string[] } = {}): Promise<Gateway> {
  const port = await freePort();
  const accessKey = opts.accessKey ?? "upadmin";
  const secretKey = opts.secretKey ?? "upsecret12345";
  const dataDir = mkdtempSync(join(tmpdir(), "s3edge-gw-"));
  let proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  let log = "";
  const keep = (s: string) => { log += s; if (log.length > 100_000) log = log.slice(-50_000); };
  const drain = async (s: ReadableStream<Uint8Array>) => { const d = new TextDecoder(); const r = s.getReader(); for (;;) { const { done, value } = await r.read(); if (done) return; keep(d.decode(value, { stream: true })); } };
  const url = `http://127.0.0.1:${port}`;

  const start = async () => {
    proc = Bun.spawn([join(ROOT, "node_modules/.bin/bun"), ...(opts.bunArgs ?? []), "src/cli/serve.ts", "--address", `127.0.0.1:${port}`, "--data", dataDir, "--fsync=off", ...(opts.args ?? [])], {
      cwd: ROOT,
      env: { ...process.env, S3EDGE_ROOT_USER: accessKey, S3EDGE_ROOT_PASSWORD: secretKey, S3EDGE_GC_INTERVAL_MS: "500", S3EDGE_QUIET: "1", ...opts.env },
      stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    drain(proc.stdout);
    drain(proc.stderr);
    const p = proc;
    for (let i = 0; ; i++) {
      if (p.exitCode !== null) throw new Error(`gateway exited with ${p.exitCode}:\n${log}`);
      try { if ((await fetch(`${url}/minio/health/live`)).status === 200) return; } catch {}
      if (i > 200) throw new Error(`gateway did not start:\n${log}`);
      await Bun.sleep(50);
    }
  };
  const stop = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    const p = proc;
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    p.kill(signal);
    const done = await Promise.race([p.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!done) { p.kill("SIGKILL"); await p.exited; }
    return p.exitCode;
  };
  await start();
  return {
    url, port, accessKey, secretKey, dataDir,
    client: new AwsClient({ accessKeyId: accessKey, secretAccessKey: secretKey, service: "s3", region: "us-east-1", retries: 0 }),
    logs: () => log.slice(-4000),
    start, stop,
    async destroy() { await stop(); rmSync(dataDir, { recursive: true, force: true }); },
    pid: () => proc?.pid,
  };
}

/** Runs the gateway CLI to completion (start-up validation cases): exit code and output. */
export async function runServe(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "s3edge-gw-"));
  try {
    const p = Bun.spawn([join(ROOT, "node_modules/.bin/bun"), "src/cli/serve.ts", "--address", "127.0.0.1:0", "--data", dataDir, ...args], {
      cwd: ROOT, env: { ...process.env, S3EDGE_ROOT_USER: "admin", S3EDGE_ROOT_PASSWORD: "secret12345", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    const timer = setTimeout(() => p.kill("SIGKILL"), 15_000);
    const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
    clearTimeout(timer);
    return { code: await p.exited, out: out + err };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
