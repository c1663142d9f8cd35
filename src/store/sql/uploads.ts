// Multipart uploads and their parts (uploads, parts, completed_uploads).
import { DONE, refused, type MetaStore, type PutResult } from "../types.ts";
import type { SqlValue } from "./driver.ts";
import { json, parseJson, readManifest, rowToPart, rowToUpload, storeManifest } from "./rows.ts";
import type { SqlTables } from "./tables.ts";
import { prefixUpperBound } from "../../util/keys.ts";

/** How long a completed upload still answers a retried Complete. */
const COMPLETED_UPLOAD_TTL_MS = 24 * 3600 * 1000;

export type UploadMethods = Pick<MetaStore,
  "createUpload" | "getUpload" | "putPart" | "listParts" | "completeUpload" | "getCompletedUpload" | "abortUpload" | "listUploads">;

export function sqlUploads(t: SqlTables): UploadMethods {
  const { db } = t;
  const uploadExists = (uploadId: string) => db.all("SELECT 1 AS x FROM uploads WHERE upload_id = ?", [uploadId]).length > 0;
  return {
    async createUpload(u) {
      return db.transaction(() => {
        if (!t.bucketExists(u.bucket)) return refused("NoSuchBucket");
        const { uploadId, bucket, key, initiated, ...rest } = u;
        db.run("INSERT INTO uploads (upload_id, bucket, key, initiated, data) VALUES (?,?,?,?,?)", [uploadId, bucket, key, initiated, json(rest)]);
        return DONE;
      });
    },
    async getUpload(bucket, uploadId) {
      const r = db.all("SELECT * FROM uploads WHERE upload_id = ? AND bucket = ?", [uploadId, bucket])[0];
      return r ? rowToUpload(r) : null;
    },
    async putPart(_bucket, p, { session }): Promise<PutResult> {
      return t.tx((): PutResult => {
        if (!uploadExists(p.uploadId)) { t.dropSession(session); return { ok: false, reason: "NoSuchUpload" }; }
        const old = db.all("SELECT manifest FROM parts WHERE upload_id = ? AND number = ?", [p.uploadId, p.number])[0];
        t.adjustRefs(p.manifest, 1);
        if (old) t.adjustRefs(readManifest(old.manifest), -1);
        db.run(
          "INSERT OR REPLACE INTO parts (upload_id, number, size, etag, last_modified, checksum, manifest) VALUES (?,?,?,?,?,?,?)",
          [p.uploadId, p.number, p.size, p.etag, p.lastModified, p.checksum ?? null, storeManifest(p.manifest ?? [])],
        );
        t.dropSession(session);
        return { ok: true };
      });
    },
    async listParts(_bucket, uploadId, { after, limit }) {
      return db.all("SELECT * FROM parts WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?", [uploadId, after, limit]).map(rowToPart);
    },
    async completeUpload(uploadId, obj, cond, events): Promise<PutResult> {
      return t.tx((): PutResult => {
        if (!uploadExists(uploadId)) return { ok: false, reason: "NoSuchUpload" };
        // The caller built the manifest from a read of the parts; a part replaced since then
        // would make it stale, so re-check every ETag inside the transaction.
        for (const part of obj.parts ?? []) {
          const r = db.all("SELECT etag FROM parts WHERE upload_id = ? AND number = ?", [uploadId, part.number])[0];
          if (!r || r.etag !== part.etag) return { ok: false, reason: "InvalidPart" };
        }
        if (!t.bucketExists(obj.bucket)) return { ok: false, reason: "NoSuchBucket" };
        const cur = t.writeTarget(obj.bucket, obj.key) ?? null;
        if (!t.putAllowed(cur ?? undefined, cond)) return { ok: false, reason: "PreconditionFailed" };
        // Counted in before the parts are released, so chunks they share stay referenced.
        t.commitVersion(obj, cur);
        t.abortUploadTx(uploadId);
        t.writeEvents(events);
        const now = t.now();
        db.run("DELETE FROM completed_uploads WHERE completed < ?", [now - COMPLETED_UPLOAD_TTL_MS]);
        db.run("INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, etag, checksum, completed, version_id) VALUES (?,?,?,?,?,?,?)",
          [uploadId, obj.bucket, obj.key, obj.etag, obj.checksum ? json(obj.checksum) : null, now, obj.versionId]);
        return { ok: true };
      });
    },
    async getCompletedUpload(bucket, uploadId) {
      const r = db.all("SELECT * FROM completed_uploads WHERE upload_id = ? AND bucket = ? AND completed >= ?",
        [uploadId, bucket, t.now() - COMPLETED_UPLOAD_TTL_MS])[0];
      return r ? { uploadId, bucket, key: r.key as string, etag: r.etag as string, checksum: parseJson(r.checksum, undefined), completed: Number(r.completed),
        ...(typeof r.version_id === "string" ? { versionId: r.version_id } : {}) } : null;
    },
    async abortUpload(_bucket, uploadId) {
      return db.transaction(() => (t.abortUploadTx(uploadId) ? DONE : refused("NoSuchUpload")));
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
  };
}
