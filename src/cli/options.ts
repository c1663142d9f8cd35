// The serve options every CLI entry reads (flags + environment), or exit 2 with one line per problem.
import { parseServeOptions } from "../runtime/bun/env.ts";
import { createS3BlobStore, type S3BlobStore } from "../store/s3/blob-store.ts";
import type { BlobTarget } from "../store/s3/url.ts";
import type { MetaTarget } from "../runtime/bun/env.ts";
import type { MetaStore } from "../store/types.ts";
import { connectPostgres } from "../store/postgres/client.ts";
import { createPostgresMetaStore } from "../store/postgres/meta-store.ts";
import { createPostgresIamStore } from "../store/postgres/iam-store.ts";
import type { IamStore } from "../iam/store.ts";
import { createPostgresTargetStore } from "../store/postgres/target-store.ts";
import type { TargetStore } from "../events/target-registry.ts";

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
  const store = createS3BlobStore({ ...target.options, md5: (d) => new Bun.CryptoHasher("md5").update(d).digest() as Uint8Array });
  try {
    await store.probe();
    return store;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    console.error(`s3edge: blob store ${target.display} is unreachable (${e instanceof Error ? e.message : String(e)}${cause})`);
    process.exit(2);
  }
}

/**
 * The PostgreSQL MetaStore (with the IamStore and TargetStore on it) of `target`, connected and migrated (undefined:
 * SQLite under --data), or exit 2 with one line naming it: unreachable, refused, or not a
 * database s3edge can use. `close` ends its connection pool.
 */
export async function metaStoreOrExit(target: MetaTarget): Promise<{ store: MetaStore; iam: IamStore; targets: TargetStore; close(): Promise<void> } | undefined> {
  if (target.kind === "sqlite") return undefined;
  const sql = connectPostgres(target.url);
  try {
    const now = () => Date.now();
    const store = await createPostgresMetaStore(sql, { now });
    return { store, iam: createPostgresIamStore(sql, { now }), targets: createPostgresTargetStore(sql, { now }), close: () => sql.end({ timeout: 5 }) };
  } catch (e) {
    const err = e as { message?: string; code?: string };
    console.error(`s3edge: metadata store ${target.display} is unreachable or unusable (${err.code ? `${err.code}: ` : ""}${err.message ?? String(e)})`);
    await sql.end({ timeout: 0 }).catch(() => {});
    process.exit(2);
  }
}
