// Object versions (objects: each key's current one; object_versions: the noncurrent ones): the
// commit that makes a version current, versioned deletes and delete markers, tags, listings.
import { refused, type Retention, type DeleteCondition, type DeleteResult, type MetaStore, type ObjectSummary, type PutResult, type VersionSummary } from "../types.ts";
import type { SqlValue } from "./driver.ts";
import { json, rowToObject, type Row } from "./rows.ts";
import type { SqlTables } from "./tables.ts";
import { usageOf, type UsageRow } from "../usage.ts";
import { compareKeys, prefixUpperBound } from "../../util/keys.ts";

export type ObjectMethods = Pick<MetaStore,
  "getObject" | "putObject" | "deleteObject" | "updateObjectTags" | "updateObjectHeader" | "listObjects" | "listObjectVersions"
  | "findObjectsByContent" | "updateObjectLock" | "bucketUsage">;

const deleteAllowed = (existing: Row, cond?: DeleteCondition): boolean => {
  if (!cond) return true;
  if (cond.ifMatch !== undefined && cond.ifMatch !== "*" && !cond.ifMatch.includes(existing.etag as string)) return false;
  if (cond.lastModifiedSeconds !== undefined && Math.floor(Number(existing.last_modified) / 1000) !== cond.lastModifiedSeconds) return false;
  if (cond.size !== undefined && Number(existing.size) !== cond.size) return false;
  return true;
};

/** Object Lock (DeleteCondition.lock): a legal hold, or a retention not yet over that the caller may not bypass. */
const lockedAgainst = (row: Row, lock: DeleteCondition["lock"]): boolean => {
  if (!lock) return false;
  if (Number(row.legal_hold ?? 0) === 1) return true;
  if (row.lock_until === null || row.lock_until === undefined || Number(row.lock_until) <= lock.now) return false;
  return row.lock_mode === "COMPLIANCE" || !lock.bypassGovernance;
};

const sameRetention = (row: Row, r: Retention | null): boolean =>
  r === null ? row.lock_until === null || row.lock_until === undefined : row.lock_mode === r.mode && Number(row.lock_until) === r.until;

const SUMMARY_COLUMNS = "key, version_id, size, etag, last_modified, storage_class, delete_marker, seq";

const toVersionSummary = (r: Row): VersionSummary => ({
  key: r.key as string, versionId: r.version_id as string, size: Number(r.size), etag: r.etag as string,
  lastModified: Number(r.last_modified), storageClass: r.storage_class as string,
  isLatest: Number(r.is_latest) === 1, deleteMarker: Number(r.delete_marker) === 1,
  ...(r.noncurrent_since !== null && r.noncurrent_since !== undefined ? { noncurrentSince: Number(r.noncurrent_since) } : {}),
});

/** `key op ?` from `start` under `prefix`, as listObjects and listObjectVersions bound their scan. */
function keyRange(prefix: string, start: string, inclusive: boolean): { sql: string; params: SqlValue[] } {
  // Compare in code-point order (= SQLite's UTF-8 memcmp), not JS UTF-16 order. A start equal
  // to the prefix is a bound too: exclusive, it skips the key that is the prefix itself (a
  // "folder/" marker), else paging under that prefix would return it on every page.
  const afterPrefix = compareKeys(start, prefix) >= 0;
  const lower = afterPrefix ? start : prefix;
  const op = afterPrefix && !inclusive ? ">" : ">=";
  const upper = prefixUpperBound(prefix);
  return upper === null
    ? { sql: `key ${op} ?`, params: [lower] }
    : { sql: `key ${op} ? AND key < ?`, params: [lower, upper] };
}

export function sqlObjects(t: SqlTables): ObjectMethods {
  const { db, objectRow, versionRow } = t;
  /** The named version and whether it is the current one. */
  const findVersion = (bucket: string, key: string, versionId: string): { row: Row; current: boolean } | undefined => {
    const cur = objectRow(bucket, key);
    if (cur && cur.version_id === versionId) return { row: cur, current: true };
    const old = versionRow(bucket, key, versionId);
    return old ? { row: old, current: false } : undefined;
  };
  return {
    async getObject(bucket, key, versionId) {
      const r = versionId === undefined ? objectRow(bucket, key) : findVersion(bucket, key, versionId)?.row;
      return r ? rowToObject(r) : null;
    },
    async putObject(obj, { session, cond, events }): Promise<PutResult> {
      return t.tx((): PutResult => {
        if (!t.bucketExists(obj.bucket)) { t.dropSession(session); return { ok: false, reason: "NoSuchBucket" }; }
        const cur = t.writeTarget(obj.bucket, obj.key) ?? null;
        if (!t.putAllowed(cur ?? undefined, cond)) { t.dropSession(session); return { ok: false, reason: "PreconditionFailed" }; }
        t.commitVersion(obj, cur);
        t.writeEvents(events);
        t.dropSession(session);
        return { ok: true };
      });
    },
    async deleteObject(bucket, key, events, cond, version): Promise<DeleteResult> {
      return t.txOrFull((): DeleteResult => {
        if (version && "marker" in version) {
          const cur = objectRow(bucket, key);
          if (cond && (!cur || cur.delete_marker)) return refused("NoSuchKey");
          if (cur && !deleteAllowed(cur, cond)) return refused("PreconditionFailed");
          const { versionId, lastModified } = version.marker;
          t.commitVersion({
            bucket, key, versionId, size: 0, etag: "", lastModified, headers: {}, tags: {}, storageClass: "STANDARD", deleteMarker: true,
          }, cur ?? null);
          t.writeEvents(events);
          return { ok: true, versionId, deleteMarker: true };
        }
        let found: { row: Row; current: boolean } | undefined;
        if (version) {
          found = findVersion(bucket, key, version.versionId);
          if (!found) return refused("NoSuchVersion");
        } else {
          const cur = objectRow(bucket, key);
          if (!cur) return refused("NoSuchKey");
          found = { row: cur, current: true };
        }
        if (!deleteAllowed(found.row, cond)) return refused("PreconditionFailed");
        if (lockedAgainst(found.row, cond?.lock)) return refused("AccessDenied");
        t.removeVersion(found.row, found.current);
        t.writeEvents(events);
        return { ok: true, versionId: found.row.version_id as string, deleteMarker: Number(found.row.delete_marker) === 1 };
      }, refused("SlowDown"));
    },
    async updateObjectTags(bucket, key, tags, events, versionId) {
      return t.txOrFull(() => {
        const missing = versionId === undefined ? refused("NoSuchKey") : refused("NoSuchVersion");
        const found = versionId === undefined ? (() => { const r = objectRow(bucket, key); return r && { row: r, current: true }; })()
          : findVersion(bucket, key, versionId);
        if (!found || found.row.delete_marker) return missing;
        const table = found.current ? "objects" : "object_versions";
        db.run(`UPDATE ${table} SET tags = ? WHERE bucket = ? AND key = ? AND version_id = ?`, [json(tags), bucket, key, found.row.version_id]);
        t.writeEvents(events);
        return { ok: true } as const;
      }, refused("SlowDown"));
    },
    async updateObjectLock(bucket, key, versionId, change, opts = {}) {
      return t.txOrFull(() => {
        const found = versionId === undefined ? (() => { const r = objectRow(bucket, key); return r && { row: r, current: true }; })()
          : findVersion(bucket, key, versionId);
        if (!found || found.row.delete_marker) return versionId === undefined ? refused("NoSuchKey") : refused("NoSuchVersion");
        if (opts.expect !== undefined && !sameRetention(found.row, opts.expect)) return refused("PreconditionFailed");
        const sets: string[] = [];
        const params: SqlValue[] = [];
        if (change.retention !== undefined) { sets.push("lock_mode = ?", "lock_until = ?"); params.push(change.retention?.mode ?? null, change.retention?.until ?? null); }
        if (change.legalHold !== undefined) { sets.push("legal_hold = ?"); params.push(change.legalHold ? 1 : 0); }
        const table = found.current ? "objects" : "object_versions";
        if (sets.length) db.run(`UPDATE ${table} SET ${sets.join(", ")} WHERE bucket = ? AND key = ? AND version_id = ?`, [...params, bucket, key, found.row.version_id]);
        t.writeEvents(opts.events);
        return { ok: true } as const;
      }, refused("SlowDown"));
    },
    async updateObjectHeader(bucket, key, name, value, versionId) {
      // One statement per table: a concurrent overwrite of the object either precedes it or replaces it whole.
      const path = `$.${JSON.stringify(name)}`;
      const set = value === null ? "json_remove(headers, ?)" : "json_set(headers, ?, ?)";
      const args: SqlValue[] = value === null ? [path] : [path, value];
      const where = versionId === undefined ? "" : " AND version_id = ?";
      const params: SqlValue[] = [...args, bucket, key, ...(versionId === undefined ? [] : [versionId])];
      const update = (table: string) => db.run(`UPDATE ${table} SET headers = ${set} WHERE bucket = ? AND key = ? AND delete_marker = 0${where}`, params).changes;
      if (update("objects") > 0) return { ok: true };
      return versionId !== undefined && update("object_versions") > 0 ? { ok: true } : refused("NoSuchKey");
    },
    async listObjects(bucket, { prefix, start, inclusive, limit }): Promise<ObjectSummary[]> {
      const range = keyRange(prefix, start, inclusive);
      const sql = `SELECT key, size, etag, last_modified, storage_class FROM objects WHERE bucket = ? AND ${range.sql}
        AND delete_marker = 0 ORDER BY key LIMIT ?`;
      return db.all(sql, [bucket, ...range.params, limit]).map((r) => ({
        key: r.key as string, size: Number(r.size), etag: r.etag as string,
        lastModified: Number(r.last_modified), storageClass: r.storage_class as string,
      }));
    },
    async findObjectsByContent(bucket, sha256, size, limit) {
      // objects_by_content (schema.ts migrateSchema), named: without statistics SQLite prefers the
      // primary key's bucket prefix, a scan of the whole bucket. Delete markers have no content.
      return db.all(`SELECT * FROM objects INDEXED BY objects_by_content
        WHERE bucket = ? AND content_sha256 = ? AND size = ? AND delete_marker = 0 LIMIT ?`,
        [bucket, sha256, size, limit]).map(rowToObject);
    },
    async bucketUsage(bucket) {
      // One statement: both tables read from one snapshot (a version moving between them counts once).
      const count = (current: 0 | 1, table: string) => `SELECT ${current} AS current, COUNT(*) AS n, COALESCE(SUM(delete_marker), 0) AS markers,
        COALESCE(SUM(CASE WHEN delete_marker = 0 THEN size ELSE 0 END), 0) AS bytes FROM ${table} WHERE bucket = ?`;
      return usageOf(db.all(`${count(1, "objects")} UNION ALL ${count(0, "object_versions")}`, [bucket, bucket]) as unknown as UsageRow[]);
    },
    async listObjectVersions(bucket, { prefix, start, inclusive, versionIdMarker, limit }): Promise<VersionSummary[]> {
      return db.transaction(() => {
        const out: VersionSummary[] = [];
        // The rest of key `start` after the marker version: only noncurrent ones are older.
        if (versionIdMarker !== undefined && !inclusive && limit > 0 && start.startsWith(prefix)) {
          const at = findVersion(bucket, start, versionIdMarker);
          if (at) {
            out.push(...db.all(
              `SELECT ${SUMMARY_COLUMNS}, 0 AS is_latest, noncurrent_since FROM object_versions
                WHERE bucket = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
              [bucket, start, Number(at.row.seq), limit]).map(toVersionSummary));
          }
        }
        if (out.length >= limit) return out;
        const range = keyRange(prefix, start, inclusive);
        // Both sides are read in (key, seq DESC) order, so SQLite merges them without a sort.
        const rows = db.all(
          `SELECT ${SUMMARY_COLUMNS}, 1 AS is_latest, NULL AS noncurrent_since FROM objects WHERE bucket = ? AND ${range.sql}
           UNION ALL
           SELECT ${SUMMARY_COLUMNS}, 0 AS is_latest, noncurrent_since FROM object_versions WHERE bucket = ? AND ${range.sql}
           ORDER BY key, seq DESC LIMIT ?`,
          [bucket, ...range.params, bucket, ...range.params, limit - out.length]);
        out.push(...rows.map(toVersionSummary));
        return out;
      });
    },
  };
}
