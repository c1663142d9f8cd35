import type { BlobStore, MetaStore } from "./store/types.ts";
import type { NotifyTarget } from "./events/targets.ts";

export type DigestAlgorithm = "md5" | "sha1" | "sha256" | "crc32" | "crc32c" | "crc64nvme";

/**
 * Incremental digest; digest() may be async (Workers' DigestStream). update() may return a
 * promise (an off-thread hasher): the caller must not modify `data` until it resolves.
 */
export interface Hasher {
  update(data: Uint8Array): void | Promise<void>;
  digest(): Promise<Uint8Array>;
  /** Frees state of an abandoned hash. */
  dispose?(): void;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Config {
  region: string;
  rootUser: string;
  rootPassword: string;
  /** Base domains for virtual-host style (S3EDGE_DOMAIN / MINIO_DOMAIN). */
  domains: string[];
  /** Chunk size for content-addressed storage. */
  chunkSize: number;
  /** Objects up to this size live inline in their metadata row. */
  inlineLimit: number;
  /** Largest single PUT (S3: 5 GiB). */
  maxPutSize: number;
  /** Largest object (S3: 5 TiB). */
  maxObjectSize: number;
  /** Pins older than this are considered abandoned by GC. */
  sessionTtlMs: number;
  /** Notification targets by `<id>:<type>` (MINIO_NOTIFY_* / S3EDGE_NOTIFY_* variables). */
  notifyTargets: Record<string, NotifyTarget>;
}

/** A configuration the gateway cannot serve with (missing credentials, a bad target). */
export class ConfigError extends Error {}

export const DEFAULT_CONFIG: Config = {
  region: "us-east-1",
  rootUser: "minioadmin",
  rootPassword: "minioadmin",
  domains: [],
  chunkSize: 8 * 1024 * 1024,
  inlineLimit: 16 * 1024,
  maxPutSize: 5 * 1024 ** 3,
  maxObjectSize: 5 * 1024 ** 4,
  sessionTtlMs: 24 * 3600 * 1000,
  notifyTargets: {},
};

export interface Deps {
  blobs: BlobStore;
  meta: MetaStore;
  hasher(alg: DigestAlgorithm): Hasher;
  /** MD5 for large bodies, possibly off-thread (whole chunks are passed to update). */
  bulkMd5?(): Hasher;
  clock: { now(): number };
  config: Config;
  log: Logger;
  /** Runs work after the response (Workers' waitUntil; a floating promise on Bun). */
  background(task: Promise<unknown>): void;
  /**
   * Resolves once every metadata commit made before the call is on stable storage; the app
   * awaits it before answering a request that may have changed something. Bun: one fsync of
   * SQLite's WAL shared by all requests in flight (group commit). Absent where a commit is
   * durable by itself (Durable Objects) or with `--fsync=off`.
   */
  durable?(): Promise<void>;
}
