// `bun run dev`: the gateway on Bun with the embedded default store.
import { createApp } from "../app.ts";
import { consoleLogger, createBunDeps } from "../runtime/bun/deps.ts";
import { blobStoreOrExit, serveOptionsOrExit } from "./options.ts";
import { serveHttp } from "../runtime/bun/http-server.ts";
import { withRequestInfo } from "../http/request-info.ts";
import { startLifecycleTimer } from "../runtime/bun/lifecycle-timer.ts";

const opts = serveOptionsOrExit(process.argv.slice(2), process.env);
const blobs = await blobStoreOrExit(opts.blobs);
const deps = createBunDeps({ dataDir: opts.dataDir, config: opts.config, fsync: opts.fsync, log: consoleLogger(opts.quiet), gcIntervalMs: Number(process.env.S3EDGE_GC_INTERVAL_MS ?? 30_000), blobs,
  md5Workers: process.env.S3EDGE_MD5_WORKERS === undefined ? undefined : Number(process.env.S3EDGE_MD5_WORKERS) });
const app = createApp(deps);
// Bucket lifecycle rules: a sweep soon after start, then every S3EDGE_LIFECYCLE_INTERVAL (default 1h).
const lifecycle = startLifecycleTimer(deps);

const server = await serveHttp((req, info) => app.fetch(req, withRequestInfo(info)), { hostname: opts.hostname, port: opts.port });

const endpoint = `http://${server.hostname}:${server.port}`;
if (opts.defaultCredentials) {
  console.warn(`WARNING: S3EDGE_ROOT_USER/S3EDGE_ROOT_PASSWORD not set; using default credentials ${deps.config.rootUser}:${deps.config.rootPassword}. Set them for anything but local testing.`);
}
if (!opts.fsync) console.warn("WARNING: --fsync=off: acknowledged writes may be lost on power failure. Use it only for throwaway data.");
console.log(`s3edge listening on ${endpoint} (data: ${opts.dataDir}${opts.blobs.kind === "s3" ? `, blobs: ${opts.blobs.display}` : ""})`);
console.log(`  aws --endpoint-url ${endpoint} s3 ls`);

// SIGTERM (a load balancer's node rotation): finish the requests in flight, bounded, then stop.
const drainMs = Number(process.env.S3EDGE_SHUTDOWN_TIMEOUT_MS ?? 10_000);
let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1); // a second signal: stop waiting
  stopping = true;
  if (!(await server.drain(drainMs))) console.warn(`s3edge: requests still running after ${drainMs} ms were cut off`);
  await lifecycle.stop();
  await deps.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
