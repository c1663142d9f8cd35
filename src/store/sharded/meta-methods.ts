// The MetaStore's members as one table: where the bucket-sharded store sends each call, and what
// a shard does after one commits (collect garbage, relay the events it wrote). The sharded store
// (meta-store.ts), the MetaShard Durable Object's RPC methods and the Worker's stub are all
// generated from it, so a new MetaStore method is one row here (the compiler asks for it).
import type { MetaStore, OutboxEvent } from "../types.ts";
import { sessionBucket } from "../session.ts";

export const CATALOG_SHARD = "catalog";
export const bucketShardName = (bucket: string) => `bucket:${bucket}`;

type Args<K extends keyof MetaStore> = Parameters<MetaStore[K]>;
type Result<K extends keyof MetaStore> = Awaited<ReturnType<MetaStore[K]>>;

export interface MethodSpec<K extends keyof MetaStore> {
  /** The shard that serves a call, from its arguments; "custom": written out in meta-store.ts (fan-out, two shards). */
  shard: ((args: Args<K>) => string) | "custom";
  /** The call can leave chunks unreferenced or pinned: the shard schedules garbage collection. */
  gc?: true;
  /** The events the call committed (none when it changed nothing): the shard relays them at once. */
  events?: (args: Args<K>, result: Result<K>) => OutboxEvent[] | undefined;
}

type MethodTable = { [K in keyof MetaStore]: MethodSpec<K> };

const byBucket = (args: readonly [string, ...unknown[]]) => bucketShardName(args[0]);
// Session ids name their bucket (store/session.ts): chunk calls need no lookup.
const bySession = (args: readonly [string, ...unknown[]]) => bucketShardName(sessionBucket(args[0]));
const catalog = () => CATALOG_SHARD;

export const META_STORE_METHODS = {
  createBucket: { shard: "custom" },
  getBucket: { shard: byBucket },
  listBuckets: { shard: catalog },
  deleteBucket: { shard: "custom", gc: true },
  getBucketConfig: { shard: byBucket },
  getBucketState: { shard: byBucket },
  putBucketConfig: { shard: byBucket },

  getObject: { shard: byBucket },
  putObject: { shard: ([obj]) => bucketShardName(obj.bucket), gc: true, events: ([, opts], r) => (r.ok ? opts.events : undefined) },
  deleteObject: { shard: byBucket, gc: true, events: ([, , events], r) => (r.ok ? events : undefined) },
  updateObjectTags: { shard: byBucket, events: ([, , , events], r) => (r.ok ? events : undefined) },
  updateObjectHeader: { shard: byBucket },
  updateObjectLock: { shard: byBucket, events: ([, , , , opts], r) => (r.ok ? opts?.events : undefined) },
  listObjects: { shard: byBucket },
  listObjectVersions: { shard: byBucket },
  findObjectsByContent: { shard: byBucket },
  bucketUsage: { shard: byBucket },

  createUpload: { shard: ([u]) => bucketShardName(u.bucket) },
  getUpload: { shard: byBucket },
  putPart: { shard: byBucket, gc: true },
  listParts: { shard: byBucket },
  completeUpload: { shard: ([, obj]) => bucketShardName(obj.bucket), gc: true, events: ([, , , events], r) => (r.ok ? events : undefined) },
  getCompletedUpload: { shard: byBucket },
  abortUpload: { shard: byBucket, gc: true },
  listUploads: { shard: byBucket },

  acquireChunk: { shard: bySession },
  intendBlob: { shard: bySession },
  registerChunk: { shard: bySession, gc: true },
  releaseSession: { shard: bySession, gc: true },
  collectGarbage: { shard: "custom" },
  dropTombstones: { shard: "custom" },
  unnamedBlobs: { shard: "custom" },
  countChunks: { shard: "custom" },
  listChunks: { shard: "custom" },

  appendEvents: { shard: byBucket, events: ([, events], ok) => (ok ? events : undefined) },
  leaseEvents: { shard: "custom" },
  settleEvents: { shard: byBucket },
  countEvents: { shard: "custom" },
  statEvents: { shard: "custom" },
  peekEvents: { shard: "custom" },
} as const satisfies MethodTable;

export type MetaStoreMethod = keyof MetaStore;
/** The members the sharded store writes out itself. */
export type CustomMethod = { [K in MetaStoreMethod]: (typeof META_STORE_METHODS)[K]["shard"] extends "custom" ? K : never }[MetaStoreMethod];

export const META_STORE_METHOD_NAMES = Object.keys(META_STORE_METHODS) as MetaStoreMethod[];
