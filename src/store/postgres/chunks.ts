// Content-addressed chunks and their collection on PostgreSQL (chunks, sessions, pins,
// blob_intents, blob_tombstones). The rule that keeps GC by several nodes from freeing a chunk
// someone is about to reference: whoever pins a chunk (acquireChunk, registerChunk) reads its
// row FOR KEY SHARE in the transaction that writes the pin; GC first locks its candidates FOR
// UPDATE SKIP LOCKED (skipping rows being pinned or counted in right now), then re-checks
// them in a later statement, whose snapshot sees every pin and count committed before it got
// the locks. A pinner that comes after waits for the lock and finds the row gone. Reference
// counts go up by row update (tx.ts adjustRefs), which GC's FOR UPDATE also waits for.
import type { MetaStore } from "../types.ts";
import { dropSession, openSession, transaction, type Pg } from "./tx.ts";

export type ChunkMethods = Pick<MetaStore,
  "acquireChunk" | "intendBlob" | "registerChunk" | "releaseSession" | "collectGarbage" | "dropTombstones" | "unnamedBlobs" | "countChunks" | "listChunks">;

export function pgChunks(sql: Pg, now: () => number): ChunkMethods {
  return {
    async acquireChunk(session, hash) {
      return transaction(sql, async (tx) => {
        const r = (await tx`SELECT blob FROM chunks WHERE hash = ${hash} FOR KEY SHARE`)[0];
        if (!r) return null;
        await openSession(tx, session, now());
        await tx`INSERT INTO pins (session, hash) VALUES (${session}, ${hash}) ON CONFLICT DO NOTHING`;
        return r.blob as string;
      });
    },
    async intendBlob(session, blobId) {
      await transaction(sql, async (tx) => {
        await openSession(tx, session, now());
        await tx`INSERT INTO blob_intents (blob, session) VALUES (${blobId}, ${session}) ON CONFLICT DO NOTHING`;
      });
    },
    async registerChunk(session, hash, blobId, size) {
      return transaction(sql, async (tx) => {
        await openSession(tx, session, now());
        await tx`INSERT INTO pins (session, hash) VALUES (${session}, ${hash}) ON CONFLICT DO NOTHING`;
        for (;;) {
          // Racing registrations of one hash: the insert waits for the other's commit, then yields to it.
          const made = await tx`INSERT INTO chunks (hash, blob, size, refs) VALUES (${hash}, ${blobId}, ${size}, 0)
            ON CONFLICT (hash) DO NOTHING RETURNING blob`;
          if (made.length) {
            await tx`DELETE FROM blob_intents WHERE blob = ${blobId}`;
            return blobId;
          }
          // A duplicate keeps its intent: the caller deletes it, and GC does if the caller cannot.
          const r = (await tx`SELECT blob FROM chunks WHERE hash = ${hash} FOR KEY SHARE`)[0];
          if (r) return r.blob as string;
          // Collected between the two statements: register ours after all.
        }
      });
    },
    async releaseSession(session) {
      await transaction(sql, (tx) => dropSession(tx, session));
    },
    async collectGarbage({ staleSessionsBefore, limit }) {
      return transaction(sql, async (tx) => {
        const stale = await tx`DELETE FROM sessions WHERE created < ${staleSessionsBefore} RETURNING id`;
        if (stale.length) await tx`DELETE FROM pins WHERE session = ANY(${stale.map((s) => s.id as string)}::text[])`;
        const candidates = await tx`SELECT hash FROM chunks c WHERE refs <= 0 AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.hash = c.hash)
          ORDER BY hash LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
        const freed = candidates.length
          ? await tx`DELETE FROM chunks c WHERE hash = ANY(${candidates.map((c) => c.hash as string)}::text[]) AND refs <= 0
              AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.hash = c.hash) RETURNING blob`
          : [];
        // Blobs written but never registered, by sessions that are gone (a crash, a duplicate).
        const room = Math.max(0, limit - freed.length);
        const orphans = room
          ? await tx`DELETE FROM blob_intents WHERE blob IN (
              SELECT blob FROM blob_intents i WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = i.session) LIMIT ${room} FOR UPDATE SKIP LOCKED)
            RETURNING blob`
          : [];
        // Remembered until the caller has deleted the blobs (dropTombstones): a crash in between
        // leaves them for the next pass instead of leaking them.
        const dead = [...freed, ...orphans].map((b) => b.blob as string);
        if (dead.length) await tx`INSERT INTO blob_tombstones (blob) SELECT unnest(${dead}::text[]) ON CONFLICT DO NOTHING`;
        return (await tx`SELECT blob FROM blob_tombstones LIMIT ${limit}`).map((t) => t.blob as string);
      });
    },
    async dropTombstones(blobIds) {
      if (blobIds.length) await sql`DELETE FROM blob_tombstones WHERE blob = ANY(${blobIds}::text[])`;
    },
    async unnamedBlobs(blobIds) {
      if (!blobIds.length) return [];
      const rows = await sql`SELECT b FROM unnest(${blobIds}::text[]) WITH ORDINALITY AS u(b, i)
        WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE blob = u.b) AND NOT EXISTS (SELECT 1 FROM blob_intents WHERE blob = u.b)
          AND NOT EXISTS (SELECT 1 FROM blob_tombstones WHERE blob = u.b) ORDER BY i`;
      return rows.map((r) => r.b as string);
    },
    async countChunks() {
      return Number((await sql`SELECT count(*) AS n FROM chunks`)[0].n);
    },
    async listChunks({ after, limit }) {
      return (await sql`SELECT hash, blob, size FROM chunks WHERE hash > ${after} ORDER BY hash LIMIT ${limit}`)
        .map((r) => ({ hash: r.hash as string, blob: r.blob as string, size: Number(r.size) }));
    },
  };
}
