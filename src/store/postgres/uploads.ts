// Multipart uploads and their parts (uploads, parts, completed_uploads) on PostgreSQL. The
// upload row is the lock: putPart holds it FOR SHARE (parts of one upload go in side by side),
// Complete and abort FOR UPDATE, so racing Completes have one winner and the others find no
// upload, and no part lands in an upload being completed or aborted.
import { DONE, refused, type MetaStore, type PutResult } from "../types.ts";
import { json, parseJson, readManifest, rowToPart, rowToUpload, storeManifest } from "../sql/rows.ts";
import { prefixUpperBound } from "../../util/keys.ts";
import {
  abortUploadTx, adjustRefs, commitVersion, dropSession, LOCK, lockBucket, lockKey, objectRow, putAllowed, putTx, transaction, type Pg,
} from "./tx.ts";
import { writeEvents } from "./event-outbox.ts";

/** How long a completed upload still answers a retried Complete. */
const COMPLETED_UPLOAD_TTL_MS = 24 * 3600 * 1000;

export type UploadMethods = Pick<MetaStore,
  "createUpload" | "getUpload" | "putPart" | "listParts" | "completeUpload" | "getCompletedUpload" | "abortUpload" | "listUploads">;

export function pgUploads(sql: Pg, now: () => number): UploadMethods {
  return {
    async createUpload(u) {
      return transaction(sql, async (tx) => {
        if (!(await lockBucket(tx, u.bucket))) return refused("NoSuchBucket");
        const { uploadId, bucket, key, initiated, ...rest } = u;
        await tx`INSERT INTO uploads (upload_id, bucket, key, initiated, data) VALUES (${uploadId}, ${bucket}, ${key}, ${initiated}, ${json(rest)})`;
        return DONE;
      });
    },
    async getUpload(bucket, uploadId) {
      const r = (await sql`SELECT * FROM uploads WHERE upload_id = ${uploadId} AND bucket = ${bucket}`)[0];
      return r ? rowToUpload(r) : null;
    },
    async putPart(_bucket, p, { session }): Promise<PutResult> {
      return putTx(sql, async (tx): Promise<PutResult> => {
        if (!(await tx`SELECT 1 AS x FROM uploads WHERE upload_id = ${p.uploadId} FOR SHARE`).length) {
          await dropSession(tx, session);
          return { ok: false, reason: "NoSuchUpload" };
        }
        // One writer of a part number at a time: the replaced part's chunks are released once.
        await tx`SELECT pg_advisory_xact_lock(hashtextextended(${p.uploadId}::text || '#' || ${String(p.number)}::text, ${LOCK.part}))`;
        const old = (await tx`SELECT manifest FROM parts WHERE upload_id = ${p.uploadId} AND number = ${p.number}`)[0];
        await adjustRefs(tx, p.manifest, old ? readManifest(old.manifest) : undefined);
        await tx`INSERT INTO parts (upload_id, number, size, etag, last_modified, checksum, manifest)
          VALUES (${p.uploadId}, ${p.number}, ${p.size}, ${p.etag}, ${p.lastModified}, ${p.checksum ?? null}, ${storeManifest(p.manifest ?? [])})
          ON CONFLICT (upload_id, number) DO UPDATE SET size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified,
            checksum = excluded.checksum, manifest = excluded.manifest`;
        await dropSession(tx, session);
        return { ok: true };
      });
    },
    async listParts(_bucket, uploadId, { after, limit }) {
      return (await sql`SELECT * FROM parts WHERE upload_id = ${uploadId} AND number > ${after} ORDER BY number LIMIT ${limit}`).map(rowToPart);
    },
    async completeUpload(uploadId, obj, cond, events): Promise<PutResult> {
      return putTx(sql, async (tx): Promise<PutResult> => {
        // Lock order as everywhere: bucket, then upload, then key.
        const bucketThere = await lockBucket(tx, obj.bucket);
        if (!(await tx`SELECT 1 AS x FROM uploads WHERE upload_id = ${uploadId} FOR UPDATE`).length) return { ok: false, reason: "NoSuchUpload" };
        // The caller built the manifest from a read of the parts; a part replaced since then
        // would make it stale, so every ETag is checked again under the lock.
        const etags = new Map<number, string>();
        for (const r of await tx`SELECT number, etag FROM parts WHERE upload_id = ${uploadId}`) etags.set(Number(r.number), r.etag as string);
        for (const part of obj.parts ?? []) if (etags.get(part.number) !== part.etag) return { ok: false, reason: "InvalidPart" };
        if (!bucketThere) return { ok: false, reason: "NoSuchBucket" };
        await lockKey(tx, obj.bucket, obj.key);
        const cur = await objectRow(tx, obj.bucket, obj.key);
        if (!putAllowed(cur, cond)) return { ok: false, reason: "PreconditionFailed" };
        // Counted in before the parts are released, so chunks they share stay referenced.
        await commitVersion(tx, obj, cur);
        await abortUploadTx(tx, uploadId);
        await writeEvents(tx, events, "change");
        const at = now();
        await tx`DELETE FROM completed_uploads WHERE completed < ${at - COMPLETED_UPLOAD_TTL_MS}`;
        await tx`INSERT INTO completed_uploads (upload_id, bucket, key, etag, checksum, completed, version_id)
          VALUES (${uploadId}, ${obj.bucket}, ${obj.key}, ${obj.etag}, ${obj.checksum ? json(obj.checksum) : null}, ${at}, ${obj.versionId})
          ON CONFLICT (upload_id) DO UPDATE SET bucket = excluded.bucket, key = excluded.key, etag = excluded.etag,
            checksum = excluded.checksum, completed = excluded.completed, version_id = excluded.version_id`;
        return { ok: true };
      });
    },
    async getCompletedUpload(bucket, uploadId) {
      const r = (await sql`SELECT * FROM completed_uploads WHERE upload_id = ${uploadId} AND bucket = ${bucket}
        AND completed >= ${now() - COMPLETED_UPLOAD_TTL_MS}`)[0];
      return r ? { uploadId, bucket, key: r.key as string, etag: r.etag as string, checksum: parseJson(r.checksum, undefined), completed: Number(r.completed),
        ...(typeof r.version_id === "string" ? { versionId: r.version_id } : {}) } : null;
    },
    async abortUpload(_bucket, uploadId) {
      return transaction(sql, async (tx) => ((await abortUploadTx(tx, uploadId)) ? DONE : refused("NoSuchUpload")));
    },
    async listUploads(bucket, { prefix, keyMarker, uploadIdMarker, limit }) {
      const upper = prefixUpperBound(prefix);
      const params: (string | number)[] = [bucket, prefix, keyMarker, uploadIdMarker];
      let q = "SELECT * FROM uploads WHERE bucket = $1 AND key >= $2 AND (key > $3 OR (key = $3 AND upload_id > $4))";
      if (upper !== null) { params.push(upper); q += ` AND key < $${params.length}`; }
      params.push(limit);
      q += ` ORDER BY key, upload_id LIMIT $${params.length}`;
      return (await sql.unsafe(q, params)).map(rowToUpload);
    },
  };
}
