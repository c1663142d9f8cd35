// The SQL MetaStore, composed from one file per table family; what they share inside a
// transaction is tables.ts, the row layout rows.ts.
import type { MetaStore } from "../types.ts";
import type { SqlDriver } from "./driver.ts";
import { migrateSchema, SCHEMA } from "./schema.ts";
import { migrateOutbox, sqlOutbox } from "./event-outbox.ts";
import { sqlTables } from "./tables.ts";
import { sqlBuckets } from "./buckets.ts";
import { sqlObjects } from "./objects.ts";
import { sqlUploads } from "./uploads.ts";
import { sqlChunks } from "./chunks.ts";

/**
 * MetaStore over any synchronous SQLite (bun:sqlite, Durable Object storage.sql). `outboxById`:
 * its outbox rows are settled by connections that did not lease them (sql/event-outbox.ts).
 */
export function createSqlMetaStore(db: SqlDriver, opts: { now: () => number; outboxById?: boolean }): MetaStore {
  db.exec(SCHEMA);
  migrateSchema(db);
  migrateOutbox(db, { byId: opts.outboxById });
  const t = sqlTables(db, opts);
  return { ...sqlBuckets(t), ...sqlObjects(t), ...sqlUploads(t), ...sqlChunks(t), ...sqlOutbox(db) };
}
