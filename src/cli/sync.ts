// `bun run sync -- --config sync.json`: mirror a bucket into local directories (and/or another
// S3 endpoint) from the gateway's SQS queue, a Redis list or its listen stream (docs/sync.md).
//   --resync        reconcile once and exit
//   --once          reconcile, apply what the queue holds, exit
//   --no-resync     skip the start-up reconciliation
//   --no-delete     never delete local files the bucket no longer has (resync)
//   --concurrency N parallel transfers (default: the config's, else 8)
//   --quiet         only the summary and warnings
// SIGTERM/SIGINT: stop receiving, finish the files in flight, acknowledge them, print the summary.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseSyncConfig, SyncConfigError, type SyncConfig } from "../sync/config.ts";
import { createSyncEngine, type SyncStats } from "../sync/engine.ts";
import { createLocalSink, createS3Sink, type Sink } from "../sync/sinks.ts";
import { createS3Client, createSqsClient } from "../sync/s3-client.ts";
import { runListen, runQueue } from "../sync/runner.ts";
import { runRedisList } from "../sync/redis-source.ts";
import { createRedisList } from "./sync-redis.ts";
import { createNodeFs } from "./sync-fs.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    config: { type: "string", short: "c" },
    resync: { type: "boolean", default: false },
    once: { type: "boolean", default: false },
    "no-resync": { type: "boolean", default: false },
    "no-delete": { type: "boolean", default: false },
    concurrency: { type: "string" },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (values.help || !values.config) {
  console.error("usage: bun run sync -- --config sync.json [--resync | --once] [--no-resync] [--no-delete] [--concurrency N] [--quiet]");
  process.exit(values.help ? 0 : 2);
}

const configPath = resolve(values.config);
let config: SyncConfig;
try {
  config = parseSyncConfig(JSON.parse(readFileSync(configPath, "utf8")), (d) => resolve(dirname(configPath), d));
} catch (e) {
  console.error(`sync: ${configPath}: ${e instanceof SyncConfigError || e instanceof SyntaxError ? e.message : String(e)}`);
  process.exit(2);
}
const concurrency = values.concurrency ? Number(values.concurrency) : config.concurrency;
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error("sync: --concurrency must be a whole number above 0");
  process.exit(2);
}

const log = {
  info: (m: string) => { if (!values.quiet) console.error(m); },
  warn: (m: string) => console.error(`warn: ${m}`),
};
const source = createS3Client(config);
const sinks: Sink[] = [];
if (config.mappings.length) sinks.push(createLocalSink(config.mappings, createNodeFs(), log.info));
if (config.target) {
  sinks.push(createS3Sink(createS3Client(config.target), { prefixes: config.prefixes ?? [""], targetPrefix: config.target.prefix }));
}
const engine = createSyncEngine({ source, sinks, concurrency, log });

const started = Date.now();
const tty = process.stderr.isTTY;
const line = (s: SyncStats) => {
  const secs = Math.max(0.001, (Date.now() - started) / 1000);
  return `${s.files} files, ${(s.bytes / 1048576).toFixed(1)} MiB (${(s.files / secs).toFixed(1)} files/s, ${(s.bytes / 1048576 / secs).toFixed(1)} MiB/s), `
    + `${s.deleted} deleted, ${s.unchanged} unchanged, ${s.dirs} dirs, ${s.skipped} unmapped, ${s.refused} refused, ${s.stale} stale, ${s.failed} failed`;
};
let lastDraw = 0;
const progress = (force = false) => {
  if (values.quiet) return;
  const now = Date.now();
  if (!force && now - lastDraw < (tty ? 200 : 5000)) return;
  lastDraw = now;
  process.stderr.write(tty ? `\r\x1b[2K${line(engine.stats)}` : `${line(engine.stats)}\n`);
};
const ticker = setInterval(progress, tty ? 200 : 5000);

const stop = new AbortController();
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.on(sig, () => {
    if (stop.signal.aborted) process.exit(130);
    log.info(`\n${sig}: finishing the files in flight`);
    stop.abort();
  });
}

async function main() {
  const resync = async () => {
    log.info(`resync of ${config.bucket} (${sinks.map((s) => s.prefixes().map((p) => p || "(all)").join(", ")).join("; ")})`);
    await engine.resync({ keepExtras: values["no-delete"] });
  };
  if (!values["no-resync"] || values.resync) await resync();
  if (!values.resync && !stop.signal.aborted) {
    const opts = { bucket: config.bucket, log, signal: stop.signal, once: values.once, visibilitySeconds: config.visibilityTimeout, onBatch: () => progress() };
    if (config.queue) await runQueue(engine, createSqsClient(config, config.queue), opts);
    else if (config.redis) {
      const list = createRedisList(config.redis.url);
      try {
        await runRedisList(engine, list, { ...opts, key: config.redis.key, processing: config.redis.processingKey ?? `${config.redis.key}:processing`, batch: concurrency * 2 });
        await engine.idle();
      } finally {
        list.close();
      }
    }
    else if (!values.once) await runListen(engine, source, { ...opts, resync });
  }
  await engine.idle();
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`\nsync: ${e instanceof Error ? e.message : String(e)}`);
  code = 1;
}
clearInterval(ticker);
if (tty && !values.quiet) process.stderr.write("\r\x1b[2K");
console.log(`sync ${code ? "stopped" : "done"} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${line(engine.stats)}`);
process.exit(code || (engine.stats.failed ? 1 : 0));
