// Bindings and vars of the Worker (wrangler.toml), and the Config read from them.
import { ConfigError, DEFAULT_CONFIG, type Config } from "../../deps.ts";
import type { EventMessage } from "../../store/types.ts";
import { targetsFromEnv } from "../../events/targets.ts";
import type { MetaShard } from "./meta-shard.ts";

export interface WorkersEnv {
  /** R2 bucket holding the content-addressed chunks. */
  CHUNKS: R2Bucket;
  /** The SQLite MetaStore Durable Object (see docs/workers-design.md). */
  META: DurableObjectNamespace<MetaShard>;
  /**
   * Event notifications: each shard relays its outbox to this Queue; this Worker consumes it
   * (workers/notify.ts). Required once a notification target is configured.
   */
  EVENTS?: Queue<EventMessage>;
  /** Secrets (`wrangler secret put`), or `--var` under wrangler dev. MinIO names are honoured too. */
  S3EDGE_ROOT_USER?: string;
  S3EDGE_ROOT_PASSWORD?: string;
  MINIO_ROOT_USER?: string;
  MINIO_ROOT_PASSWORD?: string;
  /** Comma-separated base domains for virtual-host-style requests. */
  S3EDGE_DOMAIN?: string;
  MINIO_DOMAIN?: string;
  S3EDGE_REGION?: string;
  MINIO_REGION?: string;
  /** Bytes per chunk (default 8 MiB): two chunk buffers per upload must fit in 128 MB. */
  S3EDGE_CHUNK_SIZE?: string;
  /** Delay before the metadata object collects unreferenced chunks (default 30 s). */
  S3EDGE_GC_INTERVAL_MS?: string;
}

export class MissingCredentials extends ConfigError {}

/**
 * Unlike Bun (localhost, defaults with a warning), a Worker is reachable from the internet:
 * without root credentials it refuses to serve rather than fall back to minioadmin.
 */
export function configFromEnv(env: WorkersEnv): Config {
  const rootUser = env.S3EDGE_ROOT_USER || env.MINIO_ROOT_USER;
  const rootPassword = env.S3EDGE_ROOT_PASSWORD || env.MINIO_ROOT_PASSWORD;
  if (!rootUser || !rootPassword) {
    throw new MissingCredentials("S3EDGE_ROOT_USER and S3EDGE_ROOT_PASSWORD are not set (wrangler secret put S3EDGE_ROOT_USER, then S3EDGE_ROOT_PASSWORD)");
  }
  const domains = (env.S3EDGE_DOMAIN || env.MINIO_DOMAIN || "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  // Notification targets are vars too (MINIO_NOTIFY_WEBHOOK_ENABLE_<ID>, …; tokens as secrets).
  const notifyTargets = targetsFromEnv(env as unknown as Record<string, unknown>);
  if (Object.keys(notifyTargets).length && !env.EVENTS) {
    throw new ConfigError("notification targets are configured but the EVENTS queue is not bound (wrangler.toml [[queues.producers]])");
  }
  const config: Config = { ...DEFAULT_CONFIG, rootUser, rootPassword, domains, notifyTargets };
  const region = env.S3EDGE_REGION || env.MINIO_REGION;
  if (region) config.region = region;
  const chunkSize = Number(env.S3EDGE_CHUNK_SIZE);
  if (Number.isInteger(chunkSize) && chunkSize > 0) config.chunkSize = chunkSize;
  return config;
}

export function gcIntervalMs(env: WorkersEnv): number {
  const n = Number(env.S3EDGE_GC_INTERVAL_MS);
  return Number.isFinite(n) && n >= 0 && env.S3EDGE_GC_INTERVAL_MS !== undefined && env.S3EDGE_GC_INTERVAL_MS !== "" ? n : 30_000;
}
