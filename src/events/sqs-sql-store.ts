// The QueueStore over any synchronous SQLite: on Bun in meta.sqlite (a message is on disk once
// the group commit the API awaits has flushed), on Workers inside the IamShard Durable Object.
// A message row stays until deleted or past its queue's retention; receiving hides it until
// `visible_at` and stamps a fresh token, so a receipt handle (`<seq>.<token>`) names one receive.
import type { SqlDriver } from "../store/sql/driver.ts";
import { toHex } from "../util/hash.ts";
import { NUMERIC_ATTRIBUTES, queueWaiters, type HandleOutcome, type LocalQueueStore, type QueueRecord } from "./sqs-queues.ts";

export const QUEUE_SCHEMA = `
CREATE TABLE IF NOT EXISTS sqs_queues (
  name TEXT PRIMARY KEY, attributes TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sqs_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, md5 TEXT NOT NULL,
  sent INTEGER NOT NULL, visible_at INTEGER NOT NULL, receives INTEGER NOT NULL DEFAULT 0, first_receive INTEGER NOT NULL DEFAULT 0,
  token TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS sqs_messages_by_id ON sqs_messages (queue, id);
CREATE INDEX IF NOT EXISTS sqs_messages_due ON sqs_messages (queue, visible_at, seq);
`;

const HANDLE = /^(\d{1,19})\.([0-9a-f]{32})$/;

const rowToQueue = (r: Record<string, unknown>): QueueRecord => ({
  name: r.name as string, attributes: JSON.parse(r.attributes as string), created: Number(r.created), modified: Number(r.modified),
});

export function createSqlQueueStore(db: SqlDriver): LocalQueueStore {
  db.exec(QUEUE_SCHEMA);
  const waiters = queueWaiters();
  const wake = waiters.wake;
  const queue = (name: string) => {
    const r = db.all("SELECT * FROM sqs_queues WHERE name = ?", [name])[0];
    return r ? rowToQueue(r) : null;
  };
  const retentionMs = (q: QueueRecord) => 1000 * Number(q.attributes.MessageRetentionPeriod ?? NUMERIC_ATTRIBUTES.MessageRetentionPeriod[0]);
  return {
    async createQueue(q) {
      return db.transaction(() => {
        const existing = queue(q.name);
        if (existing) return { created: false, queue: existing };
        db.run("INSERT INTO sqs_queues (name, attributes, created, modified) VALUES (?, ?, ?, ?)", [q.name, JSON.stringify(q.attributes), q.created, q.modified]);
        return { created: true, queue: q };
      });
    },
    async getQueue(name) { return queue(name); },
    async listQueues() { return db.all("SELECT * FROM sqs_queues ORDER BY name").map(rowToQueue); },
    async setQueueAttributes(name, attributes, now) {
      return db.transaction(() => {
        const q = queue(name);
        if (!q) return false;
        db.run("UPDATE sqs_queues SET attributes = ?, modified = ? WHERE name = ?", [JSON.stringify({ ...q.attributes, ...attributes }), now, name]);
        return true;
      });
    },
    async deleteQueue(name) {
      return db.transaction(() => {
        db.run("DELETE FROM sqs_messages WHERE queue = ?", [name]);
        return db.run("DELETE FROM sqs_queues WHERE name = ?", [name]).changes > 0;
      });
    },
    async purgeQueue(name) {
      return db.transaction(() => {
        if (!queue(name)) return false;
        db.run("DELETE FROM sqs_messages WHERE queue = ?", [name]);
        return true;
      });
    },
    async sendMessages(name, messages, now) {
      const ok = db.transaction(() => {
        if (!queue(name)) return false;
        for (const m of messages) {
          // A notification redelivered by the outbox carries the same id: kept once.
          db.run("INSERT OR IGNORE INTO sqs_messages (queue, id, body, md5, sent, visible_at) VALUES (?, ?, ?, ?, ?, ?)",
            [name, m.id, m.body, m.md5, now, now + (m.delayMs ?? 0)]);
        }
        return true;
      });
      if (ok) wake(name);
      return ok;
    },
    async receiveMessages(name, { max, visibilityMs, now }) {
      return db.transaction(() => {
        const q = queue(name);
        if (!q) return [];
        db.run("DELETE FROM sqs_messages WHERE queue = ? AND sent < ?", [name, now - retentionMs(q)]);
        const rows = db.all("SELECT seq, id, body, md5, sent, receives, first_receive FROM sqs_messages WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?",
          [name, now, max]);
        return rows.map((r) => {
          const token = toHex(crypto.getRandomValues(new Uint8Array(16)));
          const first = Number(r.first_receive) || now;
          db.run("UPDATE sqs_messages SET visible_at = ?, receives = receives + 1, first_receive = ?, token = ? WHERE seq = ?",
            [now + visibilityMs, first, token, r.seq]);
          return {
            id: r.id as string, receiptHandle: `${r.seq}.${token}`, body: r.body as string, md5: r.md5 as string,
            sent: Number(r.sent), receiveCount: Number(r.receives) + 1, firstReceive: first,
          };
        });
      });
    },
    async deleteMessages(name, handles) {
      return db.transaction(() => handles.map((h): HandleOutcome => {
        const m = HANDLE.exec(h);
        if (!m) return "invalid";
        // A handle of an earlier receive deletes nothing and still succeeds (AWS).
        db.run("DELETE FROM sqs_messages WHERE seq = ? AND queue = ? AND token = ?", [Number(m[1]), name, m[2]]);
        return "ok";
      }));
    },
    async changeVisibility(name, handle, visibilityMs, now) {
      const m = HANDLE.exec(handle);
      if (!m) return "invalid";
      return db.transaction(() => {
        const r = db.all("SELECT visible_at, token FROM sqs_messages WHERE seq = ? AND queue = ?", [Number(m[1]), name])[0];
        if (!r || r.token !== m[2]) return "invalid";
        if (Number(r.visible_at) <= now) return "notInflight";
        db.run("UPDATE sqs_messages SET visible_at = ? WHERE seq = ?", [now + visibilityMs, Number(m[1])]);
        if (visibilityMs === 0) queueMicrotask(() => wake(name));
        return "ok";
      });
    },
    async queueStats(name, now) {
      const r = db.all(
        `SELECT COALESCE(SUM(visible_at <= ?), 0) AS visible, COALESCE(SUM(visible_at > ? AND receives > 0), 0) AS inflight,
          COALESCE(SUM(visible_at > ? AND receives = 0), 0) AS delayed FROM sqs_messages WHERE queue = ?`, [now, now, now, name])[0];
      return { visible: Number(r.visible), inflight: Number(r.inflight), delayed: Number(r.delayed) };
    },
    waitForMessages: waiters.wait,
  };
}
