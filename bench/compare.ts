// Small-op CPU of two builds of s3edge on Bun, side by side in one run: "is this change slower?"
//
//   bun bench/compare.ts [--base REV] [--head REV|.] [--rounds 8] [--ops 2000] [--concurrency 16]
//
// REV is anything git names (a commit, a tag, HEAD~3); `.` (the default for --head) is the working
// tree. Each REV other than `.` is checked out into a temporary worktree (node_modules linked),
// removed at the end. Both gateways run at once, on free 127.0.0.1 ports with fresh data
// directories; rounds alternate which goes first, and each phase (4 KiB GET of 500 keys, 4 KiB PUT
// of new keys) is measured as the server process's CPU time per op (/proc/PID/stat: user + system),
// so background load shifts both sides alike. Printed: the medians, their ratio (head/base; above
// 1 is slower), and the per-round ratios, whose spread is the run's noise.
import { AwsClient } from "aws4fetch";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMs, REPO as ROOT, ROOT_CREDENTIALS, startGateway, type BenchGateway } from "./gateway.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const base = arg("base", "HEAD");
const head = arg("head", ".");
const rounds = Number(arg("rounds", "8"));
const ops = Number(arg("ops", "2000"));
const concurrency = Number(arg("concurrency", "16"));
const client = new AwsClient({ ...ROOT_CREDENTIALS, service: "s3", region: "us-east-1" });
const body = new Uint8Array(4096).fill(7);
const cleanups: (() => void)[] = [];

function git(args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd: ROOT });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString().trim();
}

/** A directory holding REV's sources: the working tree itself for ".". */
function checkout(rev: string): string {
  if (rev === ".") return ROOT;
  const dir = mkdtempSync(join(tmpdir(), "s3edge-compare-"));
  git(["worktree", "add", "--detach", dir, git(["rev-parse", "--verify", `${rev}^{commit}`])]);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  cleanups.push(() => { git(["worktree", "remove", "--force", dir]); });
  return dir;
}

interface Gateway { name: string; gw: BenchGateway; next: number }

async function start(name: string, dir: string): Promise<Gateway> {
  const gw = await startGateway({ repo: dir });
  cleanups.push(() => { void gw.stop(); });
  const made = await client.fetch(`${gw.url}/bench`, { method: "PUT" });
  if (!made.ok) throw new Error(`${name}: CreateBucket ${made.status}`);
  await Promise.all(Array.from({ length: 500 }, (_, i) => client.fetch(`${gw.url}/bench/g${i}`, { method: "PUT", body }).then((r) => r.arrayBuffer())));
  return { name, gw, next: 0 };
}

async function phase(g: Gateway, op: "GET" | "PUT"): Promise<number> {
  let i = 0;
  const c0 = cpuMs(g.gw.proc.pid);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < ops) {
      const n = i++;
      const r = op === "GET" ? await client.fetch(`${g.gw.url}/bench/g${n % 500}`)
        : await client.fetch(`${g.gw.url}/bench/p${g.next++}`, { method: "PUT", body });
      if (!r.ok) throw new Error(`${g.name} ${op} ${r.status}`);
      await r.arrayBuffer();
    }
  }));
  return ((cpuMs(g.gw.proc.pid) - c0) * 1000) / ops;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

try {
  const a = await start(`base ${base}`, checkout(base));
  const b = await start(`head ${head}`, checkout(head));
  for (const op of ["GET", "PUT"] as const) { await phase(a, op); await phase(b, op); } // warm-up (JIT)
  const got: Record<string, { a: number[]; b: number[] }> = { GET: { a: [], b: [] }, PUT: { a: [], b: [] } };
  for (let r = 0; r < rounds; r++) {
    for (const op of ["GET", "PUT"] as const) {
      if (r % 2) { got[op]!.a.push(await phase(a, op)); got[op]!.b.push(await phase(b, op)); }
      else { got[op]!.b.push(await phase(b, op)); got[op]!.a.push(await phase(a, op)); }
    }
  }
  console.log(`server CPU per 4 KiB op (µs), median of ${rounds} rounds of ${ops} ops at concurrency ${concurrency}`);
  for (const op of ["GET", "PUT"] as const) {
    const { a: xa, b: xb } = got[op]!;
    console.log(`${op}  base ${median(xa).toFixed(0).padStart(5)}  head ${median(xb).toFixed(0).padStart(5)}  head/base ${(median(xb) / median(xa)).toFixed(3)}` +
      `   per round: ${xa.map((x, i) => (xb[i]! / x).toFixed(2)).join(" ")}`);
  }
} finally {
  for (const c of cleanups.reverse()) { try { c(); } catch { /* best effort */ } }
}
