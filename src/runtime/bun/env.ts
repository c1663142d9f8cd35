// Configuration from flags and environment (MinIO names honoured too).
import type { Config } from "../../deps.ts";
import { targetsFromEnv } from "../../events/targets.ts";

export interface ServeOptions {
  hostname: string; port: number; dataDir: string; config: Partial<Config>; defaultCredentials: boolean;
  /** fsync before acknowledging writes (README "Durability"); off only for throwaway data. */
  fsync: boolean;
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
  const user = env.S3EDGE_ROOT_USER ?? env.MINIO_ROOT_USER;
  const password = env.S3EDGE_ROOT_PASSWORD ?? env.MINIO_ROOT_PASSWORD;
  const domains = (env.S3EDGE_DOMAIN ?? env.MINIO_DOMAIN ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const config: Partial<Config> = { domains, notifyTargets: targetsFromEnv(env) };
  if (user) config.rootUser = user;
  if (password) config.rootPassword = password;
  if (env.S3EDGE_REGION ?? env.MINIO_REGION) config.region = (env.S3EDGE_REGION ?? env.MINIO_REGION)!;
  if (env.S3EDGE_CHUNK_SIZE) config.chunkSize = Number(env.S3EDGE_CHUNK_SIZE);
  const fsync = (flag("--fsync") ?? env.S3EDGE_FSYNC ?? "on").toLowerCase();
  if (fsync !== "on" && fsync !== "off") throw new Error(`--fsync must be on or off, got ${fsync}`);
  return {
    hostname: m[1] || "127.0.0.1",
    port: Number(m[2]),
    dataDir: flag("--data") ?? env.S3EDGE_DATA_DIR ?? "./data",
    config,
    defaultCredentials: !user || !password,
    fsync: fsync === "on",
  };
}
