// End-to-end harness: one live gateway per test file, real client processes around it.
//
// With S3EDGE_ENDPOINT set (plus S3EDGE_ACCESS_KEY / S3EDGE_SECRET_KEY) the suite drives that
// endpoint, e.g. a workerd instance; otherwise each test file starts `bun src/cli/serve.ts` on
// a kernel-chosen 127.0.0.1 port with a fresh temporary data directory and kills it (by PID)
// in afterAll. Every file uses its own random bucket names, so files stay independent even
// against one shared external endpoint.
import { afterAll, beforeAll, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

export const REPO_ROOT = resolve(import.meta.dir, "../..");
const BIN = join(REPO_ROOT, "node_modules/.bin");
export const PY_DIR = join(import.meta.dir, "py");

/**
 * Which runtime serves the endpoint under test: "bun" (default) or e.g. "workerd".
 * Tests whose expectations depend on a runtime limit (request body size, URL normalisation)
 * read this instead of guessing.
 */
export function runtime(): string {
  return process.env.S3EDGE_RUNTIME ?? "bun";
}

/** Largest single request body the runtime in front of the gateway lets through. */
export function maxRequestBody(): number {
  // Cloudflare Workers cap request bodies at 100 MB (free/pro plans); Bun's cap is raised by serve.ts.
  return runtime() === "workerd" ? 100 * 1000 * 1000 : 5 * 1024 ** 3;
}

export interface Endpoint {
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  url: string;
  host: string;
  port: number;
  accessKey: string;
  secretKey: string;
  region: string;
  /**
   * Base domain for virtual-host-style addressing. A self-started server gets
   * S3EDGE_DOMAIN=localhost; an external endpoint must be started the same way (or set
   * S3EDGE_DOMAIN for the tests to the domain it uses).
   */
  domain: string;
  external: boolean;
  /** Last lines the self-started server wrote (for failure messages). */
  logs(): string;
}

interface Started { ep: Endpoint; stop(): Promise<void> }

/** S3Client options for the endpoint (path style, no retries: a failure shows at once). */
export function sdkConfig(ep: Endpoint) {
  return {
    endpoint: ep.url,
    region: ep.region,
    credentials: { accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey },
    forcePathStyle: true,
    maxAttempts: 1,
    // workerd never answers Expect: 100-continue (workers-sdk#7185): the SDK would wait 6 s per
    // body of 2 MiB or more for nothing. Bun answers it, so there the SDK's default is tested.
    ...(runtime() === "workerd" ? { expectContinueHeader: false } : {}),
  };
}

const MiB = 1024 * 1024;
export { MiB };

async function startServer(extraEnv: Record<string, string> = {}): Promise<Started> {
  const accessKey = "admin";
  const secretKey = "secret12345";
  const dataDir = mkdtempSync(join(tmpdir(), "s3edge-e2e-data-"));
  const proc = Bun.spawn([join(BIN, "bun"), "src/cli/serve.ts", "--address", "127.0.0.1:0", "--data", dataDir], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      S3EDGE_ROOT_USER: accessKey,
      S3EDGE_ROOT_PASSWORD: secretKey,
      S3EDGE_DOMAIN: "localhost",
      // Collect garbage often, so tests see what GC would break.
      S3EDGE_GC_INTERVAL_MS: "500",
      ...extraEnv,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  // Drain both pipes for the server's whole life: a full pipe would block its logging.
  let log = "";
  const keep = (s: string) => {
    log += s;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  let resolveUrl: (u: string) => void;
  const urlSeen = new Promise<string>((r) => (resolveUrl = r));
  const drain = async (stream: ReadableStream<Uint8Array>, watch: boolean) => {
    const dec = new TextDecoder();
    let acc = "";
    const reader = stream.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      const s = dec.decode(chunk, { stream: true });
      keep(s);
      if (watch) {
        acc += s;
        const m = /s3edge listening on (http:\/\/[^\s]+)/.exec(acc);
        if (m) {
          resolveUrl(m[1]);
          watch = false;
          acc = "";
        }
      }
    }
  };
  drain(proc.stdout, true);
  drain(proc.stderr, false);

  const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`gateway did not start in 20s:\n${log}`)), 20_000));
  const exited = proc.exited.then((code) => {
    throw new Error(`gateway exited with ${code} before listening:\n${log}`);
  });
  const url = await Promise.race([urlSeen, timeout, exited]);
  exited.catch(() => {}); // later exits are expected (afterAll)
  const u = new URL(url);
  // Readiness: the health endpoint answers 200.
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/minio/health/live`);
      if (r.status === 200) break;
    } catch {}
    if (i > 100) throw new Error(`health check never returned 200:\n${log}`);
    await Bun.sleep(100);
  }
  const ep: Endpoint = {
    url,
    host: u.hostname,
    port: Number(u.port),
    accessKey,
    secretKey,
    region: "us-east-1",
    domain: "localhost",
    external: false,
    logs: () => log.slice(-4000),
  };
  return {
    ep,
    async stop() {
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!done) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function externalEndpoint(): Started | null {
  const url = process.env.S3EDGE_ENDPOINT;
  if (!url) return null;
  const u = new URL(url);
  return {
    ep: {
      url: url.replace(/\/+$/, ""),
      host: u.hostname,
      port: Number(u.port || (u.protocol === "https:" ? 443 : 80)),
      accessKey: process.env.S3EDGE_ACCESS_KEY ?? "admin",
      secretKey: process.env.S3EDGE_SECRET_KEY ?? "secret12345",
      region: process.env.S3EDGE_REGION ?? "us-east-1",
      domain: process.env.S3EDGE_DOMAIN ?? "localhost",
      external: true,
      logs: () => "(external endpoint)",
    },
    async stop() {},
  };
}

/**
 * Registers beforeAll/afterAll for this test file and returns the endpoint; read its fields
 * inside tests (they are filled in by beforeAll).
 */
export function useServer(opts: { env?: () => Record<string, string> } = {}): Endpoint {
  // Real clients are slow to start (python, aws cli); bunfig's [test] timeout is not honoured
  // by every bun version, so set the per-test default here.
  setDefaultTimeout(120_000);
  const ep = {} as Endpoint;
  let started: Started | null = null;
  beforeAll(async () => {
    started = externalEndpoint() ?? (await startServer(opts.env?.()));
    Object.assign(ep, started.ep);
  }, 30_000);
  afterAll(async () => {
    await started?.stop();
    cleanupTemp();
  }, 30_000);
  return ep;
}

// ---- names and data -------------------------------------------------------------------

/** A fresh bucket name, unique per run: `${prefix}-${random}` (lowercase, DNS-safe). */
export function bucketName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`.toLowerCase().slice(0, 63);
}

const temps: string[] = [];

/** A temporary directory (outside the repo), removed in afterAll. */
export function tempDir(prefix = "s3edge-e2e-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function cleanupTemp() {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Cryptographically random bytes (incompressible, so dedup and compression cannot hide bugs). */
export function randomData(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(size, off + 65536)));
  return out;
}

/** Writes `size` random bytes to dir/name and returns the path and the bytes. */
export async function randomFile(dir: string, name: string, size: number): Promise<{ path: string; data: Uint8Array<ArrayBuffer> }> {
  const data = randomData(size);
  const path = join(dir, name);
  await Bun.write(path, data);
  return { path, data };
}

export function md5Hex(data: Uint8Array): string {
  return new Bun.CryptoHasher("md5").update(data).digest("hex");
}

export function sha256Hex(data: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** Byte equality that reports the first difference instead of dumping megabytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `first difference at byte ${i}`;
  return "equal";
}

// ---- client processes -----------------------------------------------------------------

export interface RunResult { code: number; stdout: string; stderr: string; stdoutBytes: Uint8Array }

/**
 * pyenv shims (aws, python3) cost ~100 ms per start; resolve the real executable once.
 */
const resolved = new Map<string, Promise<string>>();
function resolveBin(name: string): Promise<string> {
  let p = resolved.get(name);
  if (!p) {
    p = (async () => {
      const which = Bun.which(name);
      if (!which || !which.includes("/shims/")) return which ?? name;
      const proc = Bun.spawn(["pyenv", "which", name], { stdout: "pipe", stderr: "ignore" });
      const out = (await new Response(proc.stdout).text()).trim();
      return (await proc.exited) === 0 && out ? out : which;
    })();
    resolved.set(name, p);
  }
  return p;
}

/**
 * Runs a client process asynchronously (never spawnSync: tests must keep the event loop
 * free) and collects its output. Throws only on timeout; callers assert on `code`.
 */
export async function run(
  argv: string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string | Uint8Array; timeoutMs?: number } = {},
): Promise<RunResult> {
  argv = [await resolveBin(argv[0]), ...argv.slice(1)];
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin as BlobPart]),
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? 110_000);
  const [out, stderr, code] = await Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (timedOut) throw new Error(`timed out: ${argv.join(" ")}\n${stderr}`);
  return { code, stdout: new TextDecoder().decode(out), stderr, stdoutBytes: out };
}

/** Fails with the command's output when it did not exit 0; returns stdout. */
export function ok(r: RunResult, what = "command"): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${brief(r.stderr)}`);
  return r.stdout;
}

/** Long stderr (s3cmd's crash banner, python tracebacks): the telling lines and the tail. */
function brief(stderr: string): string {
  if (stderr.length <= 1500) return stderr;
  const telling = stderr.split("\n").filter((l) => /error|problem|exception|denied|failed|mismatch/i.test(l) && !/report|reproduc/i.test(l));
  return [...telling.slice(0, 10), "…", stderr.slice(-600)].join("\n");
}

/** Environment for the aws cli / boto3: credentials only, no user config files. */
export function awsEnv(ep: Endpoint, extra: Record<string, string> = {}): Record<string, string> {
  const none = join(tmpdir(), "s3edge-e2e-no-aws-config");
  return {
    AWS_ACCESS_KEY_ID: ep.accessKey,
    AWS_SECRET_ACCESS_KEY: ep.secretKey,
    AWS_DEFAULT_REGION: ep.region,
    AWS_REGION: ep.region,
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    S3EDGE_E2E_ENDPOINT: ep.url,
    S3EDGE_E2E_ACCESS_KEY: ep.accessKey,
    S3EDGE_E2E_SECRET_KEY: ep.secretKey,
    S3EDGE_E2E_REGION: ep.region,
    S3EDGE_E2E_DOMAIN: ep.domain,
    S3EDGE_E2E_PORT: String(ep.port),
    S3EDGE_E2E_RUNTIME: runtime(),
    PYTHONDONTWRITEBYTECODE: "1",
    ...extra,
  };
}

/** `aws --endpoint-url … ARGS`; returns the raw result. */
export async function aws(ep: Endpoint, args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: Uint8Array } = {}): Promise<RunResult> {
  const argv = ["--endpoint-url", ep.url, ...args];
  const env = awsEnv(ep, opts.env);
  const python = await awsPython();
  if (!python) return run(["aws", ...argv], { cwd: opts.cwd, env, stdin: opts.stdin });
  return residentAws(python, argv, { ...process.env, ...env } as Record<string, string>, opts.cwd ?? process.cwd(), opts.stdin);
}

/**
 * The python that runs the aws cli (its script's interpreter), for the resident runner
 * (py/aws_resident.py: the same cli code, without ~1 s of start-up per command); undefined
 * where aws is not a python script or S3EDGE_E2E_AWS_SPAWN=1 asks for one process per command.
 */
let awsPythonP: Promise<string | undefined> | undefined;
function awsPython(): Promise<string | undefined> {
  awsPythonP ??= (async () => {
    if (process.env.S3EDGE_E2E_AWS_SPAWN === "1") return undefined;
    const bin = await resolveBin("aws");
    let first = "";
    try {
      first = (await Bun.file(bin).slice(0, 200).text()).split("\n")[0];
    } catch {
      return undefined;
    }
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return undefined;
    const interp = m[1].endsWith("/env") && m[2] ? await resolveBin(m[2]) : m[1];
    return /python/.test(interp) ? interp : undefined;
  })();
  return awsPythonP;
}

interface AwsRunner { proc: Bun.Subprocess<"pipe", "pipe", "inherit">; next(): Promise<string | undefined> }
const idleAws: AwsRunner[] = [];

function startAwsRunner(python: string): AwsRunner {
  const proc = Bun.spawn([python, join(PY_DIR, "aws_resident.py")], {
    stdin: "pipe", stdout: "pipe", stderr: "inherit",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  proc.unref();
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  return {
    proc,
    async next() {
      for (;;) {
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          return line;
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buf += decoder.decode(value, { stream: true });
      }
    },
  };
}

/** One command on an idle resident runner (a new one when all are busy); same contract as run(). */
async function residentAws(python: string, argv: string[], env: Record<string, string>, cwd: string, stdin?: Uint8Array): Promise<RunResult> {
  let runner = idleAws.pop();
  while (runner && runner.proc.exitCode !== null) runner = idleAws.pop();
  runner ??= startAwsRunner(python);
  const r = runner;
  r.proc.stdin.write(JSON.stringify({ argv, env, cwd, stdin: stdin ? Buffer.from(stdin).toString("base64") : null }) + "\n");
  r.proc.stdin.flush();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((res) => (timer = setTimeout(() => res("timeout"), 110_000)));
  const line = await Promise.race([r.next(), timeout]);
  clearTimeout(timer);
  if (line === "timeout" || line === undefined) {
    r.proc.kill("SIGKILL");
    throw new Error(`${line === "timeout" ? "timed out" : "aws runner died"}: aws ${argv.join(" ")}`);
  }
  if (idleAws.length < 4) idleAws.push(r);
  else r.proc.kill();
  const reply = JSON.parse(line) as { code: number; stdout: string; stderr: string };
  const out = new Uint8Array(Buffer.from(reply.stdout, "base64"));
  return { code: reply.code, stdout: new TextDecoder().decode(out), stderr: reply.stderr, stdoutBytes: out };
}

/** `aws … s3api OP …` that must succeed; parses the JSON output ({} when there is none). */
export async function awsJson(ep: Endpoint, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<any> {
  const out = ok(await aws(ep, [...args, "--output", "json"], opts), `aws ${args.slice(0, 2).join(" ")}`);
  return out.trim() ? JSON.parse(out) : {};
}

/** Runs test/e2e/py/<script> with python3 and parses its JSON stdout. */
export async function python(ep: Endpoint, script: string, env: Record<string, string> = {}): Promise<any> {
  const r = await run(["python3", join(PY_DIR, script)], { env: awsEnv(ep, env), cwd: PY_DIR });
  const out = ok(r, `python3 ${script}`);
  try {
    return JSON.parse(out);
  } catch {
    throw new Error(`python3 ${script} printed non-JSON:\n${out.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`);
  }
}

export interface CurlResult {
  status: number;
  /** Response headers of the final response, lower-case names. */
  headers: Record<string, string>;
  /** Body decoded as UTF-8 (for XML). */
  body: string;
  bytes: Uint8Array;
}

/**
 * curl, optionally signing with SigV4 itself (--aws-sigv4), for raw HTTP checks.
 * --path-as-is: the URL path reaches the server exactly as written.
 */
export async function curl(
  ep: Endpoint | null,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; data?: string; dataFile?: string; sign?: boolean; extra?: string[] } = {},
): Promise<CurlResult> {
  const argv = ["curl", "-sS", "-D", "-", "--path-as-is"];
  if (opts.method === "HEAD") argv.push("-I");
  else if (opts.method) argv.push("-X", opts.method);
  for (const [k, v] of Object.entries(opts.headers ?? {})) argv.push("-H", `${k}: ${v}`);
  if (opts.sign && ep) {
    argv.push("--aws-sigv4", `aws:amz:${ep.region}:s3`, "--user", `${ep.accessKey}:${ep.secretKey}`);
    if (!opts.headers?.["x-amz-content-sha256"]) argv.push("-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  }
  if (opts.data !== undefined) argv.push("--data-binary", opts.data);
  if (opts.dataFile) argv.push("--data-binary", `@${opts.dataFile}`);
  argv.push(...(opts.extra ?? []), url);
  const r = await run(argv);
  ok(r, "curl");
  return parseCurl(r.stdoutBytes, opts.method === "HEAD");
}

function parseCurl(out: Uint8Array, headOnly: boolean): CurlResult {
  // -D - prints every response head (100 Continue first, when sent); keep the last one.
  const dec = new TextDecoder();
  let start = 0;
  let head = "";
  for (;;) {
    let i = -1;
    for (let j = start; j + 3 < out.length; j++) {
      if (out[j] === 13 && out[j + 1] === 10 && out[j + 2] === 13 && out[j + 3] === 10) {
        i = j;
        break;
      }
    }
    if (i < 0) break;
    head = dec.decode(out.subarray(start, i));
    start = i + 4;
    if (!/^HTTP\/[\d.]+ 1\d\d/.test(head)) break;
  }
  const lines = head.split("\r\n");
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(lines[0])?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(":");
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  const bytes = headOnly ? new Uint8Array(0) : out.subarray(start);
  return { status, headers, body: dec.decode(bytes), bytes };
}

/** The <Code> of an S3 XML error body ("" when there is none). */
export function xmlCode(body: string): string {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? "";
}
