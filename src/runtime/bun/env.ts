// Configuration from flags and environment (MinIO names honoured too): the core rules
// (configFromVars) plus what only the Bun server has (address, data dir, fsync).
import { configFromVars, type Config } from "../../config.ts";

export interface ServeOptions {
  hostname: string; port: number; dataDir: string; config: Config; defaultCredentials: boolean;
  /** fsync before acknowledging writes (README "Durability"); off only for throwaway data. */
  fsync: boolean;
  /** No info lines (the per-request access log among them); warnings and errors still go out. */
  quiet: boolean;
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
  return {
    hostname: m[1] || "127.0.0.1",
    port: Number(m[2]),
    dataDir: flag("--data") ?? env.S3EDGE_DATA_DIR ?? "./data",
    config,
    defaultCredentials,
    fsync: fsync === "on",
    quiet: argv.includes("--quiet") || /^(1|true|on|yes)$/i.test(env.S3EDGE_QUIET ?? ""),
  };
}
