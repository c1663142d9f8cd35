// The outbox's read-only views (MetaStore.statEvents, peekEvents) from the rows a SQL store
// read: the same shape from SQLite (sql/event-outbox.ts) and PostgreSQL (postgres/event-outbox.ts).
import type { OutboxTargetStats, PendingPage } from "./types.ts";

type Row = Record<string, unknown>;

/** statEvents' answer from rows of (target, n, size, oldest, leased), one per target. */
export function targetStats(rows: Iterable<Row>): Record<string, OutboxTargetStats> {
  const out: Record<string, OutboxTargetStats> = {};
  for (const r of rows) {
    out[r.target as string] = { entries: Number(r.n), size: Number(r.size ?? 0), oldest: r.oldest === null ? null : Number(r.oldest), leased: Number(r.leased ?? 0) };
  }
  return out;
}

/** peekEvents' cursor: the last row's seq; null when it is not one (then nothing is answered). */
export function peekFrom(after: string | undefined, limit: number): number | null {
  const from = after === undefined || after === "" ? 0 : Number(after);
  return Number.isSafeInteger(from) && from >= 0 && limit > 0 ? from : null;
}

/** peekEvents' page from up to `limit + 1` rows in seq order (the one past the page says there is more). */
export function pendingPage(rows: Row[], limit: number): PendingPage {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    events: page.map((r) => ({
      id: r.id as string, bucket: r.bucket as string, target: r.target as string, record: r.record as string,
      created: Number(r.created), attempts: Number(r.attempts), leasedUntil: Number(r.visible_at),
    })),
    ...(more ? { next: String(page[page.length - 1].seq) } : {}),
  };
}
