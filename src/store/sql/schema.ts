// One SQLite dialect for bun:sqlite, Durable Object SQLite and D1.
// TEXT keys use BINARY collation: memcmp of UTF-8, which is S3's listing order.
// Version 2: object versions (objects gains delete_marker and seq; object_versions). Files of
// version 1 are brought up to date by migrateSchema, which runs after SCHEMA on every open.
export const SCHEMA_VERSION = 2;

import type { SqlDriver } from "./driver.ts";

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY, owner TEXT NOT NULL, region TEXT NOT NULL, created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bucket_configs (
  bucket TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (bucket, kind)
);
-- Each key's current version: an object, or a delete marker (delete_marker = 1, size 0, etag '').
-- seq orders a key's versions (the current one has the highest). A rowid table with its key in
-- the primary-key index, not WITHOUT ROWID: a row holding a 4 KiB object spills onto an overflow
-- page, and a WITHOUT ROWID search reads the whole record of every cell it compares keys with,
-- overflow included (3–4 page reads per lookup); the index's cells are small. inline comes last:
-- a record is stored in column order, so a column after the data would cost a read of its
-- overflow page (a PUT's look at the row it replaces, the content index's upkeep, a listing).
-- Files made before keep their layout (migrateSchema adds what they lack), which only costs
-- those reads.
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, last_modified INTEGER NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL,
  checksum TEXT, parts TEXT, storage_class TEXT NOT NULL, manifest TEXT,
  delete_marker INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0,
  lock_mode TEXT, lock_until INTEGER, legal_hold INTEGER, content_sha256 TEXT, content_md5 TEXT, sse TEXT,
  inline BLOB,
  PRIMARY KEY (bucket, key)
);
-- Noncurrent versions and delete markers (versioned buckets), each holding its own chunk
-- references like a current one; noncurrent_since is when a newer version replaced it. A rowid
-- table: its rows (inline data included) are appended in write order, and only the one small
-- index entry lands at a random place, so a growing history does not slow writes down. The
-- index also finds a version by id (a key has few); ids are unique by construction (random,
-- and a null write replaces the null version). inline last, as in objects.
CREATE TABLE IF NOT EXISTS object_versions (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, last_modified INTEGER NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL,
  checksum TEXT, parts TEXT, storage_class TEXT NOT NULL, manifest TEXT,
  delete_marker INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, noncurrent_since INTEGER NOT NULL,
  lock_mode TEXT, lock_until INTEGER, legal_hold INTEGER, content_sha256 TEXT, content_md5 TEXT, sse TEXT,
  inline BLOB
);
CREATE INDEX IF NOT EXISTS object_versions_by_seq ON object_versions (bucket, key, seq DESC);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
-- Uploads completed in the last day, so a retried CompleteMultipartUpload (an SDK whose first
-- answer was lost) gets the same answer, as S3 gives it, rather than NoSuchUpload.
CREATE TABLE IF NOT EXISTS completed_uploads (
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL, checksum TEXT,
  completed INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads (completed);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL, checksum TEXT, manifest TEXT NOT NULL,
  PRIMARY KEY (upload_id, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunks (
  hash TEXT PRIMARY KEY, blob TEXT NOT NULL, size INTEGER NOT NULL, refs INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_unreferenced ON chunks (refs) WHERE refs <= 0;
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pins (
  session TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (session, hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pins_by_hash ON pins (hash);
-- Blobs being written under a random id (ingest.ts), not yet registered as chunks. Once their
-- session is gone (finished, failed, or stale after a crash) what is left here is garbage.
CREATE TABLE IF NOT EXISTS blob_intents (
  blob TEXT PRIMARY KEY, session TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blob_intents_by_session ON blob_intents (session);
-- Blobs whose rows garbage collection deleted, recorded in the same transaction and cleared once
-- the blobs are gone: a crash between the two leaves them here for the next pass, not leaked.
CREATE TABLE IF NOT EXISTS blob_tombstones (blob TEXT PRIMARY KEY) WITHOUT ROWID;
-- Which row names a blob file (the start-up sweep of orphan files).
CREATE INDEX IF NOT EXISTS chunks_by_blob ON chunks (blob);
-- Event outbox, written with the change it reports; also the durable local queue on Bun
-- (sql/event-outbox.ts). seq is the commit order; only a target's oldest rows are leased
-- (visible_at = lease end; 0 = not leased); a delivered row is deleted. attempts counts real
-- sends that failed; access = 1 for ObjectAccessed events (their own budget, see OutboxEvent).
-- Lean, as each commit with an event writes its pages: seq is the rowid (max + 1, no
-- AUTOINCREMENT and its sqlite_sequence page) and id has no index here (settles find leased
-- rows by seq; the Durable Object's store adds one). Older files are rebuilt, or gain the
-- access column, in sql/event-outbox.ts. ord_changes/ord_events: the target's running totals
-- (sql/event-outbox.ts writeEvents: its queue limit, counted without a write of its own).
CREATE TABLE IF NOT EXISTS event_outbox (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, bucket TEXT NOT NULL, target TEXT NOT NULL,
  record TEXT NOT NULL, created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL,
  access INTEGER NOT NULL DEFAULT 0, ord_changes INTEGER NOT NULL DEFAULT 0, ord_events INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS event_outbox_by_target ON event_outbox (target);
-- One row per target with waiting events: failed sends in a row and the backoff end, so a
-- restart neither forgets an outage nor resets it.
CREATE TABLE IF NOT EXISTS event_targets (
  target TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, retry_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/** Brings a file of an older schema version up to date (idempotent); runs after SCHEMA. */
export function migrateSchema(db: SqlDriver): void {
  const cols = new Set(db.all("PRAGMA table_info(objects)").map((c) => c.name));
  // Version 1 → 2: every existing object is its key's current, null version.
  if (!cols.has("delete_marker")) db.exec("ALTER TABLE objects ADD COLUMN delete_marker INTEGER NOT NULL DEFAULT 0");
  if (!cols.has("seq")) db.exec("ALTER TABLE objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0");
  // Object Lock (s3/object-lock*.ts), on every version wherever it lives: retention mode and
  // until (ms; NULL: none), legal hold (NULL: never set). New files have them from SCHEMA.
  const lockVersionCols = new Set(db.all("PRAGMA table_info(object_versions)").map((c) => c.name));
  for (const [table, has] of [["objects", cols], ["object_versions", lockVersionCols]] as const) {
    if (!has.has("lock_mode")) db.exec(`ALTER TABLE ${table} ADD COLUMN lock_mode TEXT`);
    if (!has.has("lock_until")) db.exec(`ALTER TABLE ${table} ADD COLUMN lock_until INTEGER`);
    if (!has.has("legal_hold")) db.exec(`ALTER TABLE ${table} ADD COLUMN legal_hold INTEGER`); // NULL never set, 0 OFF, 1 ON
  }
  // The version a Complete wrote, so its retry answers x-amz-version-id too.
  const completedCols = new Set(db.all("PRAGMA table_info(completed_uploads)").map((c) => c.name));
  if (!completedCols.has("version_id")) db.exec("ALTER TABLE completed_uploads ADD COLUMN version_id TEXT");
  // Instant upload (s3/instant-upload.ts): a version's verified whole-content SHA-256 and MD5
  // (hex; NULL when the gateway never saw them whole), on both tables since versions move
  // between them; only current versions are looked up, by (bucket, sha256, size).
  const versionCols = new Set(db.all("PRAGMA table_info(object_versions)").map((c) => c.name));
  for (const [table, have] of [["objects", cols], ["object_versions", versionCols]] as const) {
    if (!have.has("content_sha256")) db.exec(`ALTER TABLE ${table} ADD COLUMN content_sha256 TEXT`);
    if (!have.has("content_md5")) db.exec(`ALTER TABLE ${table} ADD COLUMN content_md5 TEXT`);
  }
  db.exec("CREATE INDEX IF NOT EXISTS objects_by_content ON objects (bucket, content_sha256, size) WHERE content_sha256 IS NOT NULL");
  // Server-side encryption (src/sse): a version's SseRecord (JSON; NULL: stored in clear), on both tables.
  for (const table of ["objects", "object_versions"]) {
    if (!new Set(db.all(`PRAGMA table_info(${table})`).map((c) => c.name)).has("sse")) db.exec(`ALTER TABLE ${table} ADD COLUMN sse TEXT`);
  }
}
