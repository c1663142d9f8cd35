// The event outbox (schema.ts: event_outbox, event_targets) inside the SQL MetaStore: rows
// written in the transaction of the change they report, and the durable local queue's lease
// and settle. Ordering rule: a target's messages are leased only from its head, in seq
// (commit) order, and never while an older one is leased, so one batch per target is in
// flight and a later message cannot overtake an earlier one that is waiting for a retry.
import type { LeasedEvent, MetaStore, OutboxEvent, OutboxTargetStats, PendingPage, SettledEvents } from "../types.ts";
import { grouped, type SqlDriver, type SqlValue } from "./driver.ts";
import { peekFrom, pendingPage, targetStats } from "../outbox-views.ts";

/** Thrown inside a transaction (rolling it back) when a change event meets a full target queue. */
export class OutboxFull extends Error {}

/** The lean outbox table (schema.ts); `name` is where a rebuild writes it first. */
const outboxTable = (name: string) => `CREATE TABLE ${name} (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL, bucket TEXT NOT NULL, target TEXT NOT NULL,
  record TEXT NOT NULL, created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL,
  access INTEGER NOT NULL DEFAULT 0, ord_changes INTEGER NOT NULL DEFAULT 0, ord_events INTEGER NOT NULL DEFAULT 0
)`;

const columns = (db: SqlDriver, table: string) => new Set(db.all(`PRAGMA table_info(${table})`).map((c) => String(c.name)));

/**
 * Brings a file written by an older version to the current outbox schema; runs after SCHEMA, in
 * one transaction, so a second process opening the file at once (--workers) finds it done.
 * `byId`: settles may name rows this connection did not lease (a Durable Object's Queue
 * consumer, after the object was evicted): an index on id finds them.
 */
export function migrateOutbox(db: SqlDriver, opts: { byId?: boolean } = {}): void {
  db.transaction(() => {
    let renumber = false;
    if (!columns(db, "event_outbox").has("access")) db.exec("ALTER TABLE event_outbox ADD COLUMN access INTEGER NOT NULL DEFAULT 0");
    if (!columns(db, "event_outbox").has("ord_events")) {
      db.exec(`ALTER TABLE event_outbox ADD COLUMN ord_changes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE event_outbox ADD COLUMN ord_events INTEGER NOT NULL DEFAULT 0`);
      renumber = true;
    }
    // Files before the lean table (seq AUTOINCREMENT, id UNIQUE): 2 of the ~5 pages an event row
    // wrote per commit were sqlite_sequence and the id index. Rebuilt once (rows, seq and all,
    // kept). Where settles need the id index anyway (byId), the old table serves as it is.
    const sql = String(db.all("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'event_outbox'")[0]?.sql ?? "");
    if (!opts.byId && /AUTOINCREMENT|UNIQUE/i.test(sql)) {
      db.exec(`${outboxTable("event_outbox_lean")};
        INSERT INTO event_outbox_lean (seq, id, bucket, target, record, created, attempts, visible_at, access, ord_changes, ord_events)
          SELECT seq, id, bucket, target, record, created, attempts, visible_at, access, ord_changes, ord_events FROM event_outbox;
        DROP TABLE event_outbox;
        ALTER TABLE event_outbox_lean RENAME TO event_outbox;
        CREATE INDEX event_outbox_by_target ON event_outbox (target);`);
    } else if (opts.byId && !db.all("PRAGMA index_list(event_outbox)").some((i) => i.unique === 1 || i.name === "event_outbox_by_id")) {
      db.exec("CREATE INDEX event_outbox_by_id ON event_outbox (id)");
    }
    // Leases are per target now, not a row's own visibility time.
    db.exec("DROP INDEX IF EXISTS event_outbox_visible");
    // The index the queue-limit COUNT used: see writeEvents for what replaced it.
    db.exec("DROP INDEX IF EXISTS event_outbox_changes");
    // Rows written before event_targets existed: their targets must be known to be leased.
    db.run("INSERT OR IGNORE INTO event_targets (target) SELECT DISTINCT target FROM event_outbox");
    const cols = columns(db, "event_targets");
    // The relay (Workers): the last seq handed to the Queue per target; rows up to it stay, leased,
    // until the Queue's consumer settles them (leaseEvents' `relay` mode).
    if (!cols.has("relayed")) db.exec("ALTER TABLE event_targets ADD COLUMN relayed INTEGER NOT NULL DEFAULT 0");
    // What writeEvents counts a target's waiting events from (see there).
    for (const c of ["done_changes", "done_events", "last_seq", "last_changes", "last_events"]) {
      if (!cols.has(c)) { db.exec(`ALTER TABLE event_targets ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`); renumber = true; }
    }
    // Files from before keep their columns `changes` and `events` (waiting counts that every write
    // updated: one more page per event written), unused now: a DROP COLUMN rewrites the table on
    // every runtime for nothing.
    if (renumber) {
      // Rows of a file from before: numbered per target in seq order, nothing counted as done.
      db.run(`UPDATE event_outbox SET ord_changes = n.c, ord_events = n.e FROM (
          SELECT seq, SUM(1 - access) OVER w AS c, ROW_NUMBER() OVER w AS e FROM event_outbox WINDOW w AS (PARTITION BY target ORDER BY seq)
        ) AS n WHERE n.seq = event_outbox.seq`);
      db.run("UPDATE event_targets SET done_changes = 0, done_events = 0, last_seq = 0, last_changes = 0, last_events = 0");
    }
  });
}

/** A target's counters (event_targets) as writeEvents reads them. */
interface TargetCounts { relayed: number; done_changes: number; done_events: number; last_seq: number; last_changes: number; last_events: number }
const NEW_TARGET: TargetCounts = { relayed: 0, done_changes: 0, done_events: 0, last_seq: 0, last_changes: 0, last_events: 0 };

/**
 * Appends events inside the caller's transaction. A change event (`kind` "change") at its
 * target's limit of change events throws OutboxFull (the change rolls back: SlowDown); access
 * events never count there. An access event at the target's limit of events of any kind is
 * dropped instead, so reads fill only the room writes leave. Returns how many were dropped.
 *
 * The check writes nothing but the row (the PUT path: each page a commit writes costs), so
 * counts are kept where they change anyway. Each row carries its target's running totals of
 * events (ord_events) and change events (ord_changes) appended so far, itself included;
 * settleEvents adds what it deletes to the target's done_* and keeps the totals of the highest
 * row it deleted (last_*). What waits is the newest total, of the newest row there or the last
 * one deleted, minus what is done. A target's seqs only grow (above its last deleted row and
 * the relay's mark), so the newest row is found by the target index, and a row never gets a seq
 * the relay already handed on.
 */
export function writeEvents(db: SqlDriver, events: OutboxEvent[] | undefined, kind: "change" | "access"): number {
  let dropped = 0;
  const access = kind === "access" ? 1 : 0;
  for (const e of events ?? []) {
    let t = db.all<TargetCounts>("SELECT relayed, done_changes, done_events, last_seq, last_changes, last_events FROM event_targets WHERE target = ?", [e.target])[0];
    if (!t) {
      db.run("INSERT INTO event_targets (target) VALUES (?)", [e.target]);
      t = NEW_TARGET;
    }
    const newest = db.all<{ seq: number; ord_changes: number; ord_events: number }>(
      "SELECT seq, ord_changes, ord_events FROM event_outbox WHERE target = ? ORDER BY seq DESC LIMIT 1", [e.target],
    )[0];
    const [changes, all] = newest && Number(newest.seq) > Number(t.last_seq)
      ? [Number(newest.ord_changes), Number(newest.ord_events)]
      : [Number(t.last_changes), Number(t.last_events)];
    const ordChanges = changes + 1 - access;
    const ordEvents = all + 1;
    const waiting = kind === "change" ? ordChanges - Number(t.done_changes) : ordEvents - Number(t.done_events);
    if (waiting > e.limit) {
      // The whole transaction rolls back.
      if (kind === "change") throw new OutboxFull();
      dropped++;
      continue;
    }
    db.run(`INSERT INTO event_outbox (seq, id, bucket, target, record, created, attempts, visible_at, access, ord_changes, ord_events)
      VALUES (MAX((SELECT IFNULL(MAX(seq), 0) FROM event_outbox) + 1, ?), ?,?,?,?,?,0,0,?,?,?)`,
      [Math.max(Number(t.last_seq), Number(t.relayed)) + 1, e.id, e.bucket, e.target, e.record, e.created, access, ordChanges, ordEvents]);
  }
  return dropped;
}

/** A leased row and where it is (settleEvents finds it by seq, not by an index on id). */
type Leased = LeasedEvent & { seq: number };

/** See MetaStore.leaseEvents: the heads of due targets with nothing leased, oldest head first. */
export function leaseEvents(db: SqlDriver, opts: { now: number; leaseMs: number; limit: number; perTarget?: number; relay?: boolean }): Leased[] {
  const { now, leaseMs, limit } = opts;
  const perTarget = opts.perTarget ?? limit;
  if (opts.relay) return relayLease(db, now, leaseMs, limit);
  return db.transaction(() => {
    const out: Leased[] = [];
    // Oldest head first: a busy target does not keep the others out of `limit`.
    const due = db.all(
      `SELECT t.target, t.failures, (SELECT MIN(seq) FROM event_outbox o WHERE o.target = t.target) AS head
       FROM event_targets t WHERE t.retry_at <= ? ORDER BY head`, [now],
    );
    for (const t of due) {
      if (t.head === null) {
        // Nothing waits: forget the target (a due backoff has nothing left to hold back).
        db.run("DELETE FROM event_targets WHERE target = ?", [t.target]);
        continue;
      }
      if (out.length >= limit) break;
      // The head is leased: a batch of this target is in flight (or a crash left it, until the
      // lease ends). Looked up alone: the drain asks again at once after each lease, and reading
      // the batch's records only to drop them cost more than the lease itself.
      if (Number(db.all("SELECT visible_at FROM event_outbox WHERE seq = ?", [t.head])[0]?.visible_at ?? 0) > now) continue;
      const rows = db.all("SELECT * FROM event_outbox WHERE target = ? ORDER BY seq LIMIT ?", [t.target, Math.min(perTarget, limit - out.length)]);
      if (rows.length === 0 || Number(rows[0].visible_at) > now) continue;
      db.run("UPDATE event_outbox SET visible_at = ? WHERE target = ? AND seq <= ?", [now + leaseMs, t.target, rows[rows.length - 1].seq]);
      for (const r of rows) {
        out.push({
          id: r.id as string, bucket: r.bucket as string, target: r.target as string, record: r.record as string,
          created: Number(r.created), attempts: Number(r.attempts), targetFailures: Number(t.failures), seq: Number(r.seq),
        });
      }
    }
    return out;
  });
}

/**
 * The relay's lease (leaseEvents `relay`): per target, relayed rows whose lease ended (the
 * Queue lost them: again, at least once), then rows never relayed (seq past `relayed`). Each is
 * O(rows taken) by the (target, seq) index however many relayed rows wait for their consumer:
 * relayed rows are leased for the same time as they are relayed in seq order, so their leases
 * end in about seq order and the first one still leased ends the look (a row relayed again can
 * hold later ones back until its own lease ends: they are late, not lost).
 */
function relayLease(db: SqlDriver, now: number, leaseMs: number, limit: number): Leased[] {
  return db.transaction(() => {
    const out: Leased[] = [];
    for (const t of db.all("SELECT target, failures, relayed FROM event_targets WHERE retry_at <= ?", [now])) {
      if (out.length >= limit) break;
      const take = limit - out.length;
      const relayed = Number(t.relayed);
      const expired: Record<string, unknown>[] = [];
      for (const r of db.all("SELECT * FROM event_outbox WHERE target = ? AND seq <= ? ORDER BY seq LIMIT ?", [t.target, relayed, take])) {
        if (Number(r.visible_at) > now) break;
        expired.push(r);
      }
      const fresh = expired.length < take
        ? db.all("SELECT * FROM event_outbox WHERE target = ? AND seq > ? ORDER BY seq LIMIT ?", [t.target, relayed, take - expired.length])
        : [];
      const rows = [...expired, ...fresh];
      if (!rows.length) {
        if (!db.all("SELECT 1 AS x FROM event_outbox WHERE target = ? LIMIT 1", [t.target]).length) db.run("DELETE FROM event_targets WHERE target = ?", [t.target]);
        continue;
      }
      db.run(`UPDATE event_outbox SET visible_at = ? WHERE seq IN (SELECT value FROM json_each(?))`, [now + leaseMs, JSON.stringify(rows.map((r) => Number(r.seq)))]);
      if (fresh.length) db.run("UPDATE event_targets SET relayed = ? WHERE target = ?", [Number(fresh[fresh.length - 1].seq), t.target]);
      for (const r of rows) {
        out.push({
          id: r.id as string, bucket: r.bucket as string, target: r.target as string, record: r.record as string,
          created: Number(r.created), attempts: Number(r.attempts), targetFailures: Number(t.failures), seq: Number(r.seq),
        });
      }
    }
    return out;
  });
}

/**
 * The rows of `ids` as a WHERE clause: by seq for the ids `seqOf` knows (leased by this
 * connection), with the id as well since a seq can be reused once its row is gone; by id for
 * the others (the id index where there is one, else a scan: only settles of rows another
 * connection leased). One statement per kind for the whole batch (the ids as JSON arrays).
 */
function rowsOf(ids: string[], seqOf?: ReadonlyMap<string, number>): { where: string; params: SqlValue[] }[] {
  const seqs: number[] = [];
  const known: string[] = [];
  const other: string[] = [];
  for (const id of ids) {
    const seq = seqOf?.get(id);
    if (seq === undefined) other.push(id);
    else { seqs.push(seq); known.push(id); }
  }
  const out: { where: string; params: SqlValue[] }[] = [];
  if (known.length) {
    out.push({ where: "seq IN (SELECT value FROM json_each(?)) AND id IN (SELECT value FROM json_each(?))", params: [JSON.stringify(seqs), JSON.stringify(known)] });
  }
  if (other.length) out.push({ where: "id IN (SELECT value FROM json_each(?))", params: [JSON.stringify(other)] });
  return out;
}

/** See MetaStore.settleEvents. Target states are absolute values, so settling them twice is harmless. */
export function settleEvents(db: SqlDriver, s: SettledEvents, seqOf?: ReadonlyMap<string, number>): void {
  db.transaction(() => {
    if (s.done.length) {
      // Only rows still there count (settling twice is harmless); see writeEvents for the totals.
      const gone = new Map<string, { changes: number; events: number; seq: number; ordChanges: number; ordEvents: number }>();
      for (const { where, params } of rowsOf(s.done, seqOf)) {
        for (const r of db.all(`DELETE FROM event_outbox WHERE ${where} RETURNING target, access, seq, ord_changes, ord_events`, params)) {
          const g = gone.get(r.target as string) ?? { changes: 0, events: 0, seq: 0, ordChanges: 0, ordEvents: 0 };
          g.events++;
          if (!Number(r.access)) g.changes++;
          if (Number(r.seq) > g.seq) Object.assign(g, { seq: Number(r.seq), ordChanges: Number(r.ord_changes), ordEvents: Number(r.ord_events) });
          gone.set(r.target as string, g);
        }
      }
      for (const [target, g] of gone) {
        // SET reads the row as it was: last_* move only to a higher row.
        db.run(`UPDATE event_targets SET done_changes = done_changes + ?, done_events = done_events + ?,
          last_changes = CASE WHEN ? > last_seq THEN ? ELSE last_changes END,
          last_events = CASE WHEN ? > last_seq THEN ? ELSE last_events END,
          last_seq = MAX(last_seq, ?) WHERE target = ?`, [g.changes, g.events, g.seq, g.ordChanges, g.seq, g.ordEvents, g.seq, target]);
      }
    }
    for (const { where, params } of rowsOf(s.failed ?? [], seqOf)) db.run(`UPDATE event_outbox SET attempts = attempts + 1, visible_at = 0 WHERE ${where}`, params);
    for (const { where, params } of rowsOf(s.released ?? [], seqOf)) db.run(`UPDATE event_outbox SET visible_at = 0 WHERE ${where}`, params);
    for (const t of s.targets ?? []) {
      // An upsert, not a replace: the row's counts stay.
      db.run(`INSERT INTO event_targets (target, failures, retry_at) VALUES (?,?,?)
        ON CONFLICT (target) DO UPDATE SET failures = excluded.failures, retry_at = excluded.retry_at`, [t.target, t.failures, t.retryAt]);
    }
  });
}

/** See MetaStore.statEvents: one aggregate over the rows (by the target index when one is named). */
export function statEvents(db: SqlDriver, opts: { now: number; target?: string }): Record<string, OutboxTargetStats> {
  // Bytes, not characters: the record's UTF-8 size, as Ceph's Size counts the stored entry.
  const cols = `target, COUNT(*) AS n, SUM(LENGTH(CAST(record AS BLOB))) AS size, MIN(created) AS oldest,
    SUM(CASE WHEN visible_at > ? THEN 1 ELSE 0 END) AS leased FROM event_outbox`;
  const rows = opts.target === undefined
    ? db.all(`SELECT ${cols} GROUP BY target`, [opts.now])
    : db.all(`SELECT ${cols} WHERE target = ? GROUP BY target`, [opts.now, opts.target]);
  return targetStats(rows);
}

/** See MetaStore.peekEvents: the cursor is the last row's seq (the target index holds seq order). */
export function peekEvents(db: SqlDriver, opts: { target: string; limit: number; after?: string }): PendingPage {
  const after = peekFrom(opts.after, opts.limit);
  if (after === null) return { events: [] };
  return pendingPage(db.all(
    "SELECT seq, id, bucket, target, record, created, attempts, visible_at FROM event_outbox WHERE target = ? AND seq > ? ORDER BY seq LIMIT ?",
    [opts.target, after, opts.limit + 1],
  ), opts.limit);
}

export type OutboxMethods = Pick<MetaStore, "appendEvents" | "leaseEvents" | "settleEvents" | "countEvents" | "statEvents" | "peekEvents">;

/** The MetaStore's outbox methods over these functions. */
export function sqlOutbox(db: SqlDriver): OutboxMethods {
  /** Where the rows this store leased are, until settled: what lets the table go without an id index. */
  const seqOf = new Map<string, number>();
  return {
    async appendEvents(_bucket, events) {
      return (await grouped(db, () => writeEvents(db, events, "access"))) === 0;
    },
    async leaseEvents(o) {
      // Grouped (SqlDriver.group): a delivery pass's lease and settle share commits with the PUTs of the same turn.
      const rows = await grouped(db, () => leaseEvents(db, o));
      // Leases never settled (a pass that failed, a lease that ran out) leave entries behind: bounded here.
      if (seqOf.size > 100_000) seqOf.clear();
      return rows.map(({ seq, ...m }) => { seqOf.set(m.id, seq); return m; });
    },
    async settleEvents(_bucket, settled) {
      await grouped(db, () => settleEvents(db, settled, seqOf));
      for (const ids of [settled.done, settled.failed ?? [], settled.released ?? []]) for (const id of ids) seqOf.delete(id);
    },
    async countEvents() {
      const out: Record<string, number> = {};
      for (const r of db.all("SELECT target, COUNT(*) AS n FROM event_outbox GROUP BY target")) out[r.target as string] = Number(r.n);
      return out;
    },
    async statEvents(o) {
      return statEvents(db, o);
    },
    async peekEvents(o) {
      return peekEvents(db, o);
    },
  };
}
