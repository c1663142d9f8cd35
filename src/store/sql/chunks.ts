// Content-addressed chunks and their collection (chunks, sessions, pins, blob_intents,
// blob_tombstones): an upload session pins what it found or wrote until its commit counts it.
import type { MetaStore } from "../types.ts";
import type { SqlTables } from "./tables.ts";

export type ChunkMethods = Pick<MetaStore,
  "acquireChunk" | "intendBlob" | "registerChunk" | "releaseSession" | "collectGarbage" | "dropTombstones" | "unnamedBlobs" | "countChunks" | "listChunks">;

export function sqlChunks({ db, now, dropSession }: SqlTables): ChunkMethods {
  const openSession = (session: string) => db.run("INSERT OR IGNORE INTO sessions (id, created) VALUES (?, ?)", [session, now()]);
  return {
    async acquireChunk(session, hash) {
      return db.transaction(() => {
        const r = db.all("SELECT blob FROM chunks WHERE hash = ?", [hash])[0];
        if (!r) return null;
        openSession(session);
        db.run("INSERT OR IGNORE INTO pins (session, hash) VALUES (?, ?)", [session, hash]);
        return r.blob as string;
      });
    },
    async intendBlob(session, blobId) {
      db.transaction(() => {
        openSession(session);
        db.run("INSERT OR IGNORE INTO blob_intents (blob, session) VALUES (?, ?)", [blobId, session]);
      });
    },
    async registerChunk(session, hash, blobId, size) {
      return db.transaction(() => {
        openSession(session);
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
  };
}
