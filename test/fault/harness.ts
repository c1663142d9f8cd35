// The fault harness's common parts (issue 10, "Keep it proven"): the real gateway as a child
// process (restartable on one data dir, killable by signal), signed requests through aws4fetch,
// a raw HTTP/1.1 client for what fetch would normalise, a seeded PRNG, and a read-only look at
// a stopped store. S3EDGE_FAULT_HEAVY=1 selects the heavier settings of each test.
import { Database } from "bun:sqlite";
import { AwsClient } from "aws4fetch";
import { connect } from "node:net";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const HEAVY = process.env.S3EDGE_FAULT_HEAVY === "1";
export const REPO_ROOT = resolve(import.meta.dir, "../..");
const BUN = join(REPO_ROOT, "node_modules/.bin/bun");

export const CREDS = { accessKeyId: "faultadmin", secretAccessKey: "faultsecret12345" };
export const REGION = "us-east-1";

// ---- seeded randomness ------------------------------------------------------------------

export interface Rng { next(): number; int(n: number): number; pick<T>(a: readonly T[]): T; chance(p: number): boolean; bytes(n: number): Uint8Array<ArrayBuffer> }

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next, int,
    pick: (a) => a[int(a.length)],
    chance: (p) => next() < p,
    bytes(n) {
      const out = new Uint8Array(n);
      const view = new DataView(out.buffer);
      let i = 0;
      for (; i + 4 <= n; i += 4) view.setUint32(i, (next() * 4294967296) >>> 0);
      for (; i < n; i++) out[i] = int(256);
      return out;
    },
  };
}

export const md5Hex = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");

// ---- the gateway process ---------------------------------------------------------------

export interface Gateway {
  url: string; host: string; port: number; pid: number; dataDir: string;
  /** Last output lines (for failure messages). */
  logs(): string;
  /** Every line of output so far (bounded). */
  allLogs(): string;
  alive(): boolean;
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export async function startGateway(opts: { dataDir: string; env?: Record<string, string>; ulimitNofile?: number; cwd?: string; args?: string[] }): Promise<Gateway> {
  const argv = [BUN, join(REPO_ROOT, "src/cli/serve.ts"), "--address", "127.0.0.1:0", "--data", opts.dataDir, ...(opts.args ?? [])];
  // `ulimit -n` in a shell that then execs bun: the limit is the child's alone, and its pid is bun's.
  const cmd = opts.ulimitNofile ? ["bash", "-c", `ulimit -n ${opts.ulimitNofile} && exec "$@"`, "bash", ...argv] : argv;
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: {
      ...process.env,
      S3EDGE_ROOT_USER: CREDS.accessKeyId,
      S3EDGE_ROOT_PASSWORD: CREDS.secretAccessKey,
      S3EDGE_GC_INTERVAL_MS: "500",
      ...opts.env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let log = "";
  let exitCode: number | undefined;
  const exited = proc.exited.then((c) => { exitCode = c; return c; });
  let seen: (u: string) => void;
  const urlSeen = new Promise<string>((r) => (seen = r));
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      log += dec.decode(chunk, { stream: true });
      if (log.length > 2_000_000) log = log.slice(-1_000_000);
      const m = /s3edge listening on (http:\/\/\S+)/.exec(log);
      if (m) seen(m[1]);
    }
  };
  drain(proc.stdout).catch(() => {});
  drain(proc.stderr).catch(() => {});
  const url = await Promise.race([
    urlSeen,
    exited.then((c) => { throw new Error(`gateway exited with ${c} before listening:\n${log.slice(-3000)}`); }),
    Bun.sleep(30_000).then(() => { throw new Error(`gateway did not start in 30 s:\n${log.slice(-3000)}`); }),
  ]);
  const u = new URL(url);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/minio/health/live`, { signal: AbortSignal.timeout(2000) })).status === 200) break;
    } catch {}
    if (i > 100) throw new Error(`health check never answered 200:\n${log.slice(-3000)}`);
    await Bun.sleep(50);
  }
  const gw: Gateway = {
    url, host: u.hostname, port: Number(u.port), pid: proc.pid, dataDir: opts.dataDir,
    logs: () => log.slice(-4000),
    allLogs: () => log,
    alive: () => exitCode === undefined,
    exited,
    async kill(signal = "SIGKILL") {
      if (exitCode !== undefined) return;
      proc.kill(signal);
      await exited;
    },
    async stop() {
      if (exitCode !== undefined) return;
      proc.kill("SIGTERM");
      const done = await Promise.race([exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!done) { proc.kill("SIGKILL"); await exited; }
    },
  };
  return gw;
}

// ---- signed requests --------------------------------------------------------------------

export const signer = new AwsClient({ ...CREDS, service: "s3", region: REGION, retries: 0 });

export interface Answer { status: number; headers: Headers; bytes: Uint8Array; text: string; ms: number }

/** A SigV4-signed request (aws4fetch); throws on a network error or after `timeoutMs`. */
export async function s3(gw: Pick<Gateway, "url">, method: string, path: string, opts: { body?: Uint8Array | string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  const t0 = performance.now();
  const res = await signer.fetch(`${gw.url}${path}`, {
    method, body: opts.body as BodyInit | undefined, headers: opts.headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes), ms: performance.now() - t0 };
}

export const xmlCode = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? "";
export const xmlMessage = (text: string) => /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? "";

/** Creates a bucket (200, or already ours). */
export async function createBucket(gw: Pick<Gateway, "url">, name: string) {
  const r = await s3(gw, "PUT", `/${name}`);
  if (r.status !== 200 && xmlCode(r.text) !== "BucketAlreadyOwnedByYou") throw new Error(`create bucket ${name}: ${r.status} ${r.text}`);
}

// ---- raw HTTP/1.1 -----------------------------------------------------------------------

export interface RawAnswer { status: number; headers: Record<string, string>; body: Uint8Array; text: string; closed: boolean; timedOut: boolean }

/**
 * Sends `head` (and `body`) on a fresh connection exactly as given and reads one response
 * (Content-Length, chunked, or to the close). `timedOut` when nothing complete came in time.
 */
export function rawRequest(host: string, port: number, head: string, body?: Uint8Array | string, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (a: Partial<RawAnswer>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const parsed = parse(buf);
      resolve({ status: parsed?.status ?? 0, headers: parsed?.headers ?? {}, body: parsed?.body ?? new Uint8Array(), text: new TextDecoder().decode(parsed?.body ?? new Uint8Array()), closed: false, timedOut: false, ...a });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    sock.on("connect", () => {
      sock.write(head);
      if (body !== undefined && body.length) sock.write(body);
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const p = parse(buf);
      if (p?.complete) finish({});
    });
    sock.on("error", () => finish({ closed: true }));
    sock.on("close", () => finish({ closed: true }));
  });
}

function parse(buf: Buffer): { status: number; headers: Record<string, string>; body: Uint8Array; complete: boolean } | null {
  let start = 0;
  for (;;) {
    const end = buf.indexOf("\r\n\r\n", start);
    if (end < 0) return null;
    const head = buf.subarray(start, end).toString("latin1");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    if (status >= 100 && status < 200) { start = end + 4; continue; } // 100 Continue
    const headers: Record<string, string> = {};
    for (const line of head.split("\r\n").slice(1)) {
      const i = line.indexOf(":");
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const rest = buf.subarray(end + 4);
    if (headers["content-length"] !== undefined) {
      const n = Number(headers["content-length"]);
      return { status, headers, body: rest.subarray(0, n), complete: rest.length >= n };
    }
    if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
      const parts: Buffer[] = [];
      let off = 0;
      for (;;) {
        const le = rest.indexOf("\r\n", off);
        if (le < 0) return { status, headers, body: Buffer.concat(parts), complete: false };
        const size = parseInt(rest.subarray(off, le).toString("latin1"), 16);
        if (!size) return { status, headers, body: Buffer.concat(parts), complete: true };
        if (rest.length < le + 2 + size + 2) return { status, headers, body: Buffer.concat(parts), complete: false };
        parts.push(rest.subarray(le + 2, le + 2 + size));
        off = le + 2 + size + 2;
      }
    }
    return { status, headers, body: rest, complete: false }; // to the close
  }
}

// ---- the store at rest ------------------------------------------------------------------

export interface StoreReport {
  chunkRows: number;
  blobFiles: number;
  /** Blob files no chunk row names. */
  orphans: number;
  orphanBytes: number;
  /** Referenced chunk rows whose blob file is missing or of the wrong size (0-byte blobs behind rows). */
  damaged: string[];
  /** Files left in chunks/.tmp. */
  temps: number;
}

/** Inspects a stopped gateway's data dir: meta.sqlite read-only, chunks/ walked. */
export function inspectStore(dataDir: string): StoreReport {
  const db = new Database(join(dataDir, "meta.sqlite"), { readonly: true });
  let rows: { blob: string; size: number; refs: number }[];
  try {
    rows = db.query("SELECT blob, size, refs FROM chunks").all() as typeof rows;
  } finally {
    db.close();
  }
  const root = join(dataDir, "chunks");
  const files = new Map<string, number>();
  if (existsSync(root)) {
    for (const d of readdirSync(root)) {
      if (d.startsWith(".")) continue;
      for (const f of readdirSync(join(root, d))) files.set(f, statSync(join(root, d, f)).size);
    }
  }
  const named = new Set(rows.map((r) => r.blob));
  let orphans = 0;
  let orphanBytes = 0;
  for (const [f, size] of files) if (!named.has(f)) { orphans++; orphanBytes += size; }
  const damaged = rows.filter((r) => r.refs > 0 && files.get(r.blob) !== r.size).map((r) => `${r.blob}: ${files.get(r.blob) ?? "missing"} of ${r.size}`);
  const tmp = join(root, ".tmp");
  const temps = existsSync(tmp) ? readdirSync(tmp).length : 0;
  return { chunkRows: rows.length, blobFiles: files.size, orphans, orphanBytes, damaged, temps };
}

/** Lists every key of a bucket (ListObjectsV2, all pages). */
export async function listKeys(gw: Pick<Gateway, "url">, bucket: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  for (;;) {
    const q = `?list-type=2&max-keys=1000${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`;
    const r = await s3(gw, "GET", `/${bucket}${q}`);
    if (r.status !== 200) throw new Error(`list ${bucket}: ${r.status} ${r.text.slice(0, 300)}`);
    for (const m of r.text.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = /<Key>([^<]*)<\/Key>/.exec(m[1])![1].replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'");
      out.set(key, (/<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1] ?? "").replace(/&quot;|"/g, ""));
    }
    token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(r.text)?.[1];
    if (!/<IsTruncated>true<\/IsTruncated>/.test(r.text) || !token) return out;
  }
}

/** A line for the report: printed, so CI logs carry the numbers. */
export function report(name: string, fields: Record<string, unknown>) {
  console.log(`[fault] ${name}: ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ")}`);
}
