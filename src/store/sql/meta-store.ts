import type {
  BucketRecord, ChunkRef, LeasedEvent, MetaStore, ObjectRecord, ObjectSummary, OutboxEvent, PartRecord, PutCondition, PutResult,
  UploadRecord,
} from "../types.ts";
import type { SqlDriver, SqlValue } from "./driver.ts";
import { SCHEMA } from "./schema.ts";
import { leaseEvents, migrateOutbox, OutboxFull, settleEvents, writeEvents as writeOutbox } from "./event-outbox.ts";
import { compareKeys, prefixUpperBound } from "../../util/keys.ts";

type Row = Record<string, SqlValue>;

/** How long a completed upload still answers a retried Complete. */
const COMPLETED_UPLOAD_TTL_MS = 24 * 3600 * 1000;

const json = (v: unknown): string => JSON.stringify(v);
const parseJson = <T>(v: SqlValue | undefined, fallback: T): T => (typeof v === "string" && v ? (JSON.parse(v) as T) : fallback);
// Manifests are stored compact, one {h, b, n} per chunk (hash, blob, size): a row per object
// version holds one per 8 MiB, and data written before the readable names keeps this form.
type StoredRef = { h: string; b: string; n: number };
const storeManifest = (m: readonly ChunkRef[]): string => json(m.map((c): StoredRef => ({ h: c.hash, b: c.blob, n: c.size })));
function readManifest(v: SqlValue | undefined): ChunkRef[] | undefined {
  const stored = parseJson<StoredRef[] | undefined>(v, undefined);
  return stored?.map((c) => ({ hash: c.h, blob: c.b, size: c.n }));
}
const bytes = (v: SqlValue | undefined): Uint8Array | undefined =>
  v instanceof Uint8Array ? v : undefined;

function rowToObject(r: Row): ObjectRecord {
  return {
    bucket: r.bucket as string,
    key: r.key as string,
    versionId: r.version_id as string,
    size: Number(r.size),
    etag: r.etag as string,
    lastModified: Number(r.last_modified),
    headers: parseJson(r.headers, {}),
    tags: parseJson(r.tags, {}),
    checksum: parseJson(r.checksum, undefined),
    parts: parseJson(r.parts, undefined),
    storageClass: r.storage_class as string,
    inline: bytes(r.inline),
    manifest: readManifest(r.manifest),
  };
}

function rowToUpload(r: Row): UploadRecord {
  return { ...parseJson<Omit<UploadRecord, "uploadId" | "bucket" | "key" | "initiated">>(r.data, {} as never),
    uploadId: r.upload_id as string, bucket: r.bucket as string, key: r.key as string, initiated: Number(r.initiated) };
}

function rowToPart(r: Row): PartRecord {
  return {
    uploadId: r.upload_id as string, number: Number(r.number), size: Number(r.size), etag: r.etag as string,
    lastModified: Number(r.last_modified), checksum: (r.checksum as string | null) ?? undefined,
    manifest: readManifest(r.manifest) ?? [],
  };
}

/** MetaStore over any synchronous SQLite (bun:sqlite, Durable Object storage.sql). */
export function createSqlMetaStore(db: SqlDriver, opts: { now: () => number }): MetaStore {
  db.exec(SCHEMA);
  migrateOutbox(db);

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
  /** Runs fn in a transaction; a full event outbox inside rolls it back and yields `full`. */
  const txOrFull = <T, F>(fn: () => T, full: F): T | F => {
    try {
      return db.transaction(fn);
    } catch (e) {
      if (e instanceof OutboxFull) return full;
      throw e;
    }
  };
  /** Runs fn in a transaction; a missing chunk or a full outbox rolls back and becomes a result. */
  const tx = <T>(fn: () => T): T | PutResult => {
    try {
      return txOrFull<T | PutResult, PutResult>(fn, { ok: false, reason: "SlowDown" });
    } catch (e) {
      if (e instanceof ChunkMissing) return { ok: false, reason: "ChunkMissing" };
      throw e;
    }
  };
  const dropSession = (session?: string) => {
    if (!session) return;
    db.run("DELETE FROM pins WHERE session = ?", [session]);
    db.run("DELETE FROM sessions WHERE id = ?", [session]);
  };
  const getObjectRow = (bucket: string, key: string) =>
    db.all("SELECT * FROM objects WHERE bucket = ? AND key = ?", [bucket, key])[0];
  const bucketExists = (name: string) => db.all("SELECT 1 AS x FROM buckets WHERE name = ?", [name]).length > 0;

  const checkCond = (existing: Row | undefined, cond?: PutCondition): boolean => {
    if (!cond) return true;
    if (cond.ifMatch !== undefined && !(existing && (cond.ifMatch === "*" || cond.ifMatch.includes(existing.etag as string)))) return false;
    if (cond.ifNoneMatch === "*" && existing) return false;
    return true;
  };

  const writeObject = (o: ObjectRecord) => {
    db.run(
      `INSERT OR REPLACE INTO objects (bucket, key, version_id, size, etag, last_modified, headers, tags, checksum, parts,
        storage_class, inline, manifest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      [o.bucket, o.key, o.versionId, o.size, o.etag, o.lastModified, json(o.headers), json(o.tags),
        o.checksum ? json(o.checksum) : null, o.parts ? json(o.parts) : null, o.storageClass,
        o.inline ?? null, o.manifest ? storeManifest(o.manifest) : null],
    );
  };

  /** Appends change events inside the caller's transaction; throws OutboxFull (rolls it back) at a target's limit. */
  const writeEvents = (events: OutboxEvent[] | undefined) => { writeOutbox(db, events, "change"); };

  const abortUploadTx = (uploadId: string) => {
    for (const p of db.all("SELECT manifest FROM parts WHERE upload_id = ?", [uploadId])) adjustRefs(readManifest(p.manifest), -1);
    db.run("DELETE FROM parts WHERE upload_id = ?", [uploadId]);
    return db.run("DELETE FROM uploads WHERE upload_id = ?", [uploadId]).changes > 0;
  };

  return {
    async createBucket(b) {
      return db.transaction(() => {
        if (bucketExists(b.name)) return "exists" as const;
        db.run("INSERT INTO buckets (name, owner, region, created) VALUES (?,?,?,?)", [b.name, b.owner, b.region, b.created]);
        return "created" as const;
      });
    },
    async getBucket(name) {
      const r = db.all("SELECT * FROM buckets WHERE name = ?", [name])[0];
      return r ? { name: r.name as string, owner: r.owner as string, region: r.region as string, created: Number(r.created) } : null;
    },
    async listBuckets() {
      return db.all("SELECT * FROM buckets ORDER BY name").map((r) => ({
        name: r.name as string, owner: r.owner as string, region: r.region as string, created: Number(r.created),
      }));
    },
    async deleteBucket(name) {
      return db.transaction(() => {
        if (!bucketExists(name)) return "missing" as const;
        if (db.all("SELECT 1 AS x FROM objects WHERE bucket = ? LIMIT 1", [name]).length) return "notEmpty" as const;
        for (const u of db.all("SELECT upload_id FROM uploads WHERE bucket = ?", [name])) abortUploadTx(u.upload_id as string);
        db.run("DELETE FROM bucket_configs WHERE bucket = ?", [name]);
        db.run("DELETE FROM buckets WHERE name = ?", [name]);
        return "deleted" as const;
      });
    },
    async getBucketState(name) {
      const r = db.all("SELECT * FROM buckets WHERE name = ?", [name])[0];
      if (!r) return null;
      const b = { name: r.name as string, owner: r.owner as string, region: r.region as string, created: Number(r.created) };
      const configs: Record<string, string> = {};
      for (const r of db.all("SELECT kind, value FROM bucket_configs WHERE bucket = ?", [name])) configs[r.kind as string] = r.value as string;
      return { bucket: b, configs };
    },
    async getBucketConfig(bucket, kind) {
      const r = db.all("SELECT value FROM bucket_configs WHERE bucket = ? AND kind = ?", [bucket, kind])[0];
      return r ? (r.value as string) : null;
    },
    async putBucketConfig(bucket, kind, value) {
      return db.transaction(() => {
        if (!bucketExists(bucket)) return false;
        if (value === null) db.run("DELETE FROM bucket_configs WHERE bucket = ? AND kind = ?", [bucket, kind]);
        else db.run("INSERT OR REPLACE INTO bucket_configs (bucket, kind, value) VALUES (?,?,?)", [bucket, kind, value]);
        return true;
      });
    },

    async getObject(bucket, key) {
      const r = getObjectRow(bucket, key);
      return r ? rowToObject(r) : null;
    },
    async putObject(obj, { session, cond, events }): Promise<PutResult> {
      return tx((): PutResult => {
        if (!bucketExists(obj.bucket)) { dropSession(session); return { ok: false, reason: "NoSuchBucket" }; }
        const existing = getObjectRow(obj.bucket, obj.key);
        if (!checkCond(existing, cond)) { dropSession(session); return { ok: false, reason: "PreconditionFailed" }; }
        adjustRefs(obj.manifest, 1);
        if (existing) adjustRefs(readManifest(existing.manifest), -1);
        writeObject(obj);
        writeEvents(events);
        dropSession(session);
        return { ok: true };
      });
    },
    async deleteObject(bucket, key, events) {
      return txOrFull(() => {
        const existing = getObjectRow(bucket, key);
        if (!existing) return false;
        adjustRefs(readManifest(existing.manifest), -1);
        db.run("DELETE FROM objects WHERE bucket = ? AND key = ?", [bucket, key]);
        writeEvents(events);
        return true;
      }, "SlowDown" as const);
    },
    async updateObjectTags(bucket, key, tags, events) {
      return txOrFull(() => {
        if (db.run("UPDATE objects SET tags = ? WHERE bucket = ? AND key = ?", [json(tags), bucket, key]).changes === 0) return false;
        writeEvents(events);
        return true;
      }, "SlowDown" as const);
    },
    async listObjects(bucket, { prefix, start, inclusive, limit }): Promise<ObjectSummary[]> {
      // Compare in code-point order (= SQLite's UTF-8 memcmp), not JS UTF-16 order. A start equal
      // to the prefix is a bound too: exclusive, it skips the key that is the prefix itself (a
      // "folder/" marker), else paging under that prefix would return it on every page.
      const afterPrefix = compareKeys(start, prefix) >= 0;
      const lower = afterPrefix ? start : prefix;
      const op = afterPrefix && !inclusive ? ">" : ">=";
      const upper = prefixUpperBound(prefix);
      const params: SqlValue[] = [bucket, lower];
      let sql = `SELECT key, size, etag, last_modified, storage_class FROM objects WHERE bucket = ? AND key ${op} ?`;
      if (upper !== null) { sql += " AND key < ?"; params.push(upper); }
      sql += " ORDER BY key LIMIT ?";
      params.push(limit);
      return db.all(sql, params).map((r) => ({
        key: r.key as string, size: Number(r.size), etag: r.etag as string,
        lastModified: Number(r.last_modified), storageClass: r.storage_class as string,
      }));
    },

    async createUpload(u) {
      return db.transaction(() => {
        if (!bucketExists(u.bucket)) return false;
        const { uploadId, bucket, key, initiated, ...rest } = u;
        db.run("INSERT INTO uploads (upload_id, bucket, key, initiated, data) VALUES (?,?,?,?,?)", [uploadId, bucket, key, initiated, json(rest)]);
        return true;
      });
    },
    async getUpload(bucket, uploadId) {
      const r = db.all("SELECT * FROM uploads WHERE upload_id = ? AND bucket = ?", [uploadId, bucket])[0];
      return r ? rowToUpload(r) : null;
    },
    async putPart(_bucket, p, { session }): Promise<PutResult> {
      return tx((): PutResult => {
        if (!db.all("SELECT 1 AS x FROM uploads WHERE upload_id = ?", [p.uploadId]).length) { dropSession(session); return { ok: false, reason: "NoSuchUpload" }; }
        const old = db.all("SELECT manifest FROM parts WHERE upload_id = ? AND number = ?", [p.uploadId, p.number])[0];
        adjustRefs(p.manifest, 1);
        if (old) adjustRefs(readManifest(old.manifest), -1);
        db.run(
          "INSERT OR REPLACE INTO parts (upload_id, number, size, etag, last_modified, checksum, manifest) VALUES (?,?,?,?,?,?,?)",
          [p.uploadId, p.number, p.size, p.etag, p.lastModified, p.checksum ?? null, storeManifest(p.manifest ?? [])],
        );
        dropSession(session);
        return { ok: true };
      });
    },
    async listParts(_bucket, uploadId, { after, limit }) {
      return db.all("SELECT * FROM parts WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?", [uploadId, after, limit]).map(rowToPart);
    },
    async completeUpload(uploadId, obj, cond, events): Promise<PutResult> {
      return tx((): PutResult => {
        if (!db.all("SELECT 1 AS x FROM uploads WHERE upload_id = ?", [uploadId]).length) return { ok: false, reason: "NoSuchUpload" };
        // The caller built the manifest from a read of the parts; a part replaced since then
        // would make it stale, so re-check every ETag inside the transaction.
        for (const part of obj.parts ?? []) {
          const r = db.all("SELECT etag FROM parts WHERE upload_id = ? AND number = ?", [uploadId, part.number])[0];
          if (!r || r.etag !== part.etag) return { ok: false, reason: "InvalidPart" };
        }
        if (!bucketExists(obj.bucket)) return { ok: false, reason: "NoSuchBucket" };
        const existing = getObjectRow(obj.bucket, obj.key);
        if (!checkCond(existing, cond)) return { ok: false, reason: "PreconditionFailed" };
        adjustRefs(obj.manifest, 1);
        if (existing) adjustRefs(readManifest(existing.manifest), -1);
        abortUploadTx(uploadId);
        writeObject(obj);
        writeEvents(events);
        const now = opts.now();
        db.run("DELETE FROM completed_uploads WHERE completed < ?", [now - COMPLETED_UPLOAD_TTL_MS]);
        db.run("INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, etag, checksum, completed) VALUES (?,?,?,?,?,?)",
          [uploadId, obj.bucket, obj.key, obj.etag, obj.checksum ? json(obj.checksum) : null, now]);
        return { ok: true };
      });
    },
    async getCompletedUpload(bucket, uploadId) {
      const r = db.all("SELECT * FROM completed_uploads WHERE upload_id = ? AND bucket = ? AND completed >= ?",
        [uploadId, bucket, opts.now() - COMPLETED_UPLOAD_TTL_MS])[0];
      return r ? { uploadId, bucket, key: r.key as string, etag: r.etag as string, checksum: parseJson(r.checksum, undefined), completed: Number(r.completed) } : null;
    },
    async abortUpload(_bucket, uploadId) {
      return db.transaction(() => abortUploadTx(uploadId));
    },
    async listUploads(bucket, { prefix, keyMarker, uploadIdMarker, limit }) {
      const upper = prefixUpperBound(prefix);
      const params: SqlValue[] = [bucket, prefix, keyMarker, keyMarker, uploadIdMarker];
      let sql = "SELECT * FROM uploads WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND upload_id > ?))";
      if (upper !== null) { sql += " AND key < ?"; params.push(upper); }
      sql += " ORDER BY key, upload_id LIMIT ?";
      params.push(limit);
      return db.all(sql, params).map(rowToUpload);
    },

    async acquireChunk(session, hash) {
      return db.transaction(() => {
        const r = db.all("SELECT blob FROM chunks WHERE hash = ?", [hash])[0];
        if (!r) return null;
        db.run("INSERT OR IGNORE INTO sessions (id, created) VALUES (?, ?)", [session, opts.now()]);
        db.run("INSERT OR IGNORE INTO pins (session, hash) VALUES (?, ?)", [session, hash]);
        return r.blob as string;
      });
    },
    async intendBlob(session, blobId) {
      db.transaction(() => {
        db.run("INSERT OR IGNORE INTO sessions (id, created) VALUES (?, ?)", [session, opts.now()]);
        db.run("INSERT OR IGNORE INTO blob_intents (blob, session) VALUES (?, ?)", [blobId, session]);
      });
    },
    async registerChunk(session, hash, blobId, size) {
      return db.transaction(() => {
        db.run("INSERT OR IGNORE INTO sessions (id, created) VALUES (?, ?)", [session, opts.now()]);
        db.run("INSERT OR IGNORE INTO pins (session, hash) VALUES (?, ?)", [session, hash]);
        const r = db.all("SELECT blob FROM chunks WHERE hash = ?", [hash])[0];
        // A duplicate keeps its intent: the caller deletes it, and GC does if the caller cannot.
        if (r) return r.blob as string;
        db.run("INSERT INTO chunks (hash, blob, size, refs) VALUES (?,?,?,0)", [hash, blobId, size]);
        db.run("DELETE FROM blob_intents WHERE blob = ?", [blobId]);
        return blobId;
      });
    },
    async releaseSession(session) {
      db.transaction(() => dropSession(session));
    },
    async collectGarbage({ staleSessionsBefore, limit }) {
      return db.transaction(() => {
        for (const s of db.all("SELECT id FROM sessions WHERE created < ?", [staleSessionsBefore])) dropSession(s.id as string);
        const rows = db.all(
          "SELECT hash, blob FROM chunks c WHERE refs <= 0 AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.hash = c.hash) LIMIT ?",
          [limit],
        );
        for (const r of rows) db.run("DELETE FROM chunks WHERE hash = ?", [r.hash]);
        // Blobs written but never registered, by sessions that are gone (a crash, a duplicate).
        const orphans = db.all(
          "SELECT blob FROM blob_intents i WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = i.session) LIMIT ?",
          [Math.max(0, limit - rows.length)],
        );
        for (const o of orphans) db.run("DELETE FROM blob_intents WHERE blob = ?", [o.blob]);
        // Remembered until the caller has deleted the blobs (dropTombstones): a crash in between
        // leaves them for the next pass instead of leaking them.
        for (const b of [...rows, ...orphans]) db.run("INSERT OR IGNORE INTO blob_tombstones (blob) VALUES (?)", [b.blob]);
        return db.all("SELECT blob FROM blob_tombstones LIMIT ?", [limit]).map((t) => t.blob as string);
      });
    },
    async dropTombstones(blobIds) {
      db.transaction(() => { for (const b of blobIds) db.run("DELETE FROM blob_tombstones WHERE blob = ?", [b]); });
    },
    async unnamedBlobs(blobIds) {
      return blobIds.filter((b) => db.all(
        `SELECT 1 AS x FROM chunks WHERE blob = ? UNION ALL SELECT 1 FROM blob_intents WHERE blob = ?
          UNION ALL SELECT 1 FROM blob_tombstones WHERE blob = ? LIMIT 1`, [b, b, b]).length === 0);
    },
    async countChunks() {
      return Number(db.all("SELECT COUNT(*) AS n FROM chunks")[0].n);
    },
    async listChunks({ after, limit }) {
      return db.all("SELECT hash, blob, size FROM chunks WHERE hash > ? ORDER BY hash LIMIT ?", [after, limit])
        .map((r) => ({ hash: r.hash as string, blob: r.blob as string, size: Number(r.size) }));
    },

    // The outbox and the local queue: sql/event-outbox.ts.
    async appendEvents(_bucket, events) {
      return db.transaction(() => writeOutbox(db, events, "access")) === 0;
    },
    async leaseEvents(o): Promise<LeasedEvent[]> {
      return leaseEvents(db, o);
    },
    async settleEvents(_bucket, settled) {
      settleEvents(db, settled);
    },
    async countEvents() {
      const out: Record<string, number> = {};
      for (const r of db.all("SELECT target, COUNT(*) AS n FROM event_outbox GROUP BY target")) out[r.target as string] = Number(r.n);
      return out;
    },
  };
}

class ChunkMissing extends Error {}
