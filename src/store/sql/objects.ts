// Current object versions (objects): the commit that makes a version visible, deletes, tags, listing.
import { DONE, refused, type DeleteCondition, type MetaStore, type ObjectSummary, type PutResult } from "../types.ts";
import type { SqlValue } from "./driver.ts";
import { json, readManifest, rowToObject, type Row } from "./rows.ts";
import type { SqlTables } from "./tables.ts";
import { compareKeys, prefixUpperBound } from "../../util/keys.ts";

export type ObjectMethods = Pick<MetaStore, "getObject" | "putObject" | "deleteObject" | "updateObjectTags" | "updateObjectHeader" | "listObjects">;

const deleteAllowed = (existing: Row, cond?: DeleteCondition): boolean => {
  if (!cond) return true;
  if (cond.ifMatch !== undefined && cond.ifMatch !== "*" && !cond.ifMatch.includes(existing.etag as string)) return false;
  if (cond.lastModifiedSeconds !== undefined && Math.floor(Number(existing.last_modified) / 1000) !== cond.lastModifiedSeconds) return false;
  if (cond.size !== undefined && Number(existing.size) !== cond.size) return false;
  return true;
};

export function sqlObjects(t: SqlTables): ObjectMethods {
  const { db, objectRow } = t;
  return {
    async getObject(bucket, key) {
      const r = objectRow(bucket, key);
      return r ? rowToObject(r) : null;
    },
    async putObject(obj, { session, cond, events }): Promise<PutResult> {
      return t.tx((): PutResult => {
        if (!t.bucketExists(obj.bucket)) { t.dropSession(session); return { ok: false, reason: "NoSuchBucket" }; }
        const existing = objectRow(obj.bucket, obj.key);
        if (!t.putAllowed(existing, cond)) { t.dropSession(session); return { ok: false, reason: "PreconditionFailed" }; }
        t.adjustRefs(obj.manifest, 1);
        if (existing) t.adjustRefs(readManifest(existing.manifest), -1);
        t.writeObject(obj);
        t.writeEvents(events);
        t.dropSession(session);
        return { ok: true };
      });
    },
    async deleteObject(bucket, key, events, cond) {
      return t.txOrFull(() => {
        const existing = objectRow(bucket, key);
        if (!existing) return refused("NoSuchKey");
        if (!deleteAllowed(existing, cond)) return refused("PreconditionFailed");
        t.adjustRefs(readManifest(existing.manifest), -1);
        db.run("DELETE FROM objects WHERE bucket = ? AND key = ?", [bucket, key]);
        t.writeEvents(events);
        return DONE;
      }, refused("SlowDown"));
    },
    async updateObjectTags(bucket, key, tags, events) {
      return t.txOrFull(() => {
        if (db.run("UPDATE objects SET tags = ? WHERE bucket = ? AND key = ?", [json(tags), bucket, key]).changes === 0) return refused("NoSuchKey");
        t.writeEvents(events);
        return DONE;
      }, refused("SlowDown"));
    },
    async updateObjectHeader(bucket, key, name, value) {
      // One statement: a concurrent overwrite of the object either precedes it or replaces it whole.
      const path = `$.${JSON.stringify(name)}`;
      const r = value === null
        ? db.run("UPDATE objects SET headers = json_remove(headers, ?) WHERE bucket = ? AND key = ?", [path, bucket, key])
        : db.run("UPDATE objects SET headers = json_set(headers, ?, ?) WHERE bucket = ? AND key = ?", [path, value, bucket, key]);
      return r.changes === 0 ? refused("NoSuchKey") : DONE;
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
  };
}
