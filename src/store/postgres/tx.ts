// What the table families of the PostgreSQL MetaStore share inside one transaction: the retry
// of a transaction PostgreSQL aborted (deadlock, serialization), a full outbox or a missing
// chunk turned into a result, row and advisory locks, chunk reference counts, sessions' pins,
// and the version moves of a commit. SQLite relied on its single writer for all of this; here
// several nodes write at once, so every read a write depends on is made under a lock:
// - a bucket row FOR KEY SHARE by every write into the bucket, FOR UPDATE by deleteBucket;
// - a key by a transaction-scoped advisory lock (a key that does not exist has no row to lock);
// - an upload row FOR SHARE by putPart, FOR UPDATE by Complete and abort (one of them wins);
// - a chunk row FOR KEY SHARE by whoever pins it, FOR UPDATE SKIP LOCKED by GC (chunks.ts);
// - a target by an advisory lock from an event's count to its commit (the exact queue limit).
import type { Sql, TransactionSql } from "postgres";
import type { ChunkRef, ObjectRecord, PutCondition, PutResult } from "../types.ts";
import { json, readManifest, storeManifest, type Row as SqlRow } from "../sql/rows.ts";

// postgres.js clients with any custom types: this store reads every number through Number().
export type Pg = Sql<any>;
export type Tx = TransactionSql<any>;
export type PgRow = Record<string, any>;

/** Thrown inside a transaction (rolling it back) when a change event meets a full target queue. */
export class OutboxFull extends Error {}
/** Thrown inside a transaction when a manifest names a chunk this store does not hold (any more). */
export class ChunkMissing extends Error {}

/** Advisory lock namespaces (hashtextextended's seed): what a lock's text names. */
export const LOCK = { key: 1, part: 2, target: 3 } as const;

const RETRIED = new Set(["40P01", "40001"]); // deadlock_detected, serialization_failure

/** Runs fn in a transaction, again when PostgreSQL aborted it for a deadlock (it picks one victim). */
export async function transaction<T>(sql: Pg, fn: (tx: Tx) => Promise<T>, isolation?: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await (isolation ? sql.begin(isolation, fn) : sql.begin(fn))) as T;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (attempt >= 8 || !code || !RETRIED.has(code)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
    }
  }
}

/** A transaction whose full outbox becomes `full` (everything rolled back). */
export async function txOrFull<T, F>(sql: Pg, fn: (tx: Tx) => Promise<T>, full: F): Promise<T | F> {
  try {
    return await transaction(sql, fn);
  } catch (e) {
    if (e instanceof OutboxFull) return full;
    throw e;
  }
}

/** A transaction whose missing chunk or full outbox rolls back and becomes a PutResult. */
export async function putTx(sql: Pg, fn: (tx: Tx) => Promise<PutResult>): Promise<PutResult> {
  try {
    return await txOrFull<PutResult, PutResult>(sql, fn, { ok: false, reason: "SlowDown" });
  } catch (e) {
    if (e instanceof ChunkMissing) return { ok: false, reason: "ChunkMissing" };
    throw e;
  }
}

/** A row as the SQL store's row readers (sql/rows.ts) take it: bytes as a plain Uint8Array. */
export function asRow(r: PgRow): SqlRow {
  if (r.inline instanceof Uint8Array && r.inline.constructor !== Uint8Array) r.inline = new Uint8Array(r.inline);
  return r as SqlRow;
}

/** Locks the bucket row against deletion while this transaction writes into it; false if there is none. */
export async function lockBucket(tx: Tx, name: string): Promise<boolean> {
  return (await tx`SELECT 1 AS x FROM buckets WHERE name = ${name} FOR KEY SHARE`).length > 0;
}

/** Serialises the writes of one key (bucket, key) until commit; a hash collision only serialises more. */
export async function lockKey(tx: Tx, bucket: string, key: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${bucket}::text || '/' || ${key}::text, ${LOCK.key}))`;
}

/** lockBucket and lockKey in one round trip (the key only if the bucket exists); false if there is no bucket. */
export async function lockBucketAndKey(tx: Tx, bucket: string, key: string): Promise<boolean> {
  return (await tx`SELECT pg_advisory_xact_lock(hashtextextended(${bucket}::text || '/' || ${key}::text, ${LOCK.key})) AS x
    FROM buckets WHERE name = ${bucket} FOR KEY SHARE`).length > 0;
}

export const VERSION_COLUMNS = "bucket, key, version_id, size, etag, last_modified, headers, tags, checksum, parts, storage_class, inline, manifest, delete_marker, seq, content_sha256, content_md5, lock_mode, lock_until, legal_hold, sse";

export async function objectRow(tx: Pg | Tx, bucket: string, key: string): Promise<PgRow | undefined> {
  return (await tx`SELECT * FROM objects WHERE bucket = ${bucket} AND key = ${key}`)[0];
}

/** The named version and whether it is current, read in one statement (one snapshot: a version moving between the tables is seen once). */
export async function findVersion(tx: Pg | Tx, bucket: string, key: string, versionId: string): Promise<{ row: PgRow; current: boolean } | undefined> {
  const r = (await tx.unsafe(
    `SELECT ${VERSION_COLUMNS}, true AS is_current FROM objects WHERE bucket = $1 AND key = $2 AND version_id = $3
     UNION ALL SELECT ${VERSION_COLUMNS}, false FROM object_versions WHERE bucket = $1 AND key = $2 AND version_id = $3 LIMIT 1`,
    [bucket, key, versionId]))[0];
  return r ? { row: r, current: r.is_current === true } : undefined;
}

/**
 * Counts manifests' chunks in and out, one statement each way, in hash order (fewer lock-order
 * deadlocks between two commits; one that happens is retried). A chunk counted in must match
 * hash and blob, else ChunkMissing (collected meanwhile, or another store's blob).
 */
export async function adjustRefs(tx: Tx, add: readonly ChunkRef[] | undefined, drop: readonly ChunkRef[] | undefined): Promise<void> {
  const plus = new Map<string, { hash: string; blob: string; n: number }>();
  for (const c of add ?? []) {
    const k = `${c.hash}\n${c.blob}`;
    const e = plus.get(k);
    if (e) e.n++;
    else plus.set(k, { hash: c.hash, blob: c.blob, n: 1 });
  }
  const minus = new Map<string, number>();
  for (const c of drop ?? []) minus.set(c.hash, (minus.get(c.hash) ?? 0) + 1);
  // Shared chunks cancel out (a null version replaced by the same bytes): one update fewer.
  for (const e of plus.values()) {
    const m = minus.get(e.hash);
    if (!m) continue;
    const both = Math.min(m, e.n);
    e.n -= both;
    if (m === both) minus.delete(e.hash);
    else minus.set(e.hash, m - both);
  }
  const ups = [...plus.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  if (ups.length) {
    // A pair whose count cancelled out still has to exist: it is checked too (adding 0).
    const hit = await tx`
      UPDATE chunks c SET refs = c.refs + d.n FROM unnest(${ups.map((u) => u.hash)}::text[], ${ups.map((u) => u.blob)}::text[],
        ${ups.map((u) => u.n)}::int[]) AS d(h, b, n)
      WHERE c.hash = d.h AND c.blob = d.b RETURNING c.hash`;
    if (hit.length !== ups.length) throw new ChunkMissing();
  }
  const downs = [...minus.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (downs.length) {
    await tx`UPDATE chunks c SET refs = c.refs - d.n FROM unnest(${downs.map((d) => d[0])}::text[], ${downs.map((d) => d[1])}::int[]) AS d(h, n)
      WHERE c.hash = d.h`;
  }
}

/** Ends an upload session: its pins no longer keep chunks from collection. */
export async function dropSession(tx: Tx, session?: string): Promise<void> {
  if (!session) return;
  await tx`WITH p AS (DELETE FROM pins WHERE session = ${session}) DELETE FROM sessions WHERE id = ${session}`;
}

export async function openSession(tx: Tx, session: string, now: number): Promise<void> {
  await tx`INSERT INTO sessions (id, created) VALUES (${session}, ${now}) ON CONFLICT (id) DO NOTHING`;
}

/** Whether a write under `cond` may replace `existing`; a delete marker counts as no object. */
export function putAllowed(existing: PgRow | undefined, cond?: PutCondition): boolean {
  if (!cond) return true;
  if (existing?.delete_marker) existing = undefined;
  if (cond.ifMatch !== undefined && !(existing && (cond.ifMatch === "*" || cond.ifMatch.includes(existing.etag as string)))) return false;
  if (cond.ifNoneMatch === "*" && existing) return false;
  return true;
}

/**
 * Makes `o` the key's current version, under the key's lock (`cur`: its objects row as read
 * under it): counts its chunks in (throws ChunkMissing), replaces the null version when `o` is
 * one, keeps any other current version as noncurrent (see sql/tables.ts commitVersion).
 */
export async function commitVersion(tx: Tx, o: ObjectRecord, cur: PgRow | undefined): Promise<void> {
  let dropped: ChunkRef[] | undefined;
  if (cur && cur.version_id === o.versionId) dropped = readManifest(cur.manifest);
  else {
    if (o.versionId === "null" && cur) {
      const old = (await tx`DELETE FROM object_versions WHERE bucket = ${o.bucket} AND key = ${o.key} AND version_id = 'null' RETURNING manifest`)[0];
      if (old) dropped = readManifest(old.manifest);
    }
    if (cur) {
      await tx.unsafe(`INSERT INTO object_versions (${VERSION_COLUMNS}, noncurrent_since) SELECT ${VERSION_COLUMNS}, $1 FROM objects
        WHERE bucket = $2 AND key = $3`, [o.lastModified, o.bucket, o.key]);
    }
  }
  await adjustRefs(tx, o.manifest, dropped);
  const values = [
    o.bucket, o.key, o.versionId, o.size, o.etag, o.lastModified, json(o.headers), json(o.tags),
    o.checksum ? json(o.checksum) : null, o.parts ? json(o.parts) : null, o.storageClass, o.inline ?? null,
    o.manifest ? storeManifest(o.manifest) : null, o.deleteMarker === true, Number(cur?.seq ?? 0) + 1,
    o.content?.sha256 ?? null, o.content?.md5 ?? null, o.retention?.mode ?? null, o.retention?.until ?? null, o.legalHold ?? null, o.sse ? json(o.sse) : null,
  ];
  await tx.unsafe(`INSERT INTO objects (${VERSION_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})
    ON CONFLICT (bucket, key) DO UPDATE SET ${UPDATE_ALL}`, values);
}

const UPDATE_ALL = VERSION_COLUMNS.split(", ").filter((c) => c !== "bucket" && c !== "key").map((c) => `${c} = excluded.${c}`).join(", ");

/** Removes one version for good (current or not), dropping its references; a removed current one is succeeded by the newest noncurrent. */
export async function removeVersion(tx: Tx, row: PgRow, current: boolean): Promise<void> {
  await adjustRefs(tx, undefined, readManifest(row.manifest));
  const { bucket, key } = row as { bucket: string; key: string };
  if (!current) {
    await tx`DELETE FROM object_versions WHERE bucket = ${bucket} AND key = ${key} AND version_id = ${row.version_id}`;
    return;
  }
  await tx`DELETE FROM objects WHERE bucket = ${bucket} AND key = ${key}`;
  await tx.unsafe(`WITH next AS (DELETE FROM object_versions WHERE (bucket, key, version_id) IN (
      SELECT bucket, key, version_id FROM object_versions WHERE bucket = $1 AND key = $2 ORDER BY seq DESC LIMIT 1)
    RETURNING ${VERSION_COLUMNS}) INSERT INTO objects (${VERSION_COLUMNS}) SELECT ${VERSION_COLUMNS} FROM next`, [bucket, key]);
}

/** Drops an upload and its parts' references inside the caller's transaction; false if it was gone. */
export async function abortUploadTx(tx: Tx, uploadId: string): Promise<boolean> {
  // The upload row first: a putPart holding it FOR SHARE commits its part before this goes on,
  // so the parts deleted next include it (else its chunks would stay referenced by nothing).
  const gone = (await tx`DELETE FROM uploads WHERE upload_id = ${uploadId} RETURNING upload_id`).length > 0;
  const parts = await tx`DELETE FROM parts WHERE upload_id = ${uploadId} RETURNING manifest`;
  await adjustRefs(tx, undefined, parts.flatMap((p) => readManifest(p.manifest) ?? []));
  return gone;
}
