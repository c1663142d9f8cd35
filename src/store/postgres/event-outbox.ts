// The event outbox on PostgreSQL (schema.ts: event_outbox, event_targets): rows written in the
// transaction of the change they report, and the durable queue's lease and settle, shared by
// every node. The ordering rule is sql/event-outbox.ts's: a target's messages are leased only
// from its head, in seq order, and never while an older one is leased. Across nodes:
// - writers of one target hold an advisory lock on it from their count (event_counts, kept by
//   writes and settles) to their commit, so the queue limit is exact and seq order is commit
//   order within a target;
// - a leaser locks the due targets' rows FOR UPDATE SKIP LOCKED: a target being leased by one
//   node is skipped by the others, so no two nodes lease the same message (writers take no row
//   lock on event_targets, so they never hold a lease back).
// Target rows are never deleted (SQLite deletes a due target with nothing waiting): a writer
// that found the row would race with the delete and leave its message without a target. Their
// state is reset instead, which is what forgetting it meant; a deployment has few targets.
import type { LeasedEvent, MetaStore, OutboxEvent, PendingPage, SettledEvents } from "../types.ts";
import { LOCK, OutboxFull, transaction, type Pg, type Tx } from "./tx.ts";
import { peekFrom, pendingPage, targetStats } from "../outbox-views.ts";

/**
 * Appends events inside the caller's transaction (see sql/event-outbox.ts writeEvents): a
 * change event at its target's limit of change events throws OutboxFull; an access event at
 * the limit of events of any kind is dropped. Returns how many were dropped.
 */
export async function writeEvents(tx: Tx, events: OutboxEvent[] | undefined, kind: "change" | "access"): Promise<number> {
  if (!events?.length) return 0;
  // Targets in name order: two writers locking the same two targets cannot deadlock.
  for (const target of [...new Set(events.map((e) => e.target))].sort()) {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${target}::text, ${LOCK.target}))`;
  }
  let dropped = 0;
  const change = kind === "change" ? 1 : 0;
  // Counted first, checked after (event_counts, migration 5: a key, not a COUNT of the backlog);
  // in target order, as settles take those rows, so the two cannot deadlock.
  const kept = new Set<OutboxEvent>();
  for (const e of [...events].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
    const [held] = await tx`INSERT INTO event_counts (target, changes, events) VALUES (${e.target}, ${change}, 1)
      ON CONFLICT (target) DO UPDATE SET changes = event_counts.changes + excluded.changes, events = event_counts.events + 1
      RETURNING changes, events`;
    if (Number(change ? held.changes : held.events) > e.limit) {
      // The whole transaction rolls back, this count with it.
      if (change) throw new OutboxFull();
      await tx`UPDATE event_counts SET events = events - 1 WHERE target = ${e.target}`;
      dropped++;
      continue;
    }
    kept.add(e);
  }
  // Rows in the events' own order.
  for (const e of events) {
    if (!kept.has(e)) continue;
    await tx`WITH t AS (INSERT INTO event_targets (target) VALUES (${e.target}) ON CONFLICT (target) DO NOTHING)
      INSERT INTO event_outbox (id, bucket, target, record, created, access)
      VALUES (${e.id}, ${e.bucket}, ${e.target}, ${e.record}, ${e.created}, ${kind === "access"})`;
  }
  return dropped;
}

export type OutboxMethods = Pick<MetaStore, "appendEvents" | "leaseEvents" | "settleEvents" | "countEvents" | "statEvents" | "peekEvents">;

export function pgOutbox(sql: Pg): OutboxMethods {
  return {
    async appendEvents(_bucket, events) {
      return (await transaction(sql, (tx) => writeEvents(tx, events, "access"))) === 0;
    },
    async leaseEvents({ now, leaseMs, limit, perTarget = limit }) {
      if (limit <= 0) return [];
      return transaction(sql, async (tx) => {
        // Due targets no other node is leasing right now.
        const targets = await tx`SELECT target, failures, retry_at FROM event_targets WHERE retry_at <= ${now} FOR UPDATE SKIP LOCKED`;
        if (!targets.length) return [];
        const names = targets.map((t) => t.target as string);
        const heads = new Map<string, number>();
        for (const h of await tx`SELECT target, min(seq) AS head FROM event_outbox WHERE target = ANY(${names}::text[]) GROUP BY target`) {
          heads.set(h.target as string, Number(h.head));
        }
        // Nothing waits: the target's state is forgotten (a due backoff has nothing left to hold back).
        const idle = targets.filter((t) => !heads.has(t.target as string) && (Number(t.failures) !== 0 || Number(t.retry_at) !== 0));
        if (idle.length) await tx`UPDATE event_targets SET failures = 0, retry_at = 0 WHERE target = ANY(${idle.map((t) => t.target as string)}::text[])`;
        // Oldest head first: a busy target does not keep the others out of `limit`.
        const due = targets.filter((t) => heads.has(t.target as string)).sort((a, b) => heads.get(a.target)! - heads.get(b.target)!);
        if (!due.length) return [];
        const take = Math.min(perTarget, limit);
        const rows = await tx`SELECT * FROM (
            SELECT o.*, row_number() OVER (PARTITION BY target ORDER BY seq) AS rn FROM event_outbox o WHERE target = ANY(${due.map((t) => t.target as string)}::text[])
          ) x WHERE rn <= ${take} ORDER BY target, seq`;
        const byTarget = new Map<string, typeof rows[number][]>();
        for (const r of rows) {
          const list = byTarget.get(r.target as string) ?? [];
          list.push(r);
          byTarget.set(r.target as string, list);
        }
        const out: LeasedEvent[] = [];
        const leased: string[] = [];
        for (const t of due) {
          if (out.length >= limit) break;
          const mine = (byTarget.get(t.target as string) ?? []).slice(0, limit - out.length);
          // The head is leased: a batch of this target is in flight (or a gone node's, until its lease ends).
          if (!mine.length || Number(mine[0].visible_at) > now) continue;
          for (const r of mine) {
            leased.push(r.id as string);
            out.push({
              id: r.id as string, bucket: r.bucket as string, target: r.target as string, record: r.record as string,
              created: Number(r.created), attempts: Number(r.attempts), targetFailures: Number(t.failures),
            });
          }
        }
        if (leased.length) await tx`UPDATE event_outbox SET visible_at = ${now + leaseMs} WHERE id = ANY(${leased}::text[])`;
        return out;
      });
    },
    async settleEvents(_bucket, s: SettledEvents) {
      await transaction(sql, async (tx) => {
        if (s.done.length) {
          // Only rows still there count down (settling twice is harmless); targets in name order (see writeEvents).
          const gone = new Map<string, { changes: number; events: number }>();
          for (const r of await tx`DELETE FROM event_outbox WHERE id = ANY(${s.done}::text[]) RETURNING target, access`) {
            const g = gone.get(r.target as string) ?? { changes: 0, events: 0 };
            g.events++;
            if (!r.access) g.changes++;
            gone.set(r.target as string, g);
          }
          for (const [target, g] of [...gone].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
            await tx`UPDATE event_counts SET changes = greatest(0, changes - ${g.changes}), events = greatest(0, events - ${g.events}) WHERE target = ${target}`;
          }
        }
        if (s.failed?.length) await tx`UPDATE event_outbox SET attempts = attempts + 1, visible_at = 0 WHERE id = ANY(${s.failed}::text[])`;
        if (s.released?.length) await tx`UPDATE event_outbox SET visible_at = 0 WHERE id = ANY(${s.released}::text[])`;
        // Absolute values: settling twice is harmless.
        for (const t of s.targets ?? []) {
          await tx`INSERT INTO event_targets (target, failures, retry_at) VALUES (${t.target}, ${t.failures}, ${t.retryAt})
            ON CONFLICT (target) DO UPDATE SET failures = excluded.failures, retry_at = excluded.retry_at`;
        }
      });
    },
    async countEvents() {
      const out: Record<string, number> = {};
      for (const r of await sql`SELECT target, count(*) AS n FROM event_outbox GROUP BY target`) out[r.target as string] = Number(r.n);
      return out;
    },
    // Read-only views (admin topic stats/dump): plain reads, no lock, so they never hold a writer or a lease back.
    async statEvents({ now, target }) {
      const rows = target === undefined
        ? await sql`SELECT target, count(*) AS n, sum(octet_length(record)) AS size, min(created) AS oldest,
            count(*) FILTER (WHERE visible_at > ${now}) AS leased FROM event_outbox GROUP BY target`
        : await sql`SELECT target, count(*) AS n, sum(octet_length(record)) AS size, min(created) AS oldest,
            count(*) FILTER (WHERE visible_at > ${now}) AS leased FROM event_outbox WHERE target = ${target} GROUP BY target`;
      return targetStats(rows);
    },
    async peekEvents({ target, limit, after }): Promise<PendingPage> {
      // The cursor is the last row's seq; (target, seq) is indexed.
      const from = peekFrom(after, limit);
      if (from === null) return { events: [] };
      return pendingPage(await sql`SELECT seq, id, bucket, target, record, created, attempts, visible_at FROM event_outbox
        WHERE target = ${target} AND seq > ${from} ORDER BY seq LIMIT ${limit + 1}`, limit);
    },
  };
}
