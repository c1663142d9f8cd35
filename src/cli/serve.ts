// `bun run dev`: the gateway on Bun with the embedded default store.
import { createApp } from "../app.ts";
import { consoleLogger, createBunDeps } from "../runtime/bun/deps.ts";
import { blobStoreOrExit, metaStoreOrExit, serveOptionsOrExit } from "./options.ts";
import { serveHttp } from "../runtime/bun/http-server.ts";
import { withRequestInfo } from "../http/request-info.ts";
import { startLifecycleTimer } from "../runtime/bun/lifecycle-timer.ts";
import cluster from "node:cluster";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { superviseWorkers, type ListeningMessage } from "./supervisor.ts";
import { startLeaderLease } from "../runtime/bun/leader-lease.ts";
import { createClusterListen } from "../runtime/bun/cluster-listen.ts";

const opts = serveOptionsOrExit(process.argv.slice(2), process.env);
// --workers N: this process supervises N children running this file (supervisor.ts) and serves nothing.
if (opts.workers > 1 && cluster.isPrimary) {
  cluster.setupPrimary({ exec: import.meta.path, args: process.argv.slice(2) });
  await superviseWorkers({ hostname: opts.hostname, port: opts.port, workers: opts.workers, onReady(port) {
    const endpoint = `http://${opts.hostname}:${port}`;
    console.log(`s3edge listening on ${endpoint} (${opts.workers} workers, data: ${opts.dataDir})`);
    console.log(`  aws --endpoint-url ${endpoint} s3 ls`);
  } });
  await new Promise<never>(() => {}); // supervisor.ts exits once the children are done
}
// A child of --workers: its id names it in answers (x-s3edge-worker), one elected child runs GC,
// the lifecycle sweep and the event drain (leader-lease.ts).
const worker = cluster.isWorker ? { id: process.env.S3EDGE_WORKER_ID ?? "?", port: Number(process.env.S3EDGE_WORKER_PORT), bootedAt: Number(process.env.S3EDGE_BOOTED_AT) } : undefined;
if (worker) mkdirSync(opts.dataDir, { recursive: true });
const lease = worker ? startLeaderLease(join(opts.dataDir, "leader.sqlite")) : undefined;
const listen = worker ? createClusterListen((m) => process.send?.(m)) : undefined;
if (listen) process.on("message", listen.receive);
const blobs = await blobStoreOrExit(opts.blobs);
// On PostgreSQL one node of all runs GC, lifecycle sweeps and the event drain (with --workers: one of this host's elected children).
const meta = await metaStoreOrExit(opts.meta, { eligible: lease?.isLeader });
const deps = createBunDeps({ dataDir: opts.dataDir, config: opts.config, fsync: opts.fsync, log: consoleLogger(opts.quiet), gcIntervalMs: Number(process.env.S3EDGE_GC_INTERVAL_MS ?? 30_000), blobs, meta,
  shared: worker && lease ? { bootedAt: worker.bootedAt, isLeader: lease.isLeader, listen } : undefined,
  md5Workers: process.env.S3EDGE_MD5_WORKERS === undefined ? undefined : Number(process.env.S3EDGE_MD5_WORKERS) });
const app = createApp(deps);
// Bucket lifecycle rules: a sweep soon after start, then every S3EDGE_LIFECYCLE_INTERVAL (default 1h).
const lifecycle = startLifecycleTimer(deps, { active: meta ? meta.isLeader : lease?.isLeader });

const tag = (r: Response) => { try { r.headers.set("x-s3edge-worker", worker!.id); } catch {} return r; }; // immutable headers: untagged
const server = await serveHttp(worker ? async (req, info) => tag(await app.fetch(req, withRequestInfo(info))) : (req, info) => app.fetch(req, withRequestInfo(info)),
  { hostname: opts.hostname, port: worker ? worker.port : opts.port, reusePort: worker !== undefined, engine: opts.http });
if (worker) {
  process.send?.({ s3edge: "listening", id: worker.id, pid: process.pid } satisfies ListeningMessage);
  if (!opts.quiet) console.log(`s3edge worker ${worker.id} (pid ${process.pid}) listening`);
}

const endpoint = `http://${server.hostname}:${server.port}`;
if (opts.defaultCredentials && (!worker || worker.id === "1")) { // said once, by worker 1
  console.warn(`WARNING: S3EDGE_ROOT_USER/S3EDGE_ROOT_PASSWORD not set; using default credentials ${deps.config.rootUser}:${deps.config.rootPassword}. Set them for anything but local testing.`);
}
if (!opts.fsync) console.warn("WARNING: --fsync=off: acknowledged writes may be lost on power failure. Use it only for throwaway data.");
if (!worker) console.log(`s3edge listening on ${endpoint} (data: ${opts.dataDir}${opts.blobs.kind === "s3" ? `, blobs: ${opts.blobs.display}` : ""}${opts.meta.kind === "postgres" ? `, meta: ${opts.meta.display}` : ""})`);
if (!worker) console.log(`  aws --endpoint-url ${endpoint} s3 ls`);

// SIGTERM (a load balancer's node rotation): finish the requests in flight, bounded, then stop.
const drainMs = Number(process.env.S3EDGE_SHUTDOWN_TIMEOUT_MS ?? 10_000);
let stopping = false;
let stoppingAt = 0;
const stop = async () => {
  // A second signal: stop waiting. (A child of --workers may get one signal from the terminal and
  // the one its supervisor forwards at the same moment: only a later one counts.)
  if (stopping) { if (!worker || Date.now() - stoppingAt > 1_000) process.exit(1); return; }
  stoppingAt = Date.now();
  stopping = true;
  if (!(await server.drain(drainMs))) console.warn(`s3edge: requests still running after ${drainMs} ms were cut off`);
  await lifecycle.stop();
  await deps.close();
  lease?.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// The supervisor is gone (killed): a child must not serve on without it.
if (worker) process.on("disconnect", stop);
