// What the table families of the SQL MetaStore share inside one transaction: a full outbox or
// a collected chunk turned into a result, chunk reference counts, upload sessions' pins, and
// the rows more than one family reads or writes (an object is written by PUT and by Complete;
// a bucket's deletion aborts its uploads).
import type { ChunkRef, ObjectRecord, OutboxEvent, PutCondition, PutResult } from "../types.ts";
import type { SqlDriver } from "./driver.ts";
import { OutboxFull, writeEvents as writeOutbox } from "./event-outbox.ts";
import { json, readManifest, storeManifest, type Row } from "./rows.ts";

export interface SqlTables {
  db: SqlDriver;
  now(): number;
  /** Runs fn in a transaction; a full event outbox inside rolls it back and yields `full`. */
  txOrFull<T, F>(fn: () => T, full: F): T | F;
  /** Runs fn in a transaction; a missing chunk or a full outbox rolls back and becomes a result. */
  tx<T>(fn: () => T): T | PutResult;
  /** Counts a manifest's chunks in (+1; throws ChunkMissing for a collected one) or out (-1). */
  adjustRefs(manifest: ChunkRef[] | undefined, delta: 1 | -1): void;
  /** Ends an upload session: its pins no longer keep chunks from collection. */
  dropSession(session?: string): void;
  bucketExists(name: string): boolean;
  objectRow(bucket: string, key: string): Row | undefined;
  writeObject(o: ObjectRecord): void;
  /** Whether a write under `cond` may replace `existing` (PutObject, CompleteMultipartUpload). */
  putAllowed(existing: Row | undefined, cond?: PutCondition): boolean;
  /** Appends change events inside the caller's transaction; throws OutboxFull (rolls it back) at a target's limit. */
  writeEvents(events: OutboxEvent[] | undefined): void;
  /** Drops an upload and its parts' references, inside the caller's transaction; false if it was gone. */
  abortUploadTx(uploadId: string): boolean;
}

export function sqlTables(db: SqlDriver, opts: { now: () => number }): SqlTables {
  const txOrFull = <T, F>(fn: () => T, full: F): T | F => {
    try {
      return db.transaction(fn);
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
    tx<T>(fn: () => T): T | PutResult {
      try {
        return txOrFull<T | PutResult, PutResult>(fn, { ok: false, reason: "SlowDown" });
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
    objectRow: (bucket, key) => db.all("SELECT * FROM objects WHERE bucket = ? AND key = ?", [bucket, key])[0],
    writeObject(o) {
      db.run(
        `INSERT OR REPLACE INTO objects (bucket, key, version_id, size, etag, last_modified, headers, tags, checksum, parts,
          storage_class, inline, manifest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        [o.bucket, o.key, o.versionId, o.size, o.etag, o.lastModified, json(o.headers), json(o.tags),
          o.checksum ? json(o.checksum) : null, o.parts ? json(o.parts) : null, o.storageClass,
          o.inline ?? null, o.manifest ? storeManifest(o.manifest) : null],
      );
    },
    putAllowed(existing, cond) {
      if (!cond) return true;
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
