// s3edge on Bun, the same gateway as a Worker on workerd (wrangler dev --local) and a bare Bun
// file server, side by side on loopback. See bench/README.md.
//
//   bun bench/run.ts [--concurrency 16] [--large-ops 64] [--small-ops 4000] [--large-mib 64]
//                    [--small-kib 4] [--phase-seconds 40] [--workerd-phase-seconds 15] [--no-workerd]
//                    [--rss-mib 2048] [--no-rss] [--no-rss-bare] [--no-throughput] [--bare-http bun|node]
//                    [--overwrite] [--no-sync] [--no-refs] [--no-startup] [--out bench/results/latest.json]
//                    [--s3edge-repo DIR]   (measure another checkout's s3edge: before/after in two runs)
// Every flag also reads from BENCH_<NAME> (e.g. BENCH_LARGE_OPS=16).
import { createSigner } from "./sign.ts";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { descendants } from "../scripts/proc-tree.ts";
import { freePort, REPO as ROOT, ROOT_CREDENTIALS, startGateway } from "./gateway.ts";

const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// options

function opt(name: string, def: number): number;
function opt(name: string, def: string): string;
function opt(name: string, def: number | string): number | string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  let v: string | undefined = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  v ??= process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
  if (v === undefined) return def;
  if (typeof def === "number") {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${v}`);
    return n;
  }
  return v;
}
function bool(name: string, def: boolean): boolean {
  const argv = process.argv.slice(2);
  if (argv.includes(`--no-${name}`)) return false;
  if (argv.includes(`--${name}`)) return true;
  const e = process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
  return e === undefined ? def : !/^(0|false|no)$/i.test(e);
}

const cfg = {
  concurrency: opt("concurrency", 16),
  largeOps: opt("large-ops", 64),
  smallOps: opt("small-ops", 4000),
  // Untimed small round trips before the phases: enough for JSC to compile a server's request path
  // in its top tiers, so the 4 KiB rows measure a running server, not its JIT (workerd: 200).
  warmSmallOps: opt("warm-small-ops", 10000),
  largeSize: Math.round(opt("large-mib", 64) * MiB),
  smallSize: Math.round(opt("small-kib", 4) * 1024),
  phaseSeconds: opt("phase-seconds", 40),
  // The Worker under wrangler dev is an order of magnitude slower (local R2 and Durable Object
  // simulation): its phases get their own, shorter bound so a run stays under ~4 minutes.
  workerd: bool("workerd", true),
  workerdPhaseSeconds: opt("workerd-phase-seconds", 15),
  rssSize: Math.round(opt("rss-mib", 2048) * MiB),
  throughput: bool("throughput", true),
  sync: bool("sync", true), // sync(1) before each timed phase: no phase pays for the previous one's writeback
  overwrite: bool("overwrite", false), // large PUTs overwrite one key per worker instead of new keys
  rss: bool("rss", true),
  rssBare: bool("rss-bare", true),
  sampleMs: opt("sample-ms", 50),
  bareHttp: opt("bare-http", "bun"), // "bun" (Bun.serve, the default baseline) or "node" (node:http)
  // The goals' other references (issue 20): the bare server hashing MD5 in line (64 MiB PUTs) and
  // fsyncing each object (4 KiB PUTs).
  refs: bool("refs", true),
  startup: bool("startup", true), // exec → first answer and idle RSS of fresh s3edge processes
  out: resolve(ROOT, opt("out", "bench/results/latest.json")),
};

const USER = ROOT_CREDENTIALS.accessKeyId, PASSWORD = ROOT_CREDENTIALS.secretAccessKey, BUCKET = "bench";
const BUN = process.execPath;
// Extra `bun` flags for the s3edge process, e.g. BENCH_S3EDGE_BUN_ARGS="--cpu-prof-md --cpu-prof-dir=/tmp/prof".
const bunArgs = (process.env.BENCH_S3EDGE_BUN_ARGS ?? "").split(/\s+/).filter(Boolean);
// --s3edge-repo DIR: the s3edge measured is another checkout's (a "before" build, e.g. a
// `git worktree` of an older commit with node_modules linked); everything else stays this one's.
const S3EDGE_REPO = (() => { const i = process.argv.indexOf("--s3edge-repo"); return i >= 0 ? resolve(process.argv[i + 1]!) : ROOT; })();

// ---------------------------------------------------------------------------------------------
// processes and cleanup

type Kind = "s3edge" | "bare" | "workerd" | "wbare" | "bmd5" | "bfsync";
/** Both Workers run under wrangler dev: a process tree, slower phases, failures counted. */
const onWorkerd = (k: Kind) => k === "workerd" || k === "wbare";
interface Server {
  name: string; kind: Kind; pid: number; proc: ReturnType<typeof Bun.spawn>; base: string; log: string;
  /** The processes whose CPU counts: the server, or wrangler and all its children. */
  pids(): number[];
  /** The processes whose memory counts: the server, or the workerd processes under wrangler. */
  memPids(): number[];
}
const servers = new Set<Server>();
const tmpRoot = mkdtempSync(join(tmpdir(), "s3edge-bench-"));
let cleanedUp = false;


function killTree(s: Server, sig: NodeJS.Signals) {
  for (const p of [s.pid, ...descendants(s.pid)]) { try { process.kill(p, sig); } catch {} }
}

function cleanupSync() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const s of servers) killTree(s, "SIGKILL");
  servers.clear();
  rmSync(tmpRoot, { recursive: true, force: true });
}
process.on("exit", cleanupSync);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => { console.error(`\n${sig}: stopping servers`); cleanupSync(); process.exit(130); });
}

/** The Server record of a process, registered for cleanup (the signal handlers stop what `servers` holds). */
function track(name: string, kind: Kind, proc: Server["proc"], base: string, log: string): Server {
  let tree: number[] | null = null;
  const s: Server = {
    name, kind, pid: proc.pid, proc, base, log,
    // wrangler (node) starts workerd as a child; the tree is fixed once it answers.
    pids: () => onWorkerd(kind) ? (tree ??= [proc.pid, ...descendants(proc.pid)]) : [proc.pid],
    memPids: () => onWorkerd(kind) ? s.pids().filter((p) => { try { return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd"; } catch { return false; } }) : [proc.pid],
  };
  servers.add(s);
  return s;
}

async function startServer(name: string, kind: Kind, dataDir: string): Promise<Server> {
  const log = join(tmpRoot, `${name}.log`);
  if (kind === "s3edge") {
    // bench/gateway.ts, as every other bench starts its s3edge: same flags, credentials and readiness check.
    let s: Server | undefined;
    try {
      await startGateway({ repo: S3EDGE_REPO, dataDir, bunArgs, log, onSpawn: (proc, url) => { s = track(name, kind, proc, url, log); } });
    } catch (e) {
      if (s) servers.delete(s);
      throw e;
    }
    return s!;
  }
  const port = await freePort();
  const fd = openSync(log, "w");
  let cmd: string[];
  let env: Record<string, string | undefined> = { ...process.env, S3EDGE_ROOT_USER: USER, S3EDGE_ROOT_PASSWORD: PASSWORD };
  if (kind === "bare") cmd = [BUN, join(ROOT, "bench/bare-server.ts"), "--port", String(port), "--dir", dataDir, "--http", cfg.bareHttp];
  else if (kind === "bmd5" || kind === "bfsync") cmd = [BUN, join(ROOT, "bench/bare-server.ts"), "--port", String(port), "--dir", dataDir, kind === "bmd5" ? "--md5" : "--fsync"];
  else {
    // As test/workers/run-e2e.sh: local mode, fresh state, offline, config and logs in the temp dir.
    let inspector = await freePort();
    while (inspector === port) inspector = await freePort();
    mkdirSync(dataDir, { recursive: true });
    cmd = [join(ROOT, "node_modules/.bin/wrangler"), "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
      // Quiet as s3edge on Bun is (--quiet): an access-log line costs the Worker and, forwarding it,
      // wrangler's own process about 1 ms of CPU per request, which the bare Worker never pays.
      "--var", `S3EDGE_ROOT_USER:${USER}`, "--var", `S3EDGE_ROOT_PASSWORD:${PASSWORD}`, "--var", "S3EDGE_QUIET:1", "--persist-to", join(dataDir, "state"),
      "--show-interactive-dev-session=false", ...(kind === "wbare" ? ["--config", join(ROOT, "bench/bare-worker/wrangler.toml")] : [])];
    env = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false",
      XDG_CONFIG_HOME: join(dataDir, "config"), WRANGLER_LOG_PATH: join(dataDir, "logs") };
  }
  const proc = Bun.spawn(cmd, { cwd: ROOT, env, stdout: fd, stderr: fd, stdin: "ignore" });
  closeSync(fd);
  const s = track(name, kind, proc, `http://127.0.0.1:${port}`, log);
  const health = kind === "workerd" ? "/minio/health/live" : "/health";
  const until = Date.now() + (onWorkerd(kind) ? 90_000 : 30_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}):\n${readFileSync(log, "utf8")}`);
    try { if ((await fetch(s.base + health)).status === 200) break; } catch {}
    if (Date.now() > until) throw new Error(`${name} not ready in time:\n${readFileSync(log, "utf8")}`);
    await Bun.sleep(50);
  }
  return s;
}

async function stopServer(s: Server) {
  if (!servers.has(s)) return;
  const tree = [s.pid, ...descendants(s.pid)];
  try { process.kill(s.pid, "SIGTERM"); } catch {}
  const t = setTimeout(() => { try { process.kill(s.pid, "SIGKILL"); } catch {} }, 5000);
  await s.proc.exited;
  clearTimeout(t);
  // wrangler normally takes workerd down with it; anything left is stopped by its PID.
  for (const p of tree.slice(1)) { try { process.kill(p, "SIGKILL"); } catch {} }
  servers.delete(s);
}

// ---------------------------------------------------------------------------------------------
// /proc sampling

function procStatus(pid: number): { rss: number; hwm: number } {
  const t = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(t)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}
/** Summed RSS of processes (gone ones count 0). */
function rssOf(pids: number[]): number {
  let n = 0;
  for (const p of pids) { try { n += procStatus(p).rss; } catch {} }
  return n;
}
const TICK = 100; // USER_HZ; 100 on every Linux we run on
function cpuTimes(pids: number[]): { user: number; sys: number } {
  let user = 0, sys = 0;
  for (const pid of pids) {
    try {
      const t = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = t.slice(t.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
      user += Number(f[11]) / TICK; // utime (all threads)
      sys += Number(f[12]) / TICK; // stime
    } catch {}
  }
  return { user, sys };
}
/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false if not permitted. */
function resetPeak(pid: number): boolean {
  try { writeFileSync(`/proc/${pid}/clear_refs`, "5"); return true; } catch { return false; }
}

/**
 * Peak RSS while it runs: one process sampled every `ms` plus its VmHWM (reset at the start), so
 * spikes between samples count; a process tree (workerd) as the peak of the sampled sum.
 */
class RssSampler {
  max = 0;
  samples = 0;
  private timer: ReturnType<typeof setInterval>;
  readonly hwmReset: boolean;
  constructor(private pids: number[], ms: number) {
    this.hwmReset = pids.length === 1 && resetPeak(pids[0]);
    this.sample();
    this.timer = setInterval(() => this.sample(), ms);
  }
  private sample() {
    const r = rssOf(this.pids);
    if (r > 0) { this.max = Math.max(this.max, r); this.samples++; }
  }
  stop() {
    clearInterval(this.timer);
    this.sample();
    const hwm = this.hwmReset ? procStatus(this.pids[0]).hwm : undefined;
    return { peakSampled: this.max, hwm, peak: hwm !== undefined ? Math.max(hwm, this.max) : this.max, samples: this.samples, hwmReset: this.hwmReset };
  }
}

// ---------------------------------------------------------------------------------------------
// payloads

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return b;
}
const md5Hex = (d: Uint8Array) => new Bun.CryptoHasher("md5").update(d).digest("hex");

// Large op j sends base.subarray(j*STEP, j*STEP + size): every op differs, and no two ops share an
// 8 MiB-aligned chunk (offsets differ by < 8 MiB), so s3edge's dedup never skips a write.
const STEP = 4096;
const LARGE_VARIANTS = Math.max(1, Math.min(cfg.largeOps, 1024));
const SMALL_VARIANTS = 1024;

// ---------------------------------------------------------------------------------------------
// clients

interface Target {
  kind: Kind;
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, size: number): Promise<string | null>; // etag
  get(key: string): Promise<Response>;
}

/**
 * Requests to a Worker under wrangler dev: abortable (see workerdAbort), and a connection per
 * request, so a request that wrangler dev failed (503 "restarted mid-request") leaves no
 * half-read connection to reuse.
 */
const workerdOpts = (kind: Kind): RequestInit => (onWorkerd(kind) ? { signal: workerdAbort.signal, keepalive: false } : {});

/** s3edge on either runtime: the same S3 requests. */
function s3edgeTarget(base: string, kind: "s3edge" | "workerd" = "s3edge"): Target & { createBucket(): Promise<void> } {
  // Signed by bench/sign.ts (~8 µs a request), not aws4fetch (~45 µs): the client shares the
  // 2 cores with the server, and the bare servers' client signs nothing.
  const sign = createSigner({ accessKeyId: USER, secretAccessKey: PASSWORD });
  const signed = async (method: string, path: string, extra: Record<string, string> = {}) => {
    const url = `${base}/${path}`;
    return { url, headers: sign(method, url, extra) };
  };
  return {
    kind,
    async createBucket() {
      const { url, headers } = await signed("PUT", BUCKET);
      const r = await fetch(url, { method: "PUT", headers });
      if (r.status !== 200) throw new Error(`CreateBucket: ${r.status} ${await r.text()}`);
    },
    async put(key, body, size) {
      const { url, headers } = await signed("PUT", `${BUCKET}/${key}`, { "content-length": String(size) });
      const r = await fetch(url, { method: "PUT", headers, body, duplex: "half", ...workerdOpts(kind) } as RequestInit);
      if (r.status !== 200) throw new Error(`PUT ${key}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
      return (r.headers.get("etag") ?? "").replaceAll('"', "");
    },
    async get(key) {
      const { url, headers } = await signed("GET", `${BUCKET}/${key}`);
      return fetch(url, { headers, ...workerdOpts(kind) } as RequestInit);
    },
  };
}

/** A bare server (Bun) or the bare R2 Worker: plain PUT and GET of /KEY (an ETag only with --md5, then checked). */
function bareTarget(base: string, kind: "bare" | "wbare" | "bmd5" | "bfsync" = "bare"): Target {
  return {
    kind,
    async put(key, body, size) {
      const r = await fetch(`${base}/${key}`, { method: "PUT", headers: { "content-length": String(size) }, body, duplex: "half", ...workerdOpts(kind) } as RequestInit);
      if (r.status !== 200) throw new Error(`PUT ${key}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
      return r.headers.get("etag")?.replaceAll('"', "") ?? null;
    },
    get: (key) => fetch(`${base}/${key}`, workerdOpts(kind)),
  };
}

/**
 * Aborts workerd requests still running a grace period after their phase's deadline: after a
 * restart, wrangler dev can leave a request hanging until the client's own timeout (minutes).
 * 60 s for large objects (the first wave of 16 PUTs alone runs ~45 s, past the deadline; GETs
 * started just before the deadline take ~20 s and more), 30 s for small ones.
 */
let workerdAbort = new AbortController();
const WORKERD_GRACE_MS = { large: 60_000, small: 30_000 };

/** Wrong data, length or ETag: always ends the run (other failures on workerd are counted). */
class CheckFailed extends Error {}

/** Reads a GET body, comparing it byte-for-byte with `expect(pos, len)` as it streams. */
async function readVerify(res: Response, what: string, size: number, expect: (pos: number, len: number) => Uint8Array[]): Promise<number> {
  if (res.status !== 200) throw new Error(`GET ${what}: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  let pos = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let off = 0;
    for (const e of expect(pos, value.length)) {
      const got = Buffer.from(value.buffer, value.byteOffset + off, e.length);
      if (!got.equals(Buffer.from(e.buffer, e.byteOffset, e.length))) throw new CheckFailed(`GET ${what}: data mismatch near byte ${pos + off}`);
      off += e.length;
    }
    pos += value.length;
  }
  if (pos !== size) throw new CheckFailed(`GET ${what}: ${pos} bytes, expected ${size}`);
  return pos;
}

// ---------------------------------------------------------------------------------------------
// load

interface PhaseResult {
  ops: number; bytes: number; seconds: number; opsPerSec: number; mibPerSec: number;
  p50ms: number; p99ms: number; serverCpuSeconds: number; serverUserSeconds: number; serverSysSeconds: number;
  clientCpuSeconds: number; truncated: boolean;
  /** workerd only: requests that failed (an error status, a reset) and are not counted, and the first reason. */
  failed: number; firstFailure?: string;
  /** Peak RSS of the server (sum over its process tree), sampled every sampleMs. */
  peakRssMiB: number;
}

/** Runs up to `count` ops with `conc` workers, stopping new ops after the phase deadline. */
async function runPhase(srv: Server, count: number, conc: number, op: (j: number, worker: number) => Promise<number>, graceMs = WORKERD_GRACE_MS.small): Promise<PhaseResult> {
  const deadline = performance.now() + (onWorkerd(srv.kind) ? cfg.workerdPhaseSeconds : cfg.phaseSeconds) * 1000;
  const lat: number[] = [];
  let next = 0, bytes = 0, truncated = false, lastDone = 0;
  let failed = 0, firstFailure: string | undefined, fatal: unknown;
  const pids = srv.pids();
  const rss = new RssSampler(srv.memPids(), cfg.sampleMs * 2);
  const cpu0 = cpuTimes(pids);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  let hardStop: ReturnType<typeof setTimeout> | undefined;
  if (onWorkerd(srv.kind)) {
    const ac = (workerdAbort = new AbortController());
    hardStop = setTimeout(() => ac.abort(new Error(`still running ${graceMs / 1000} s after the phase deadline`)), deadline - performance.now() + graceMs);
  }
  try {
    await Promise.all(Array.from({ length: Math.min(conc, count) }, async (_, w) => {
      for (;;) {
        if (next >= count || fatal) return;
        if (performance.now() > deadline) { truncated = true; return; }
        const j = next++;
        const s = performance.now();
        try {
          const n = await op(j, w); // (not `bytes += await …`: that reads `bytes` before awaiting)
          bytes += n;
          lastDone = performance.now();
          lat.push(lastDone - s);
        } catch (e) {
          // The Worker under wrangler dev may refuse or restart (e.g. out of memory): that is a
          // result to report, not a reason to lose the run. Wrong data never is.
          if (!onWorkerd(srv.kind) || e instanceof CheckFailed) { fatal ??= e; throw e; }
          failed++;
          firstFailure ??= e instanceof Error ? e.message.slice(0, 200) : String(e);
        }
      }
    }));
  } finally {
    rss.stop(); // (its timer would keep the process alive)
    clearTimeout(hardStop);
  }
  // With failed requests (workerd), the rate is over the time until the last good one finished:
  // a request aborted long after the others must not dilute it.
  const seconds = ((failed && lastDone ? lastDone : performance.now()) - t0) / 1000;
  const cpu1 = cpuTimes(pids);
  const peakRssMiB = mib(rss.stop().peakSampled);
  const serverUserSeconds = cpu1.user - cpu0.user, serverSysSeconds = cpu1.sys - cpu0.sys;
  const serverCpuSeconds = serverUserSeconds + serverSysSeconds;
  const cu = process.cpuUsage(client0);
  const clientCpuSeconds = (cu.user + cu.system) / 1e6;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN;
  return {
    ops: lat.length, bytes, seconds, opsPerSec: lat.length / seconds, mibPerSec: bytes / MiB / seconds, p50ms: q(0.5), p99ms: q(0.99),
    serverCpuSeconds, serverUserSeconds, serverSysSeconds, clientCpuSeconds, truncated, peakRssMiB, failed, firstFailure,
  };
}

interface Suite { largePut: PhaseResult; largeGet: PhaseResult; smallPut: PhaseResult; smallGet: PhaseResult }

type PhaseName = keyof Suite;
type Name = "bun" | "workerd" | "wbare" | "bare" | "bmd5" | "bfsync";
/** The reference servers run only the phase their goal is about. */
const ONLY: Partial<Record<Name, PhaseName>> = { bmd5: "largePut", bfsync: "smallPut" };
/** Issue 20's goals: s3edge on Bun / the reference, in ops/s. */
const GOALS: Record<PhaseName, { ref: Name; min: number }> = {
  largePut: { ref: "bmd5", min: 1.5 }, largeGet: { ref: "bare", min: 0.85 }, smallPut: { ref: "bfsync", min: 1.0 }, smallGet: { ref: "bare", min: 0.85 },
};
const PHASES: PhaseName[] = ["largePut", "largeGet", "smallPut", "smallGet"];

/** The four phases against one target; phases run in order and share state (what was stored). */
function makeSuite(largeBase: Uint8Array, smallBase: Uint8Array, largeMd5: Map<number, string>, smallMd5: string[]) {
  const large = (j: number) => largeBase.subarray((j % LARGE_VARIANTS) * STEP, (j % LARGE_VARIANTS) * STEP + cfg.largeSize);
  const small = (j: number) => smallBase.subarray(j % SMALL_VARIANTS, (j % SMALL_VARIANTS) + cfg.smallSize);

  return function suite(t: Target, srv: Server) {
    // Large objects: one new key per op (both servers then allocate the same fresh page cache;
    // overwrites would let bare recycle pages at once while s3edge frees old chunks only at GC).
    const content = new Map<string, { j: number; etag: string | null }>();
    let smallStored = 0;
    return {
      /** Untimed: JIT, connections, directories. */
      async warmup() {
        // (One large round trip on workerd, where each takes seconds.)
        for (let i = 0; i < (onWorkerd(t.kind) ? 1 : 2); i++) {
          await t.put(`warm-large-${i}`, large(i), cfg.largeSize);
          await readVerify(await t.get(`warm-large-${i}`), "warm", cfg.largeSize, (p, n) => [large(i).subarray(p, p + n)]);
        }
        const warm = onWorkerd(t.kind) ? Math.min(200, cfg.warmSmallOps) : cfg.warmSmallOps;
        await Promise.all(Array.from({ length: cfg.concurrency }, async (_, w) => {
          for (let i = w; i < warm; i += cfg.concurrency) {
            await t.put(`warm-small-${i}`, small(i), cfg.smallSize);
            await readVerify(await t.get(`warm-small-${i}`), "warm", cfg.smallSize, (p, n) => [small(i).subarray(p, p + n)]);
          }
        }));
      },
      largePut: () => runPhase(srv, cfg.largeOps, cfg.concurrency, async (j, w) => {
        const key = cfg.overwrite ? `large-w${w}` : `large-${j}`;
        const body = large(j);
        const etag = await t.put(key, body, body.length);
        const want = largeMd5.get(j % LARGE_VARIANTS);
        if (etag !== null && want !== undefined && etag !== want) throw new CheckFailed(`PUT ${key}: ETag ${etag}, expected ${want}`);
        content.set(key, { j, etag });
        return body.length;
      }, WORKERD_GRACE_MS.large),
      largeGet: () => {
        const keys = [...content.keys()];
        return runPhase(srv, keys.length ? cfg.largeOps : 0, cfg.concurrency, async (j) => {
          const key = keys[j % keys.length];
          const c = content.get(key)!;
          const res = await t.get(key);
          if (c.etag !== null && (res.headers.get("etag") ?? "").replaceAll('"', "") !== c.etag) throw new CheckFailed(`GET ${key}: ETag ${res.headers.get("etag")}, expected ${c.etag}`);
          const want = large(c.j);
          return readVerify(res, key, want.length, (p, n) => [want.subarray(p, p + n)]);
        }, WORKERD_GRACE_MS.large);
      },
      // Small objects: one key per op.
      smallPut: async () => {
        const r = await runPhase(srv, cfg.smallOps, cfg.concurrency, async (j) => {
          const body = small(j);
          const etag = await t.put(`small-${j}`, body, body.length);
          if (etag !== null && etag !== smallMd5[j % SMALL_VARIANTS]) throw new CheckFailed(`PUT small-${j}: ETag ${etag}, expected ${smallMd5[j % SMALL_VARIANTS]}`);
          return body.length;
        });
        smallStored = r.ops; // keys small-0 … small-(n-1) exist (ops are taken in order and all finish)
        return r;
      },
      smallGet: () => runPhase(srv, Math.min(cfg.smallOps, smallStored), cfg.concurrency, async (j) => {
        const want = small(j);
        return readVerify(await t.get(`small-${j}`), `small-${j}`, want.length, (p, n) => [want.subarray(p, p + n)]);
      }),
    };
  };
}

// ---------------------------------------------------------------------------------------------
// one big streamed object, for peak RSS

const BLOCK = MiB;
function rssBlocks() {
  const base = randomBytes(BLOCK);
  const scratch = new Uint8Array(base);
  let cur = -1;
  // Block b is `base` with its first 8 bytes replaced by b, so no two 8 MiB chunks are equal.
  const stamp = (buf: Uint8Array, b: number) => { new DataView(buf.buffer, buf.byteOffset).setFloat64(0, b); };
  const fresh = (b: number) => { const x = new Uint8Array(base); stamp(x, b); return x; };
  const expect = (pos: number, len: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    while (len > 0) {
      const b = Math.floor(pos / BLOCK), o = pos % BLOCK, n = Math.min(len, BLOCK - o);
      if (b !== cur) { scratch.set(base); stamp(scratch, b); cur = b; }
      out.push(scratch.subarray(o, o + n));
      pos += n; len -= n;
    }
    return out;
  };
  return { fresh, expect };
}

async function rssTest(kind: "s3edge" | "bare", log: (m: string) => void) {
  const dir = join(tmpRoot, `rss-${kind}`);
  const srv = await startServer(`rss-${kind}`, kind, dir);
  try {
    const t = kind === "s3edge" ? s3edgeTarget(srv.base) : bareTarget(srv.base);
    if (kind === "s3edge") await (t as ReturnType<typeof s3edgeTarget>).createBucket();
    await Bun.sleep(500);
    const idle = procStatus(srv.pid).rss;
    const size = cfg.rssSize;
    const { fresh, expect } = rssBlocks();
    const md5 = new Bun.CryptoHasher("md5");
    let sent = 0, b = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= size) { c.close(); return; }
        const blk = fresh(b++);
        const piece = blk.subarray(0, Math.min(BLOCK, size - sent));
        sent += piece.length;
        md5.update(piece);
        c.enqueue(piece);
      },
    }, { highWaterMark: 1 });

    if (cfg.sync) Bun.spawnSync(["sync"]);
    let sampler = new RssSampler([srv.pid], cfg.sampleMs);
    let t0 = performance.now();
    const etag = await t.put("big", body, size);
    const inSec = (performance.now() - t0) / 1000;
    const inPeak = sampler.stop();
    const want = md5.digest("hex");
    if (etag !== null && etag !== want) throw new CheckFailed(`PUT big: ETag ${etag}, expected ${want}`);
    log(`${kind} ${size / MiB} MiB in:  ${mib(inPeak.peak)} MiB peak RSS, ${(size / MiB / inSec).toFixed(0)} MiB/s`);

    await Bun.sleep(500);
    sampler = new RssSampler([srv.pid], cfg.sampleMs);
    t0 = performance.now();
    await readVerify(await t.get("big"), "big", size, expect);
    const outSec = (performance.now() - t0) / 1000;
    const outPeak = sampler.stop();
    log(`${kind} ${size / MiB} MiB out: ${mib(outPeak.peak)} MiB peak RSS, ${(size / MiB / outSec).toFixed(0)} MiB/s`);
    return {
      sizeMiB: size / MiB, idleRssMiB: mib(idle),
      in: { peakRssMiB: mib(inPeak.peak), peakSampledMiB: mib(inPeak.peakSampled), vmHwmMiB: inPeak.hwm && mib(inPeak.hwm), samples: inPeak.samples, seconds: inSec, mibPerSec: size / MiB / inSec },
      out: { peakRssMiB: mib(outPeak.peak), peakSampledMiB: mib(outPeak.peakSampled), vmHwmMiB: outPeak.hwm && mib(outPeak.hwm), samples: outPeak.samples, seconds: outSec, mibPerSec: size / MiB / outSec },
      hwmReset: inPeak.hwmReset,
    };
  } finally {
    await stopServer(srv);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// startup: exec to first answer, idle RSS

/**
 * Spawns `bun src/cli/serve.ts` on a fresh data directory and polls /minio/health/live every
 * 2 ms from the spawn on: the time to the first 200 is what a restart costs before it serves.
 * Idle RSS is read 1 s after that answer.
 */
async function startupTest(log: (m: string) => void, runs = 3) {
  const out: { ms: number; idleRssMiB: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const dir = join(tmpRoot, `startup-${i}`);
    const logFile = join(tmpRoot, `startup-${i}.log`);
    const fd = openSync(logFile, "w");
    const t0 = performance.now();
    const proc = Bun.spawn([BUN, ...bunArgs, join(S3EDGE_REPO, "src/cli/serve.ts"), "--address", `127.0.0.1:${port}`, "--data", dir, "--quiet"], {
      cwd: S3EDGE_REPO, env: { ...process.env, S3EDGE_ROOT_USER: USER, S3EDGE_ROOT_PASSWORD: PASSWORD }, stdout: fd, stderr: fd, stdin: "ignore",
    });
    closeSync(fd);
    const s = track(`startup-${i}`, "s3edge", proc, `http://127.0.0.1:${port}`, logFile);
    try {
      let ms = NaN;
      for (const until = t0 + 30_000; ;) {
        if (proc.exitCode !== null) throw new Error(`s3edge exited (${proc.exitCode}):\n${readFileSync(logFile, "utf8")}`);
        try { if ((await fetch(`${s.base}/minio/health/live`)).status === 200) { ms = performance.now() - t0; break; } } catch {}
        if (performance.now() > until) throw new Error(`s3edge not ready in 30 s:\n${readFileSync(logFile, "utf8")}`);
        await Bun.sleep(2);
      }
      await Bun.sleep(1000);
      out.push({ ms, idleRssMiB: mib(procStatus(proc.pid).rss) });
      log(`startup ${i + 1}: first answer after ${ms.toFixed(0)} ms, idle RSS ${out[i].idleRssMiB} MiB`);
    } finally {
      await stopServer(s);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { runs: out, medianMs: med(out.map((r) => r.ms)), medianIdleRssMiB: med(out.map((r) => r.idleRssMiB)) };
}

// ---------------------------------------------------------------------------------------------
// report

const mib = (n: number) => Math.round((n / MiB) * 10) / 10;
const fmtPhase = (r: PhaseResult) =>
  `${r.ops} ops in ${r.seconds.toFixed(2)} s: ${r.opsPerSec.toFixed(1)} ops/s, ${r.mibPerSec.toFixed(1)} MiB/s, p50 ${r.p50ms.toFixed(1)} ms, p99 ${r.p99ms.toFixed(1)} ms, server CPU ${r.serverCpuSeconds.toFixed(2)} s (${r.serverUserSeconds.toFixed(2)} user), peak RSS ${r.peakRssMiB.toFixed(0)} MiB, client CPU ${r.clientCpuSeconds.toFixed(2)} s${r.truncated ? " (time-bounded)" : ""}${r.failed ? `; ${r.failed} FAILED, first: ${r.firstFailure}` : ""}`;

function pad(cells: string[][]): string {
  const w = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
}

async function main() {
  const started = performance.now();
  const log = (m: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${m}`);
  log(`config ${JSON.stringify({ ...cfg, largeSize: undefined, smallSize: undefined, rssSize: undefined, largeMiB: cfg.largeSize / MiB, smallKiB: cfg.smallSize / 1024, rssMiB: cfg.rssSize / MiB })}`);
  log(`bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs, temp ${tmpRoot}`);

  const largeBase = randomBytes(cfg.largeSize + LARGE_VARIANTS * STEP);
  const smallBase = randomBytes(cfg.smallSize + SMALL_VARIANTS);
  // ETags checked on every small PUT and on a sample of large PUTs (every 16th variant).
  const largeMd5 = new Map<number, string>();
  for (let v = 0; v < LARGE_VARIANTS; v += 16) largeMd5.set(v, md5Hex(largeBase.subarray(v * STEP, v * STEP + cfg.largeSize)));
  const smallMd5 = Array.from({ length: SMALL_VARIANTS }, (_, v) => md5Hex(smallBase.subarray(v, v + cfg.smallSize)));
  const suite = makeSuite(largeBase, smallBase, largeMd5, smallMd5);

  // "bun" is s3edge on Bun (src/cli/serve.ts), "workerd" the same gateway as a Worker under wrangler
  // dev, "wbare" the bare R2 Worker (bench/bare-worker) under wrangler dev, "bare" the bare Bun server.
  // "bmd5" and "bfsync": the bare server with --md5 / --fsync, the references of two goals.
  const names: Name[] = [...(cfg.workerd ? ["bun", "workerd", "wbare", "bare"] as Name[] : ["bun", "bare"] as Name[]), ...(cfg.refs ? ["bmd5", "bfsync"] as Name[] : [])];
  const results: Partial<Record<Name, Suite>> = {};
  if (cfg.throughput) {
    const srv = {} as Record<Name, Server>;
    try {
      await Promise.all(names.map(async (n) => { srv[n] = await startServer(n, n === "bun" ? "s3edge" : n, join(tmpRoot, n)); }));
      log(names.map((n) => `${n} pid ${srv[n].pid} at ${srv[n].base}`).join("; "));
      if (srv.workerd) log(`workerd processes: ${srv.workerd.pids().map((p) => { try { return `${p} ${readFileSync(`/proc/${p}/comm`, "utf8").trim()}`; } catch { return String(p); } }).join(", ")}`);
      const runs = {} as Record<Name, ReturnType<typeof suite>>;
      for (const n of names) {
        const t = n === "bun" || n === "workerd" ? s3edgeTarget(srv[n].base, n === "bun" ? "s3edge" : "workerd") : bareTarget(srv[n].base, n);
        if (n === "bun" || n === "workerd") await (t as ReturnType<typeof s3edgeTarget>).createBucket();
        runs[n] = suite(t, srv[n]);
        results[n] = {} as Suite;
      }
      for (const n of names) await runs[n].warmup();
      log("warm-up done");
      // Each phase runs against every server of a group back to back, so the numbers of a ratio
      // see the same background load (this 2-core machine is shared). The servers on Bun go
      // first, all their phases, then the Workers: after a wrangler dev phase with restarted or
      // aborted requests the bench process stayed slower for a while (the bare server's 64 MiB
      // GETs that followed read 470–900 MiB/s with three times the client CPU, 1,500 MiB/s
      // otherwise), which skewed the bun/bare ratios that the goals read.
      const groups = [names.filter((n) => !onWorkerd(srv[n].kind)), names.filter((n) => onWorkerd(srv[n].kind))];
      for (const group of groups) for (const ph of PHASES) {
        for (const n of group) {
          if (ONLY[n] && ONLY[n] !== ph) continue;
          if (cfg.sync) Bun.spawnSync(["sync"]);
          await Bun.sleep(300);
          const r = await runs[n][ph]();
          results[n]![ph] = r;
          log(`${ph.padEnd(8)} ${n.padEnd(7)} ${fmtPhase(r)}`);
        }
      }
    } finally {
      await Promise.all(Object.values(srv).map((s) => stopServer(s)));
      for (const n of names) rmSync(join(tmpRoot, n), { recursive: true, force: true });
    }
  }

  const startup = cfg.startup ? await startupTest(log) : undefined;
  let rss: { s3edge?: Awaited<ReturnType<typeof rssTest>>; bare?: Awaited<ReturnType<typeof rssTest>> } = {};
  if (cfg.rss) {
    rss.s3edge = await rssTest("s3edge", log);
    if (cfg.rssBare) rss.bare = await rssTest("bare", log);
  }

  const rows: [string, keyof Suite][] = [
    [`PUT ${cfg.largeSize / MiB} MiB`, "largePut"], [`GET ${cfg.largeSize / MiB} MiB`, "largeGet"],
    [`PUT ${cfg.smallSize / 1024} KiB`, "smallPut"], [`GET ${cfg.smallSize / 1024} KiB`, "smallGet"],
  ];
  const per = <T,>(k: keyof Suite, fn: (r: PhaseResult) => T) =>
    Object.fromEntries(names.filter((n) => results[n]?.[k]).map((n) => [n, fn(results[n]![k])])) as Partial<Record<Name, T>>;
  const table = rows.filter(([, k]) => results.bun?.[k] && results.bare?.[k]).map(([label, k]) => {
    const ops = per(k, (r) => r.opsPerSec);
    const g = GOALS[k];
    const ref = results[g.ref]?.[k] ? g.ref : undefined;
    const cpuPerOp = (r: PhaseResult) => r.serverCpuSeconds / r.ops;
    return {
      op: label,
      // s3edge on Bun against this row's reference (ops/s), and the same in server CPU per op (ref ÷ bun:
      // above 1 means s3edge spends less CPU per op; steadier than wall time on a shared machine).
      goal: { text: `>= ${g.min.toFixed(2)}x ${g.ref}`, ref: g.ref, min: g.min, ratio: ref ? ops.bun! / ops[ref]! : undefined,
        cpuRatio: ref ? cpuPerOp(results[ref]![k]) / cpuPerOp(results.bun![k]) : undefined, pass: ref ? ops.bun! / ops[ref]! >= g.min : undefined },
      opsPerSec: ops,
      ratios: {
        bunBare: ops.bun! / ops.bare!,
        workerdBare: ops.workerd !== undefined ? ops.workerd / ops.bare! : undefined,
        workerdBun: ops.workerd !== undefined ? ops.workerd / ops.bun! : undefined,
        workerdWbare: ops.workerd !== undefined && ops.wbare !== undefined ? ops.workerd / ops.wbare : undefined,
      },
      mibPerSec: per(k, (r) => r.mibPerSec),
      cpuSecPerGiB: per(k, (r) => r.serverCpuSeconds / (r.bytes / 1024 ** 3)),
      p99ms: per(k, (r) => r.p99ms),
      peakRssMiB: per(k, (r) => r.peakRssMiB),
      truncated: per(k, (r) => r.truncated),
      failed: per(k, (r) => r.failed),
    };
  });
  const rssPeak = rss.s3edge ? Math.max(rss.s3edge.in.peakRssMiB, rss.s3edge.out.peakRssMiB) : undefined;
  const goals = {
    throughput: Object.fromEntries(table.map((r) => [r.op, r.goal])),
    rss: { goal: "s3edge (Bun) peak RSS < 150 MiB streaming one object in and out", peakMiB: rssPeak, pass: rssPeak === undefined ? undefined : rssPeak < 150 },
    // Issue 20 on Workers: s3edge's CPU per byte under wrangler dev within 1.2x the bare Worker's
    // (4 KiB PUT and GET per request, 64 MiB PUT per MiB of upload).
    workers: Object.fromEntries(table.filter((r) => r.op !== "GET 64 MiB" && r.cpuSecPerGiB.workerd !== undefined && r.cpuSecPerGiB.wbare !== undefined).map((r) => {
      const ratio = r.cpuSecPerGiB.workerd! / r.cpuSecPerGiB.wbare!;
      return [r.op, { goal: "workerd CPU <= 1.2x wbare", max: 1.2, ratio, pass: ratio <= 1.2 }];
    })),
  };

  const f = (n: number | undefined, d = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : "-");
  if (table.length) {
    const w = names.includes("workerd");
    const cols = <T,>(v: Partial<Record<Name, T>>, fmt: (x: T | undefined) => string) => names.map((n) => fmt(v[n]));
    console.log(`\nconcurrency ${cfg.concurrency}; ops/s and MiB/s are client-observed` + (w ? `; workerd phases bounded at ${cfg.workerdPhaseSeconds} s` : "") + "\n");
    console.log(pad([
      ["op", ...names.map((n) => `${n} ops/s`), "bun/bare", "goal", "bun/ref", "met", "CPU ref/bun", ...(w ? ["workerd/bare", "workerd/bun", "workerd/wbare"] : []), ...names.map((n) => `${n} MiB/s`)],
      ...table.map((r) => [r.op, ...cols(r.opsPerSec, (x) => f(x)), f(r.ratios.bunBare, 2), r.goal.text, f(r.goal.ratio, 2), r.goal.pass === undefined ? "-" : r.goal.pass ? "PASS" : "MISS", f(r.goal.cpuRatio, 2),
        ...(w ? [f(r.ratios.workerdBare, 2), f(r.ratios.workerdBun, 3), f(r.ratios.workerdWbare, 2)] : []), ...cols(r.mibPerSec, (x) => f(x))]),
    ]));
    console.log(`(goal: s3edge on Bun against the row's reference in ops/s — bare = bench/bare-server.ts, bmd5 = with --md5, bfsync = with --fsync; ` +
      `CPU ref/bun: the reference's server CPU per op over s3edge's)`);
    console.log(`\nserver cost: CPU = server CPU seconds (user + system, all threads${w ? "; workerd: wrangler and all its processes" : ""}) per GiB moved; ` +
      `peak RSS during the phase${w ? " (workerd: sum over its workerd processes)" : ""}\n`);
    console.log(pad([
      ["op", ...names.map((n) => `${n} CPU s/GiB`), ...names.map((n) => `${n} p99 ms`), ...names.map((n) => `${n} RSS MiB`)],
      ...table.map((r) => [r.op, ...cols(r.cpuSecPerGiB, (x) => f(x, 2)), ...cols(r.p99ms, (x) => f(x)), ...cols(r.peakRssMiB, (x) => f(x, 0))]),
    ]));
  }
  const failures = names.flatMap((n) => PHASES.filter((ph) => results[n]?.[ph]?.failed).map((ph) => `${n} ${ph}: ${results[n]![ph].failed} failed (${results[n]![ph].firstFailure})`));
  if (failures.length) console.log(`\nfailed requests (not counted in ops/s):\n  ${failures.join("\n  ")}`);
  if (rss.s3edge) {
    console.log(`\npeak RSS of s3edge on Bun streaming one ${cfg.rssSize / MiB} MiB object (MiB; max of VmHWM after reset and /proc VmRSS every ${cfg.sampleMs} ms):\n`);
    const r = (x: NonNullable<typeof rss.s3edge>) => [f(x.idleRssMiB), f(x.in.peakRssMiB), f(x.out.peakRssMiB), f(x.in.mibPerSec, 0), f(x.out.mibPerSec, 0)];
    console.log(pad([["server", "idle", "in (PUT)", "out (GET)", "in MiB/s", "out MiB/s"], ["bun", ...r(rss.s3edge)], ...(rss.bare ? [["bare", ...r(rss.bare)]] : [])]));
    if (!rss.s3edge.hwmReset) console.log("(VmHWM could not be reset; peaks are from 50 ms samples only)");
  }
  if (startup) {
    console.log(`\nstartup of s3edge on Bun (fresh data directory, ${startup.runs.length} runs): exec → first answer median ${f(startup.medianMs, 0)} ms ` +
      `(${startup.runs.map((r) => r.ms.toFixed(0)).join(", ")}), idle RSS 1 s later median ${f(startup.medianIdleRssMiB)} MiB`);
  }
  console.log(`\ngoals (s3edge on Bun): ` + table.map((r) => `${r.op} ${r.goal.pass === undefined ? "-" : r.goal.pass ? "PASS" : "MISS"} (${f(r.goal.ratio, 2)} ${r.goal.text})`).join("; ") +
    (rssPeak === undefined ? "" : `; RSS ${goals.rss.pass ? "PASS" : "MISS"} (${f(rssPeak)} MiB, goal < 150)`));
  const wg = Object.entries(goals.workers);
  if (wg.length) console.log(`goals (s3edge on workerd, server CPU per byte over the bare Worker's, goal <= 1.20): ` + wg.map(([op, g]) => `${op} ${g.pass ? "PASS" : "MISS"} (${f(g.ratio, 2)})`).join("; "));

  const git = (args: string[]) => { try { return Bun.spawnSync(["git", ...args], { cwd: ROOT }).stdout.toString().trim(); } catch { return ""; } };
  const json = {
    date: new Date().toISOString(), commit: git(["rev-parse", "--short", "HEAD"]), dirtySrc: git(["status", "--porcelain", "src"]) !== "", bun: Bun.version, cpus: navigator.hardwareConcurrency, config: { ...cfg, out: undefined },
    servers: names, table, goals, rss, startup, phases: results, totalSeconds: (performance.now() - started) / 1000,
  };
  mkdirSync(dirname(cfg.out), { recursive: true });
  writeFileSync(cfg.out, JSON.stringify(json, null, 2) + "\n");
  log(`wrote ${cfg.out}`);
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  for (const s of servers) { try { console.error(`--- ${s.name} log:\n${readFileSync(s.log, "utf8").slice(-4000)}`); } catch {} }
  process.exitCode = 1;
} finally {
  for (const s of [...servers]) await stopServer(s);
  cleanupSync();
}
