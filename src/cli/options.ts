// The serve options every CLI entry reads (flags + environment), or exit 2 with one line per problem.
import { parseServeOptions } from "../runtime/bun/env.ts";
import { createS3BlobStore, type S3BlobStore } from "../store/s3/blob-store.ts";
import { createUpstreamFetch } from "../runtime/bun/upstream-fetch.ts";
import type { BlobTarget } from "../store/s3/url.ts";
import type { MetaTarget } from "../runtime/bun/env.ts";
import type { MetaStore } from "../store/types.ts";
import { connectPostgres } from "../store/postgres/client.ts";
import { createPostgresMetaStore } from "../store/postgres/meta-store.ts";
import { createPostgresIamStore } from "../store/postgres/iam-store.ts";
import type { IamStore } from "../iam/store.ts";
import { createPostgresTargetStore } from "../store/postgres/target-store.ts";
import type { TargetStore } from "../events/target-registry.ts";
import { createPostgresQueueStore } from "../store/postgres/queue-store.ts";
import type { LocalQueueStore } from "../events/sqs-queues.ts";
import { createPostgresKmsKeyStore } from "../store/postgres/kms-key-store.ts";
import type { KmsKeyStore } from "../sse/key-store.ts";
import { startPostgresLease } from "../store/postgres/leader-lease.ts";
import { hostname } from "node:os";

export function serveOptionsOrExit(argv: string[], env: Record<string, string | undefined>): ReturnType<typeof parseServeOptions> {
  try {
    return parseServeOptions(argv, env);
  } catch (e) {
    // A bad flag or target is the operator's to fix: say what, without a stack trace.
    for (const line of (e instanceof Error ? e.message : String(e)).split("\n")) console.error(`s3edge: ${line}`);
    process.exit(2);
  }
}

/**
 * The S3 blob store of `target` once it answered a probe (undefined: files under --data), or
 * exit 2 with one line naming it: a gateway that cannot reach its chunks must not start.
 */
export async function blobStoreOrExit(target: BlobTarget): Promise<S3BlobStore | undefined> {
  if (target.kind === "fs") return undefined;
  const store = createS3BlobStore({
    ...target.options, md5: (d) => new Bun.CryptoHasher("md5").update(d).digest() as Uint8Array,
    // Blob GETs over pooled sockets (cheaper to receive than Bun's fetch); S3EDGE_BLOB_SOCKETS=0: fetch for all.
    fetch: process.env.S3EDGE_BLOB_SOCKETS === "0" ? undefined : createUpstreamFetch(),
  });
  try {
    await store.probe();
    return store;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    console.error(`s3edge: blob store ${target.display} is unreachable (${e instanceof Error ? e.message : String(e)}${cause})`);
    process.exit(2);
  }
}

/** Metadata on PostgreSQL and what shares its database (docs/postgres.md). */
export interface SharedMeta {
  store: MetaStore; iam: IamStore; targets: TargetStore; queues: LocalQueueStore; kmsKeys: KmsKeyStore;
  /** Whether this node is the one elected to run GC, lifecycle sweeps and the outbox drain (store/postgres/leader-lease.ts). */
  isLeader(): boolean;
  close(): Promise<void>;
}

/**
 * The PostgreSQL MetaStore (with the IamStore, TargetStore, SQS queues, KMS key ring and leader
 * lease on it) of `target`, connected and migrated (undefined: SQLite under --data), or exit 2
 * with one line naming it: unreachable, refused, or not a database s3edge can use. `close`
 * releases the lease and ends its connection pool. `eligible`: whether this process may lead
 * (--workers: the child elected on this host). S3EDGE_LEADER_TTL_MS: the lease's expiry (10 s).
 */
export async function metaStoreOrExit(target: MetaTarget, opts: { eligible?: () => boolean } = {}): Promise<SharedMeta | undefined> {
  if (target.kind === "sqlite") return undefined;
  const ttl = process.env.S3EDGE_LEADER_TTL_MS;
  const ttlMs = ttl === undefined ? undefined : Number(ttl);
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && ttlMs >= 200 && ttlMs <= 3_600_000)) {
    console.error(`s3edge: S3EDGE_LEADER_TTL_MS: ${ttl} is not a whole number of milliseconds from 200 to 3600000`);
    process.exit(2);
  }
  const sql = connectPostgres(target.url);
  try {
    const now = () => Date.now();
    const store = await createPostgresMetaStore(sql, { now });
    const lease = await startPostgresLease(sql, { holder: `${hostname()}:${process.pid}.${crypto.randomUUID().slice(0, 8)}`, eligible: opts.eligible, ttlMs });
    return {
      store, iam: createPostgresIamStore(sql, { now }), targets: createPostgresTargetStore(sql, { now }),
      queues: createPostgresQueueStore(sql), kmsKeys: createPostgresKmsKeyStore(sql), isLeader: lease.isLeader,
      async close() { await lease.stop(); await sql.end({ timeout: 5 }); },
    };
  } catch (e) {
    const err = e as { message?: string; code?: string };
    console.error(`s3edge: metadata store ${target.display} is unreachable or unusable (${err.code ? `${err.code}: ` : ""}${err.message ?? String(e)})`);
    await sql.end({ timeout: 0 }).catch(() => {});
    process.exit(2);
  }
}
