// Bindings and vars of the Worker (wrangler.toml), and the Config read from them.
import { configFromVars, type Config } from "../../config.ts";
import type { EventMessage } from "../../store/types.ts";
import type { MetaShard } from "./meta-shard.ts";
import type { IamShard } from "./iam-shard.ts";
import type { ListenHub } from "./listen-hub.ts";

export interface WorkersEnv {
  /** R2 bucket holding the content-addressed chunks. */
  CHUNKS: R2Bucket;
  /** The SQLite MetaStore Durable Object (see docs/workers-design.md). */
  META: DurableObjectNamespace<MetaShard>;
  /** IAM state and stored notification targets: one global SQLite Durable Object (src/runtime/workers/iam-shard.ts). */
  IAM: DurableObjectNamespace<IamShard>;
  /**
   * Event notifications: each shard relays its outbox to this Queue; this Worker consumes it
   * (workers/notify.ts). Required once a notification target is configured.
   */
  EVENTS?: Queue<EventMessage>;
  /** `mc watch` streams: ListenHub Durable Objects (src/runtime/workers/listen-hub.ts); absent: listening is NotImplemented. */
  LISTEN?: DurableObjectNamespace<ListenHub>;
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
  /** How often each bucket's lifecycle rules are applied (Go duration, default 1h; 0 = never). docs/lifecycle.md */
  S3EDGE_LIFECYCLE_INTERVAL?: string;
  /** Tests only: "1" serves POST /s3edge/test/lifecycle (a sweep at a given instant). */
  S3EDGE_TEST_CLOCK?: string;
  /** Server-side encryption's master key, a secret (`wrangler secret put S3EDGE_KMS_SECRET_KEY`): `name:base64 of 32 bytes`. docs/encryption.md */
  S3EDGE_KMS_SECRET_KEY?: string;
  MINIO_KMS_SECRET_KEY?: string;
  /** Former master keys during a rotation (a secret too): `name:base64,…`. docs/encryption.md */
  S3EDGE_KMS_OLD_SECRET_KEYS?: string;
  /** Tests only: "on" allows SSE-C over plain HTTP (wrangler dev on loopback). */
  S3EDGE_INSECURE_SSE_C?: string;
  /** "1"/"on": no access-log line per request (warnings and errors still logged), as `--quiet` on Bun. */
  S3EDGE_QUIET?: string;
  /** Chunks in an S3-compatible upstream instead of CHUNKS: `s3+https://HOST/BUCKET[/prefix]` (docs/scale-out.md). */
  S3EDGE_BLOB_URL?: string;
  /** The upstream's credentials, secrets (`wrangler secret put S3EDGE_BLOB_SECRET_KEY`). */
  S3EDGE_BLOB_ACCESS_KEY?: string;
  S3EDGE_BLOB_SECRET_KEY?: string;
  S3EDGE_BLOB_SESSION_TOKEN?: string;
}

/** The Worker's Config: the core rules (configFromVars), with credentials required and the queue binding checked. */
export function configFromEnv(env: WorkersEnv): Config {
  return configFromVars(env as unknown as Record<string, unknown>, { requireCredentials: true, eventQueue: !!env.EVENTS }).config;
}

export function gcIntervalMs(env: WorkersEnv): number {
  const n = Number(env.S3EDGE_GC_INTERVAL_MS);
  return Number.isFinite(n) && n >= 0 && env.S3EDGE_GC_INTERVAL_MS !== undefined && env.S3EDGE_GC_INTERVAL_MS !== "" ? n : 30_000;
}
