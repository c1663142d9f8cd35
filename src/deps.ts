import type { BlobStore, MetaStore } from "./store/types.ts";
import type { Config } from "./config.ts";
import type { IamStore } from "./iam/store.ts";
import type { TargetRegistry } from "./events/target-registry.ts";
import type { TargetDrivers } from "./events/targets/drivers.ts";
import type { QueueStore } from "./events/sqs-queues.ts";
import type { ListenSeam } from "./events/listen.ts";
import type { TargetStats } from "./events/targets-stats.ts";
import type { AesGcm } from "./sse/crypto.ts";
import type { ChunkCrypto } from "./sse/chunks.ts";
import type { KmsKeyStore } from "./sse/key-store.ts";

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

/** Argon2id (RFC 9106) with madmin's parameters; a runtime may supply a native one. */
export type Argon2id = (password: Uint8Array, salt: Uint8Array, p: { passes: number; memoryKiB: number; lanes: number; tagLength: number }) => Promise<Uint8Array>;

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Deps {
  blobs: BlobStore;
  meta: MetaStore;
  /** Users, groups, policies, service accounts (a seam of its own beside the MetaStore). */
  iam: IamStore;
  /** Notification targets: from the variables (config.notifyTargets) and added at run time. */
  targets: TargetRegistry;
  /** Drivers for the targets that need sockets (redis, postgresql, mysql, amqp); a type absent here is refused when configured. */
  targetDrivers?: TargetDrivers;
  /** The SQS-compatible queues (events/sqs-queues.ts); absent: the SQS API answers UnsupportedOperation. */
  queues?: QueueStore;
  /** The key ring's stored keys (sse/key-store.ts); absent: `mc admin kms key create` answers NotImplemented. */
  kmsKeys?: KmsKeyStore;
  /** `mc watch` streams (events/listen.ts): in-process on Bun, the ListenHub Durable Object on Workers; absent: NotImplemented. */
  listen?: ListenSeam;
  /** Per-target delivery counters for /metrics, shared with the delivery loop where it runs in this process or isolate. */
  notifyStats?: TargetStats;
  hasher(alg: DigestAlgorithm): Hasher;
  /** MD5 for large bodies, possibly off-thread (whole chunks are passed to update). */
  bulkMd5?(): Hasher;
  /** Native Argon2id (Bun's node:crypto); absent: the portable TypeScript one (src/admin/crypto). */
  argon2id?: Argon2id;
  /** AES-256-GCM for server-side encryption (Bun's node:crypto); absent: WebCrypto (src/sse/crypto.ts). */
  aesGcm?: AesGcm;
  /** Seals and opens SSE chunks with their hashes, off the request's thread (Bun: a worker pool); absent: inline (src/sse/chunks.ts). */
  sseChunks?: ChunkCrypto;
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
  /**
   * Every store is shared with other nodes (Workers: R2 + Durable Objects), so this node holds
   * nothing of its own and may be taken down (health ?maintenance=true). Absent: its data is local.
   */
  sharedStores?: boolean;
}
