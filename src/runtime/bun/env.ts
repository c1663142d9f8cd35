// Configuration from flags and environment (MinIO names honoured too): the core rules
// (configFromVars) plus what only the Bun server has (address, data dir, fsync).
import { configFromVars, type Config } from "../../config.ts";
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
  /** Where metadata lives: SQLite under --data (--meta / S3EDGE_META_URL; postgres:// is not yet supported). */
  meta: { kind: "sqlite" };
}

/** --meta / S3EDGE_META_URL: only SQLite under --data for now; postgres:// is named as not yet supported. */
export function parseMetaUrl(raw: string | undefined, name = "S3EDGE_META_URL"): { kind: "sqlite" } {
  const v = raw?.trim();
  if (!v || /^sqlite:?$/i.test(v)) return { kind: "sqlite" };
  if (/^postgres(ql)?:\/\//i.test(v)) throw new ConfigError(`${name}: postgres:// is not supported yet (docs/scale-out.md); leave it unset for SQLite under --data`);
  // Never echo a URL that may carry a password.
  throw new ConfigError(`${name}: unsupported store ${v.replace(/\/\/[^@/]*@/, "//…@").slice(0, 80)} (expected sqlite, or unset)`);
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
  const vars = refreshIam === undefined ? env : { ...env, S3EDGE_REFRESH_IAM_INTERVAL: refreshIam };
  const { config, defaultCredentials } = configFromVars(vars, { requireCredentials: false });
  const blobFlag = flag("--blobs"), metaFlag = flag("--meta");
  const blobs = parseBlobUrl(blobFlag ?? env.S3EDGE_BLOB_URL, env, blobFlag !== undefined ? "--blobs" : "S3EDGE_BLOB_URL");
  const meta = parseMetaUrl(metaFlag ?? env.S3EDGE_META_URL, metaFlag !== undefined ? "--meta" : "S3EDGE_META_URL");
  return {
    hostname: m[1] || "127.0.0.1",
    port: Number(m[2]),
    dataDir: flag("--data") ?? env.S3EDGE_DATA_DIR ?? "./data",
    config,
    defaultCredentials,
    fsync: fsync === "on",
    quiet: argv.includes("--quiet") || /^(1|true|on|yes)$/i.test(env.S3EDGE_QUIET ?? ""),
    blobs,
    meta,
  };
}
