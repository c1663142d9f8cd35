// Object versions (objects: each key's current one; object_versions: the noncurrent ones) on
// PostgreSQL: every write of a key runs under the key's advisory lock (tx.ts), so a
// conditional write's check and its commit see the same current version across nodes.
import {
  refused, type DeleteCondition, type DeleteResult, type MetaStore, type ObjectSummary, type PutResult, type Retention, type VersionSummary,
} from "../types.ts";
import { json, rowToObject } from "../sql/rows.ts";
import { compareKeys, prefixUpperBound } from "../../util/keys.ts";
import {
  asRow, commitVersion, dropSession, findVersion, lockBucketAndKey, lockKey, objectRow, putAllowed, putTx, removeVersion, transaction, txOrFull,
  type Pg, type PgRow, type Tx,
} from "./tx.ts";
import { writeEvents } from "./event-outbox.ts";
import { usageOf, type UsageRow } from "../usage.ts";

export type ObjectMethods = Pick<MetaStore,
  "getObject" | "putObject" | "deleteObject" | "updateObjectTags" | "updateObjectLock" | "updateObjectHeader" | "listObjects"
  | "listObjectVersions" | "findObjectsByContent" | "bucketUsage">;

const deleteAllowed = (existing: PgRow, cond?: DeleteCondition): boolean => {
  if (!cond) return true;
  if (cond.ifMatch !== undefined && cond.ifMatch !== "*" && !cond.ifMatch.includes(existing.etag as string)) return false;
  if (cond.lastModifiedSeconds !== undefined && Math.floor(Number(existing.last_modified) / 1000) !== cond.lastModifiedSeconds) return false;
  if (cond.size !== undefined && Number(existing.size) !== cond.size) return false;
  return true;
};

/** Object Lock (DeleteCondition.lock): a legal hold, or a retention not yet over that the caller may not bypass. */
const lockedAgainst = (row: PgRow, lock: DeleteCondition["lock"]): boolean => {
  if (!lock) return false;
  if (row.legal_hold === true) return true;
  if (row.lock_until === null || row.lock_until === undefined || Number(row.lock_until) <= lock.now) return false;
  return row.lock_mode === "COMPLIANCE" || !lock.bypassGovernance;
};

const sameRetention = (row: PgRow, r: Retention | null): boolean =>
  r === null ? row.lock_until === null || row.lock_until === undefined : row.lock_mode === r.mode && Number(row.lock_until) === r.until;

const SUMMARY_COLUMNS = "key, version_id, size, etag, last_modified, storage_class, delete_marker, seq";

const toVersionSummary = (r: PgRow): VersionSummary => ({
  key: r.key as string, versionId: r.version_id as string, size: Number(r.size), etag: r.etag as string,
  lastModified: Number(r.last_modified), storageClass: r.storage_class as string,
  isLatest: r.is_latest === true, deleteMarker: r.delete_marker === true,
  ...(r.noncurrent_since !== null && r.noncurrent_since !== undefined ? { noncurrentSince: Number(r.noncurrent_since) } : {}),
});

/** `key op $n` from `start` under `prefix` (see sql/objects.ts keyRange), parameters from `$first`. */
function keyRange(prefix: string, start: string, inclusive: boolean, first: number): { sql: string; params: string[] } {
  const afterPrefix = compareKeys(start, prefix) >= 0;
  const lower = afterPrefix ? start : prefix;
  const op = afterPrefix && !inclusive ? ">" : ">=";
  const upper = prefixUpperBound(prefix);
  return upper === null
    ? { sql: `key ${op} $${first}`, params: [lower] }
    : { sql: `key ${op} $${first} AND key < $${first + 1}`, params: [lower, upper] };
}

/** The current version, or the named one, as locked by the caller. */
async function target(tx: Tx, bucket: string, key: string, versionId: string | undefined): Promise<{ row: PgRow; current: boolean } | undefined> {
  if (versionId !== undefined) return findVersion(tx, bucket, key, versionId);
  const r = await objectRow(tx, bucket, key);
  return r && { row: r, current: true };
}

export function pgObjects(sql: Pg): ObjectMethods {
  return {
    async getObject(bucket, key, versionId) {
      const r = versionId === undefined ? await objectRow(sql, bucket, key) : (await findVersion(sql, bucket, key, versionId))?.row;
      return r ? rowToObject(asRow(r)) : null;
    },
    async putObject(obj, { session, cond, events }): Promise<PutResult> {
      return putTx(sql, async (tx): Promise<PutResult> => {
        // Pipelined: the server runs the read after the lock, in a snapshot taken then.
        const [there, cur] = await Promise.all([lockBucketAndKey(tx, obj.bucket, obj.key), objectRow(tx, obj.bucket, obj.key)]);
        if (!there) { await dropSession(tx, session); return { ok: false, reason: "NoSuchBucket" }; }
        if (!putAllowed(cur, cond)) { await dropSession(tx, session); return { ok: false, reason: "PreconditionFailed" }; }
        await commitVersion(tx, obj, cur);
        await writeEvents(tx, events, "change");
        await dropSession(tx, session);
        return { ok: true };
      });
    },
    async deleteObject(bucket, key, events, cond, version): Promise<DeleteResult> {
      return txOrFull(sql, async (tx): Promise<DeleteResult> => {
        if (!(version && "marker" in version)) {
          // Pipelined, as in putObject: the read runs after the lock.
          const [, found] = await Promise.all([lockKey(tx, bucket, key), target(tx, bucket, key, version?.versionId)]);
          if (!found) return refused(version ? "NoSuchVersion" : "NoSuchKey");
          if (!deleteAllowed(found.row, cond)) return refused("PreconditionFailed");
          if (lockedAgainst(found.row, cond?.lock)) return refused("AccessDenied");
          await removeVersion(tx, found.row, found.current);
          await writeEvents(tx, events, "change");
          return { ok: true, versionId: found.row.version_id as string, deleteMarker: found.row.delete_marker === true };
        }
        // A marker is a write into the bucket: it must not land in one being deleted.
        const [there, cur] = await Promise.all([lockBucketAndKey(tx, bucket, key), objectRow(tx, bucket, key)]);
        if (!there) return refused("NoSuchKey");
        if (cond && (!cur || cur.delete_marker)) return refused("NoSuchKey");
        if (cur && !deleteAllowed(cur, cond)) return refused("PreconditionFailed");
        const { versionId, lastModified } = version.marker;
        await commitVersion(tx, {
          bucket, key, versionId, size: 0, etag: "", lastModified, headers: {}, tags: {}, storageClass: "STANDARD", deleteMarker: true,
        }, cur);
        await writeEvents(tx, events, "change");
        return { ok: true, versionId, deleteMarker: true };
      }, refused("SlowDown"));
    },
    async updateObjectTags(bucket, key, tags, events, versionId) {
      return txOrFull(sql, async (tx) => {
        const [, found] = await Promise.all([lockKey(tx, bucket, key), target(tx, bucket, key, versionId)]);
        if (!found || found.row.delete_marker) return versionId === undefined ? refused("NoSuchKey") : refused("NoSuchVersion");
        const table = found.current ? "objects" : "object_versions";
        await tx.unsafe(`UPDATE ${table} SET tags = $1 WHERE bucket = $2 AND key = $3 AND version_id = $4`, [json(tags), bucket, key, found.row.version_id]);
        await writeEvents(tx, events, "change");
        return { ok: true } as const;
      }, refused("SlowDown"));
    },
    async updateObjectLock(bucket, key, versionId, change, opts = {}) {
      return txOrFull(sql, async (tx) => {
        await lockKey(tx, bucket, key);
        const found = await target(tx, bucket, key, versionId);
        if (!found || found.row.delete_marker) return versionId === undefined ? refused("NoSuchKey") : refused("NoSuchVersion");
        if (opts.expect !== undefined && !sameRetention(found.row, opts.expect)) return refused("PreconditionFailed");
        const sets: string[] = [];
        const params: (string | number | boolean | null)[] = [];
        const p = (v: string | number | boolean | null) => { params.push(v); return `$${params.length}`; };
        if (change.retention !== undefined) sets.push(`lock_mode = ${p(change.retention?.mode ?? null)}`, `lock_until = ${p(change.retention?.until ?? null)}`);
        if (change.legalHold !== undefined) sets.push(`legal_hold = ${p(change.legalHold)}`);
        const table = found.current ? "objects" : "object_versions";
        if (sets.length) {
          await tx.unsafe(`UPDATE ${table} SET ${sets.join(", ")} WHERE bucket = ${p(bucket)} AND key = ${p(key)} AND version_id = ${p(found.row.version_id as string)}`, params);
        }
        await writeEvents(tx, opts.events, "change");
        return { ok: true } as const;
      }, refused("SlowDown"));
    },
    async updateObjectHeader(bucket, key, name, value, versionId) {
      return transaction(sql, async (tx) => {
        await lockKey(tx, bucket, key);
        const found = await target(tx, bucket, key, versionId);
        if (!found || found.row.delete_marker) return refused("NoSuchKey");
        const headers = JSON.parse(found.row.headers as string) as Record<string, string>;
        if (value === null) delete headers[name];
        else headers[name] = value;
        const table = found.current ? "objects" : "object_versions";
        await tx.unsafe(`UPDATE ${table} SET headers = $1 WHERE bucket = $2 AND key = $3 AND version_id = $4`, [json(headers), bucket, key, found.row.version_id]);
        return { ok: true } as const;
      });
    },
    async listObjects(bucket, { prefix, start, inclusive, limit }): Promise<ObjectSummary[]> {
      const range = keyRange(prefix, start, inclusive, 2);
      const rows = await sql.unsafe(`SELECT key, size, etag, last_modified, storage_class FROM objects WHERE bucket = $1 AND ${range.sql}
        AND NOT delete_marker ORDER BY key LIMIT $${range.params.length + 2}`, [bucket, ...range.params, limit]);
      return rows.map((r) => ({
        key: r.key as string, size: Number(r.size), etag: r.etag as string,
        lastModified: Number(r.last_modified), storageClass: r.storage_class as string,
      }));
    },
    async findObjectsByContent(bucket, sha256, size, limit) {
      const rows = await sql`SELECT * FROM objects WHERE bucket = ${bucket} AND content_sha256 = ${sha256} AND size = ${size}
        AND NOT delete_marker LIMIT ${limit}`;
      return rows.map((r) => rowToObject(asRow(r)));
    },
    async bucketUsage(bucket) {
      // One statement: both tables read from one snapshot (a version moving between them counts once).
      const count = (current: boolean, table: string) => `SELECT ${current} AS current, COUNT(*) AS n, COUNT(*) FILTER (WHERE delete_marker) AS markers,
        COALESCE(SUM(size) FILTER (WHERE NOT delete_marker), 0) AS bytes FROM ${table} WHERE bucket = $1`;
      return usageOf(await sql.unsafe(`${count(true, "objects")} UNION ALL ${count(false, "object_versions")}`, [bucket]) as unknown as UsageRow[]);
    },
    async listObjectVersions(bucket, { prefix, start, inclusive, versionIdMarker, limit }): Promise<VersionSummary[]> {
      // One snapshot for both reads: a version moving between the tables is listed once.
      return transaction(sql, async (tx) => {
        const out: VersionSummary[] = [];
        // The rest of key `start` after the marker version: only noncurrent ones are older.
        if (versionIdMarker !== undefined && !inclusive && limit > 0 && start.startsWith(prefix)) {
          const at = await findVersion(tx, bucket, start, versionIdMarker);
          if (at) {
            out.push(...(await tx.unsafe(
              `SELECT ${SUMMARY_COLUMNS}, false AS is_latest, noncurrent_since FROM object_versions
                WHERE bucket = $1 AND key = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`,
              [bucket, start, Number(at.row.seq), limit])).map(toVersionSummary));
          }
        }
        if (out.length >= limit) return out;
        const range = keyRange(prefix, start, inclusive, 2);
        const n = range.params.length + 2;
        const rows = await tx.unsafe(
          `SELECT ${SUMMARY_COLUMNS}, true AS is_latest, NULL::bigint AS noncurrent_since FROM objects WHERE bucket = $1 AND ${range.sql}
           UNION ALL
           SELECT ${SUMMARY_COLUMNS}, false AS is_latest, noncurrent_since FROM object_versions WHERE bucket = $1 AND ${range.sql}
           ORDER BY key, seq DESC LIMIT $${n}`,
          [bucket, ...range.params, limit - out.length]);
        out.push(...rows.map(toVersionSummary));
        return out;
      }, "isolation level repeatable read read only");
    },
  };
}
