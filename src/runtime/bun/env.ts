// Configuration from flags and environment (MinIO names honoured too): the core rules
// (configFromVars) plus what only the Bun server has (address, data dir, fsync).
import { configFromVars, isQuiet, type Config } from "../../config.ts";
import { ConfigError } from "../../config-error.ts";
import { parseBlobUrl, type BlobTarget } from "../../store/s3/url.ts";

export interface ServeOptions {
  hostname: string; port: number; dataDir: string; config: Config; defaultCredentials: boolean;
  /** fsync before acknowledging writes (README "Durability"); off only for throwaway data. */
  fsync: boolean;
  /** No info lines (the per-request access log among them); warnings and errors still go out. */
  quiet: boolean;
  /** Where chunks live: files under --data (default) or an S3 upstream (--blobs / S3EDGE_BLOB_URL). */
  blobs: BlobTarget;
  /** Where metadata lives: SQLite under --data (default), or PostgreSQL (--meta / S3EDGE_META_URL postgres://…). */
  meta: MetaTarget;
  /** Server processes on one port (--workers / S3EDGE_WORKERS, default 1; docs/workers.md). */
  workers: number;
  /** The HTTP server (S3EDGE_HTTP): "bun" (Bun.listen, http1-server.ts; default) or "node" (node:http). */
  http: "bun" | "node";
}

/** Where the MetaStore lives; `display` is the URL with its password masked (for messages). */
export type MetaTarget = { kind: "sqlite" } | { kind: "postgres"; url: string; display: string };

/** --meta / S3EDGE_META_URL: SQLite under --data (unset, "sqlite"), or a postgres:// (postgresql://) URL. */
export function parseMetaUrl(raw: string | undefined, name = "S3EDGE_META_URL"): MetaTarget {
  const v = raw?.trim();
  if (!v || /^sqlite:?$/i.test(v)) return { kind: "sqlite" };
  // Never echo a URL that may carry a password.
  const display = v.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:…@").slice(0, 120);
  if (/^postgres(ql)?:\/\//i.test(v)) {
    if (!URL.canParse(v)) throw new ConfigError(`${name}: ${display} is not a valid postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
    return { kind: "postgres", url: v, display };
  }
  throw new ConfigError(`${name}: unsupported store ${v.replace(/\/\/[^@/]*@/, "//…@").slice(0, 80)} (expected sqlite, postgres://…, or unset)`);
}

export function parseServeOptions(argv: string[], env: Record<string, string | undefined>): ServeOptions {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(name + "="));
    return eq?.slice(name.length + 1);
  };
  const address = flag("--address") ?? env.S3EDGE_ADDRESS ?? "127.0.0.1:9000";
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new Error(`--address must be HOST:PORT, got ${address}`);
  const fsync = (flag("--fsync") ?? env.S3EDGE_FSYNC ?? "on").toLowerCase();
  if (fsync !== "on" && fsync !== "off") throw new Error(`--fsync must be on or off, got ${fsync}`);
  // Flags are variables with another spelling: one set of rules (configFromVars) for both.
  const refreshIam = flag("--refresh-iam-interval");
  const vars: Record<string, string | undefined> = refreshIam === undefined ? { ...env } : { ...env, S3EDGE_REFRESH_IAM_INTERVAL: refreshIam };
  if (argv.includes("--insecure-sse-c")) vars.S3EDGE_INSECURE_SSE_C = "on"; // SSE-C over plain HTTP (loopback tests)
  const { config, defaultCredentials } = configFromVars(vars, { requireCredentials: false });
  const blobFlag = flag("--blobs"), metaFlag = flag("--meta");
  const blobs = parseBlobUrl(blobFlag ?? env.S3EDGE_BLOB_URL, env, blobFlag !== undefined ? "--blobs" : "S3EDGE_BLOB_URL");
  const meta = parseMetaUrl(metaFlag ?? env.S3EDGE_META_URL, metaFlag !== undefined ? "--meta" : "S3EDGE_META_URL");
  const workersRaw = flag("--workers") ?? env.S3EDGE_WORKERS ?? "1";
  const workers = /^\d{1,3}$/.test(workersRaw) ? Number(workersRaw) : NaN;
  if (!(workers >= 1 && workers <= 256)) throw new ConfigError(`--workers must be a whole number from 1 to 256, got ${workersRaw.slice(0, 40)}`);
  const http = (env.S3EDGE_HTTP ?? "bun").trim().toLowerCase();
  if (http !== "bun" && http !== "node") throw new ConfigError(`S3EDGE_HTTP must be bun or node, got ${http.slice(0, 40)}`);
  return {
    hostname: m[1] || "127.0.0.1",
    port: Number(m[2]),
    dataDir: flag("--data") ?? env.S3EDGE_DATA_DIR ?? "./data",
    config,
    defaultCredentials,
    fsync: fsync === "on",
    quiet: argv.includes("--quiet") || isQuiet(env.S3EDGE_QUIET),
    blobs,
    meta,
    workers,
    http,
  };
}
