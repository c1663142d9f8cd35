// The PostgreSQL MetaStore (several Bun nodes sharing one database), composed from one file per
// table family like src/store/sql; what they share inside a transaction is tx.ts. Rows have the
// SQL store's layout, so its row readers (sql/rows.ts) serve both.
import type { MetaStore } from "../types.ts";
import { migrate } from "./schema.ts";
import type { Pg } from "./tx.ts";
import { pgBuckets } from "./buckets.ts";
import { pgObjects } from "./objects.ts";
import { pgUploads } from "./uploads.ts";
import { pgChunks } from "./chunks.ts";
import { pgOutbox } from "./event-outbox.ts";
import { withUnavailable } from "./unavailable.ts";

/**
 * MetaStore over a postgres.js client (client.ts connectPostgres); applies the schema's
 * missing migrations first. The caller owns the client (and ends it). A database that cannot
 * serve now makes a method throw MetaStoreUnavailable (503), not a fault.
 */
export async function createPostgresMetaStore(sql: Pg, opts: { now: () => number }): Promise<MetaStore> {
  await migrate(sql);
  return withUnavailable({ ...pgBuckets(sql), ...pgObjects(sql), ...pgUploads(sql, opts.now), ...pgChunks(sql, opts.now), ...pgOutbox(sql) });
}
