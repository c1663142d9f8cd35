// What the table families of the SQL MetaStore share inside one transaction: a full outbox or
// a collected chunk turned into a result, chunk reference counts, upload sessions' pins, and
// the rows more than one family reads or writes (an object is written by PUT and by Complete;
// a bucket's deletion aborts its uploads).
import type { ChunkRef, ObjectRecord, OutboxEvent, PutCondition, PutResult } from "../types.ts";
import { grouped, type SqlDriver, type SqlValue } from "./driver.ts";
import { OutboxFull, writeEvents as writeOutbox } from "./event-outbox.ts";
import { json, readManifest, storeManifest, type Row } from "./rows.ts";

export interface SqlTables {
  db: SqlDriver;
  now(): number;
  /**
   * Runs fn in a transaction (grouped with concurrent ones where the driver can: SqlDriver.group);
   * a full event outbox inside rolls it back and yields `full`.
   */
  txOrFull<T, F>(fn: () => T, full: F): Promise<T | F>;
  /** As txOrFull; a missing chunk or a full outbox rolls back and becomes a result. */
  tx<T>(fn: () => T): Promise<T | PutResult>;
  /** Counts a manifest's chunks in (+1; throws ChunkMissing for a collected one) or out (-1). */
  adjustRefs(manifest: ChunkRef[] | undefined, delta: 1 | -1): void;
  /** Ends an upload session: its pins no longer keep chunks from collection. */
  dropSession(session?: string): void;
  bucketExists(name: string): boolean;
  /** The key's current version (objects row), a delete marker included. */
  objectRow(bucket: string, key: string): Row | undefined;
  /**
   * The key's current version without its data and metadata (what a write decides on and
   * commitVersion needs): a 4 KiB object's inline data sits on an overflow page SQLite reads
   * with its own pread, for nothing when the row is about to be overwritten.
   */
  writeTarget(bucket: string, key: string): Row | undefined;
  /** A noncurrent version (object_versions row). */
  versionRow(bucket: string, key: string, versionId: string): Row | undefined;
  /**
   * Makes `o` the key's current version (PUT, Complete, a delete marker): counts its chunks in
   * (throws ChunkMissing), replaces the null version when `o` is one (dropping its references),
   * and keeps any other current version as noncurrent. `current`: the key's objects row as the
   * caller just read it in this transaction (null: none), saving the read.
   */
  commitVersion(o: ObjectRecord, current?: Row | null): void;
  /** Removes one version for good (current or not), dropping its references; a removed current one is succeeded by the newest noncurrent. */
  removeVersion(row: Row, current: boolean): void;
  /** Whether a write under `cond` may replace `existing` (PutObject, CompleteMultipartUpload); a delete marker counts as no object. */
  putAllowed(existing: Row | undefined, cond?: PutCondition): boolean;
  /** Appends change events inside the caller's transaction; throws OutboxFull (rolls it back) at a target's limit. */
  writeEvents(events: OutboxEvent[] | undefined): void;
  /** Drops an upload and its parts' references, inside the caller's transaction; false if it was gone. */
  abortUploadTx(uploadId: string): boolean;
}

/** The columns a version has wherever it is (objects, object_versions). */
const VERSION_COLUMNS = "bucket, key, version_id, size, etag, last_modified, headers, tags, checksum, parts, storage_class, inline, manifest, delete_marker, seq, content_sha256, content_md5, lock_mode, lock_until, legal_hold, sse";

/** What writeTarget reads: putAllowed's and commitVersion's columns. */
const WRITE_TARGET_COLUMNS = "bucket, key, version_id, etag, manifest, delete_marker, seq";

/** What commitVersion writes of a version into its key's objects row, in the order of its values. */
export const WRITTEN_COLUMNS = ["version_id", "size", "etag", "last_modified", "headers", "tags", "checksum", "parts", "storage_class", "inline", "manifest",
  "delete_marker", "seq", "content_sha256", "content_md5", "lock_mode", "lock_until", "legal_hold", "sse"];
const UPDATE_OBJECT = `UPDATE objects SET ${WRITTEN_COLUMNS.map((c) => `${c} = ?`).join(", ")} WHERE bucket = ? AND key = ?`;
const INSERT_OBJECT = `INSERT INTO objects (bucket, key, ${WRITTEN_COLUMNS.join(", ")}) VALUES (${WRITTEN_COLUMNS.map(() => "?").join(", ")}, ?, ?)`;

export function sqlTables(db: SqlDriver, opts: { now: () => number }): SqlTables {
  const objectRow = (bucket: string, key: string): Row | undefined =>
    db.all("SELECT * FROM objects WHERE bucket = ? AND key = ?", [bucket, key])[0];
  const writeTarget = (bucket: string, key: string): Row | undefined =>
    db.all(`SELECT ${WRITE_TARGET_COLUMNS} FROM objects WHERE bucket = ? AND key = ?`, [bucket, key])[0];
  const versionRow = (bucket: string, key: string, versionId: string): Row | undefined =>
    db.all("SELECT * FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?", [bucket, key, versionId])[0];
  const txOrFull = async <T, F>(fn: () => T, full: F): Promise<T | F> => {
    try {
      return await grouped(db, fn);
    } catch (e) {
      if (e instanceof OutboxFull) return full;
      throw e;
    }
  };
  const adjustRefs = (manifest: ChunkRef[] | undefined, delta: 1 | -1) => {
    for (const c of manifest ?? []) {
      // A reference to a chunk already collected (its source deleted meanwhile) must not commit.
      // The blob id must match too: a manifest copied from another store (another shard) may
      // name a blob this store does not own, even where it holds the same content.
      if (delta > 0) {
        if (db.run("UPDATE chunks SET refs = refs + 1 WHERE hash = ? AND blob = ?", [c.hash, c.blob]).changes === 0) throw new ChunkMissing();
      } else db.run("UPDATE chunks SET refs = refs - 1 WHERE hash = ?", [c.hash]);
    }
  };
  return {
    db,
    now: opts.now,
    txOrFull,
    async tx<T>(fn: () => T): Promise<T | PutResult> {
      try {
        return await txOrFull<T | PutResult, PutResult>(fn, { ok: false, reason: "SlowDown" });
      } catch (e) {
        if (e instanceof ChunkMissing) return { ok: false, reason: "ChunkMissing" };
        throw e;
      }
    },
    adjustRefs,
    dropSession(session) {
      if (!session) return;
      db.run("DELETE FROM pins WHERE session = ?", [session]);
      db.run("DELETE FROM sessions WHERE id = ?", [session]);
    },
    bucketExists: (name) => db.all("SELECT 1 AS x FROM buckets WHERE name = ?", [name]).length > 0,
    objectRow,
    writeTarget,
    versionRow,
    commitVersion(o, current) {
      adjustRefs(o.manifest, 1);
      const cur = current === undefined ? objectRow(o.bucket, o.key) : current ?? undefined;
      if (cur && cur.version_id === o.versionId) adjustRefs(readManifest(cur.manifest), -1);
      else {
        // A key with noncurrent versions always has a current one: a new key has no null version to replace.
        if (o.versionId === "null" && cur) {
          const old = versionRow(o.bucket, o.key, "null");
          if (old) {
            adjustRefs(readManifest(old.manifest), -1);
            db.run("DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = 'null'", [o.bucket, o.key]);
          }
        }
        if (cur) {
          db.run(`INSERT INTO object_versions (${VERSION_COLUMNS}, noncurrent_since) SELECT ${VERSION_COLUMNS}, ? FROM objects
            WHERE bucket = ? AND key = ?`, [o.lastModified, o.bucket, o.key]);
        }
      }
      // The lock and SSE columns in the same statement (NULL: none). An UPDATE of the key's row,
      // not INSERT OR REPLACE: SQLite overwrites a row of unchanged size in place, overflow pages
      // (inline data) included, where REPLACE frees and reallocates them; a 4 KiB PUT then writes
      // 1–2 pages instead of 3–4, plus the demoted copy's 3 in a versioned bucket (bench/versioning.ts).
      const values: SqlValue[] = [o.versionId, o.size, o.etag, o.lastModified, json(o.headers), json(o.tags),
        o.checksum ? json(o.checksum) : null, o.parts ? json(o.parts) : null, o.storageClass,
        o.inline ?? null, o.manifest ? storeManifest(o.manifest) : null, o.deleteMarker ? 1 : 0, Number(cur?.seq ?? 0) + 1,
        o.content?.sha256 ?? null, o.content?.md5 ?? null,
        o.retention?.mode ?? null, o.retention?.until ?? null, o.legalHold === undefined ? null : o.legalHold ? 1 : 0,
        o.sse ? json(o.sse) : null];
      if (!(cur && db.run(UPDATE_OBJECT, [...values, o.bucket, o.key]).changes > 0)) db.run(INSERT_OBJECT, [o.bucket, o.key, ...values]);
    },
    removeVersion(row, current) {
      adjustRefs(readManifest(row.manifest), -1);
      const { bucket, key } = row as { bucket: string; key: string };
      if (!current) {
        db.run("DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?", [bucket, key, row.version_id]);
        return;
      }
      db.run("DELETE FROM objects WHERE bucket = ? AND key = ?", [bucket, key]);
      const next = db.all("SELECT version_id FROM object_versions WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1", [bucket, key])[0];
      if (!next) return;
      db.run(`INSERT INTO objects (${VERSION_COLUMNS}) SELECT ${VERSION_COLUMNS} FROM object_versions
        WHERE bucket = ? AND key = ? AND version_id = ?`, [bucket, key, next.version_id]);
      db.run("DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?", [bucket, key, next.version_id]);
    },
    putAllowed(existing, cond) {
      if (!cond) return true;
      if (existing?.delete_marker) existing = undefined;
      if (cond.ifMatch !== undefined && !(existing && (cond.ifMatch === "*" || cond.ifMatch.includes(existing.etag as string)))) return false;
      if (cond.ifNoneMatch === "*" && existing) return false;
      return true;
    },
    writeEvents(events) { writeOutbox(db, events, "change"); },
    abortUploadTx(uploadId) {
      for (const p of db.all("SELECT manifest FROM parts WHERE upload_id = ?", [uploadId])) adjustRefs(readManifest(p.manifest), -1);
      db.run("DELETE FROM parts WHERE upload_id = ?", [uploadId]);
      return db.run("DELETE FROM uploads WHERE upload_id = ?", [uploadId]).changes > 0;
    },
  };
}

class ChunkMissing extends Error {}
