// Resync throughput of `bun run sync` against `aws s3 sync` of the same tree, in one run (issue 16
// "Benchmark", goal ≥ 1×): N small files, then M large ones, each downloaded from a fresh s3edge
// (Bun) into an empty directory by both tools in turn; files/s and MiB/s of each, and the ratio.
//
//   bun bench/sync.ts [--small 10000] [--small-kib 4] [--large 20] [--large-mib 64] [--concurrency 16]
import { AwsClient } from "aws4fetch";
import { must, startGateway } from "./gateway.ts";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT_DIR = resolve(import.meta.dir, "..");
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`] ?? def);
};
const SMALL = arg("small", 10_000), SMALL_KIB = arg("small-kib", 4), LARGE = arg("large", 20), LARGE_MIB = arg("large-mib", 64), CONC = arg("concurrency", 16);
const ROOT = { accessKeyId: "admin", secretAccessKey: "secret12345" };
const MiB = 1024 * 1024;

function count(dir: string): { files: number; bytes: number } {
  let files = 0, bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return { files, bytes };
}

async function timed(argv: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(argv, { cwd: ROOT_DIR, env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} exited ${code}: ${err.slice(-2000)}`);
  return (performance.now() - t0) / 1000;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "s3edge-syncbench-"));
  const gw = await startGateway({ dataDir: join(work, "data") });
  const base = gw.url;
  const awsEnv = {
    AWS_ACCESS_KEY_ID: ROOT.accessKeyId, AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(work, "aws-config"), AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
  };
  // The aws cli's own parallelism, set to the daemon's.
  writeFileSync(awsEnv.AWS_CONFIG_FILE, `[default]\ns3 =\n  max_concurrent_requests = ${CONC}\n`);
  try {
    const c = new AwsClient({ ...ROOT, service: "s3", region: "us-east-1" });
    await must(c.fetch(`${base}/bench`, { method: "PUT" }), "create bucket");
    const results: Record<string, unknown>[] = [];
    for (const [name, n, size] of [["small", SMALL, SMALL_KIB * 1024], ["large", LARGE, LARGE_MIB * MiB]] as const) {
      if (n === 0) continue;
      const body = new Uint8Array(size).map((_, i) => (i * 131 + n) & 255);
      let next = 0;
      await Promise.all(Array.from({ length: CONC }, async () => {
        for (let j = next++; j < n; j = next++) {
          // Distinct content per key (no dedup shortcut on either side).
          const b = body.slice();
          new DataView(b.buffer).setUint32(0, j);
          await must(c.fetch(`${base}/bench/${name}/${j % 100}/f${j}`, { method: "PUT", body: b }), "seed");
        }
      }));
      const config = join(work, `${name}.json`);
      const ours = join(work, `${name}-sync`), theirs = join(work, `${name}-aws`);
      writeFileSync(config, JSON.stringify({ endpoint: base, ...{ accessKey: ROOT.accessKeyId, secretKey: ROOT.secretAccessKey }, bucket: "bench", sync: { [`${name}/`]: ours }, concurrency: CONC }));
      const tSync = await timed([process.execPath, "src/cli/sync.ts", "--config", config, "--resync", "--quiet"], {});
      const tAws = await timed(["aws", "--endpoint-url", base, "s3", "sync", `s3://bench/${name}/`, theirs, "--only-show-errors"], awsEnv);
      const a = count(ours), b = count(theirs);
      if (a.files !== n || b.files !== n) throw new Error(`${name}: ${a.files} / ${b.files} files, expected ${n}`);
      const row = {
        tree: `${n} × ${size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`}`,
        sync: { seconds: +tSync.toFixed(2), filesPerSec: +(n / tSync).toFixed(1), mibPerSec: +(a.bytes / MiB / tSync).toFixed(1) },
        awsS3Sync: { seconds: +tAws.toFixed(2), filesPerSec: +(n / tAws).toFixed(1), mibPerSec: +(b.bytes / MiB / tAws).toFixed(1) },
        ratio: +(tAws / tSync).toFixed(2),
      };
      results.push(row);
      console.log(JSON.stringify(row));
      rmSync(ours, { recursive: true, force: true });
      rmSync(theirs, { recursive: true, force: true });
    }
  } finally {
    await gw.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
