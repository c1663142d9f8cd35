// `bun run scrub -- [--data DIR] [--quarantine]`: reads every chunk of the embedded store and
// checks its size and SHA-256 (src/store/scrub.ts). Exit 0: clean; 1: damaged chunks found;
// 2: bad arguments or no store. Safe beside a running server (SQLite WAL; reads only, but for
// --quarantine, which moves bad blob files into <data>/chunks/.quarantine/).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../deps.ts";
import { createSqlMetaStore } from "../store/sql/meta-store.ts";
import { scrubStore, type BadChunk } from "../store/scrub.ts";
import { createFsBlobStore } from "../runtime/bun/fs-blob-store.ts";
import { createBunSqliteDriver } from "../runtime/bun/sqlite-driver.ts";
import { bunHasher } from "../runtime/bun/hasher.ts";

const USAGE = "usage: bun src/cli/scrub.ts [--data DIR] [--quarantine] [--concurrency N]";

function parseArgs(argv: string[], env: Record<string, string | undefined>) {
  let dataDir = env.S3EDGE_DATA_DIR ?? "./data";
  let quarantine = false;
  let concurrency = 2;
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === "--data") dataDir = value();
    else if (name === "--quarantine") quarantine = true;
    else if (name === "--concurrency") {
      concurrency = Number(value());
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("--concurrency must be a positive integer");
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  return { dataDir, quarantine, concurrency };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function describe(b: BadChunk): string {
  const lines = [`${b.problem} chunk ${b.hash} (blob ${b.blob}, ${b.size} bytes): ${b.detail}${b.quarantined ? "; quarantined" : ""}`];
  lines.push(b.refs.length ? `  referenced by: ${b.refs.join(", ")}` : "  referenced by no object or upload part");
  return lines.join("\n");
}

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2), process.env);
} catch (e) {
  console.error(`s3edge scrub: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  process.exit(2);
}
const metaPath = join(args.dataDir, "meta.sqlite");
if (!existsSync(metaPath)) {
  console.error(`s3edge scrub: no store in ${args.dataDir} (${metaPath} not found)`);
  process.exit(2);
}

const log: Logger = {
  info: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
  warn: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
  error: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
};
const driver = createBunSqliteDriver(metaPath);
const blobs = createFsBlobStore(join(args.dataDir, "chunks"));
const started = performance.now();
const report = await scrubStore(
  { meta: createSqlMetaStore(driver, { now: () => Date.now() }), blobs, hasher: bunHasher, log },
  { concurrency: args.concurrency, quarantine: args.quarantine ? (blob) => blobs.quarantine(blob) : undefined },
);
driver.close();

for (const b of report.bad) console.log(describe(b));
const quarantined = report.bad.filter((b) => b.quarantined).length;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `scrub: ${report.chunks} chunks (${mib(report.bytes)}) checked in ${seconds} s: ${report.bad.length ? `${report.bad.length} bad` : "all good"}` +
    (args.quarantine && report.bad.length ? `, ${quarantined} quarantined in ${join(args.dataDir, "chunks", ".quarantine")}` : ""),
);
if (report.bad.length) {
  // Until its row is collected, an upload of the same bytes would dedup onto the bad chunk.
  console.log("  to repair: delete the objects listed, and upload them again after the next garbage collection");
}
process.exit(report.bad.length ? 1 : 0);
