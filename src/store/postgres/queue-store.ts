// The SQS QueueStore on PostgreSQL (schema.ts migration 4), shared by every node: what
// src/events/sqs-sql-store.ts does over SQLite, with the same answers. SQLite's single writer
// made a receive exclusive; here two nodes receive from one queue at once, so a receive locks
// its messages FOR UPDATE SKIP LOCKED: no message goes to two receivers, and neither waits.
// A queue row is locked FOR KEY SHARE by a send (a racing DeleteQueue waits or wins whole).
// Long polling: a send on this node wakes its own waiters at once; one on another node is seen
// at the receive loop's next look (query/sqs.ts POLL_MS).
import { toHex } from "../../util/hash.ts";
import { NUMERIC_ATTRIBUTES, queueWaiters, type HandleOutcome, type LocalQueueStore, type QueueRecord } from "../../events/sqs-queues.ts";
import { transaction, type Pg, type PgRow, type Tx } from "./tx.ts";
import { withUnavailable } from "./unavailable.ts";

const HANDLE = /^(\d{1,19})\.([0-9a-f]{32})$/;
/** A handle's seq, or null past bigint (no such message; SQLite's Number() never matched one either). */
const seqOf = (m: RegExpExecArray): string | null => (BigInt(m[1]) <= 0x7fff_ffff_ffff_ffffn ? m[1] : null);

const rowToQueue = (r: PgRow): QueueRecord => ({
  name: r.name as string, attributes: JSON.parse(r.attributes as string), created: Number(r.created), modified: Number(r.modified),
});

const retentionMs = (q: QueueRecord) => 1000 * Number(q.attributes.MessageRetentionPeriod ?? NUMERIC_ATTRIBUTES.MessageRetentionPeriod[0]);

export function createPostgresQueueStore(sql: Pg): LocalQueueStore {
  const waiters = queueWaiters();
  const wake = waiters.wake;
  const queue = async (q: Pg | Tx, name: string, lock = "") => {
    const r = (await q.unsafe(`SELECT * FROM sqs_queues WHERE name = $1 ${lock}`, [name]))[0];
    return r ? rowToQueue(r) : null;
  };
  const store: Omit<LocalQueueStore, "waitForMessages"> = {
    async createQueue(q) {
      const ins = await sql`INSERT INTO sqs_queues (name, attributes, created, modified)
        VALUES (${q.name}, ${JSON.stringify(q.attributes)}, ${q.created}, ${q.modified}) ON CONFLICT (name) DO NOTHING RETURNING name`;
      if (ins.length) return { created: true, queue: q };
      const existing = await queue(sql, q.name);
      // Deleted again between the two statements: as if this create came after the delete.
      return existing ? { created: false, queue: existing } : store.createQueue(q);
    },
    async getQueue(name) { return queue(sql, name); },
    async listQueues() { return (await sql`SELECT * FROM sqs_queues ORDER BY name`).map(rowToQueue); },
    async setQueueAttributes(name, attributes, now) {
      return transaction(sql, async (tx) => {
        const q = await queue(tx, name, "FOR UPDATE");
        if (!q) return false;
        await tx`UPDATE sqs_queues SET attributes = ${JSON.stringify({ ...q.attributes, ...attributes })}, modified = ${now} WHERE name = ${name}`;
        return true;
      });
    },
    async deleteQueue(name) {
      return transaction(sql, async (tx) => {
        const gone = (await tx`DELETE FROM sqs_queues WHERE name = ${name} RETURNING name`).length > 0;
        await tx`DELETE FROM sqs_messages WHERE queue = ${name}`;
        return gone;
      });
    },
    async purgeQueue(name) {
      return transaction(sql, async (tx) => {
        if (!(await queue(tx, name, "FOR KEY SHARE"))) return false;
        await tx`DELETE FROM sqs_messages WHERE queue = ${name}`;
        return true;
      });
    },
    async sendMessages(name, messages, now) {
      const ok = await transaction(sql, async (tx) => {
        if (!(await queue(tx, name, "FOR KEY SHARE"))) return false;
        // A notification redelivered by the outbox carries the same id: kept once.
        for (const m of messages) {
          await tx`INSERT INTO sqs_messages (queue, id, body, md5, sent, visible_at)
            VALUES (${name}, ${m.id}, ${m.body}, ${m.md5}, ${now}, ${now + (m.delayMs ?? 0)}) ON CONFLICT (queue, id) DO NOTHING`;
        }
        return true;
      });
      if (ok) wake(name);
      return ok;
    },
    async receiveMessages(name, { max, visibilityMs, now }) {
      return transaction(sql, async (tx) => {
        const q = await queue(tx, name);
        if (!q) return [];
        await tx`DELETE FROM sqs_messages WHERE queue = ${name} AND sent < ${now - retentionMs(q)}`;
        // Another node's receive holds its rows: skipped, not waited for (nor received twice).
        const rows = await tx`SELECT seq, id, body, md5, sent, receives, first_receive FROM sqs_messages
          WHERE queue = ${name} AND visible_at <= ${now} ORDER BY seq LIMIT ${max} FOR UPDATE SKIP LOCKED`;
        const out = [];
        for (const r of rows) {
          const token = toHex(crypto.getRandomValues(new Uint8Array(16)));
          const first = Number(r.first_receive) || now;
          await tx`UPDATE sqs_messages SET visible_at = ${now + visibilityMs}, receives = receives + 1, first_receive = ${first}, token = ${token}
            WHERE seq = ${r.seq}`;
          out.push({
            id: r.id as string, receiptHandle: `${r.seq}.${token}`, body: r.body as string, md5: r.md5 as string,
            sent: Number(r.sent), receiveCount: Number(r.receives) + 1, firstReceive: first,
          });
        }
        return out;
      });
    },
    async deleteMessages(name, handles) {
      const out: HandleOutcome[] = [];
      for (const h of handles) {
        const m = HANDLE.exec(h);
        if (!m) { out.push("invalid"); continue; }
        // A handle of an earlier receive deletes nothing and still succeeds (AWS).
        const seq = seqOf(m);
        if (seq !== null) await sql`DELETE FROM sqs_messages WHERE seq = ${seq} AND queue = ${name} AND token = ${m[2]}`;
        out.push("ok");
      }
      return out;
    },
    async changeVisibility(name, handle, visibilityMs, now) {
      const m = HANDLE.exec(handle);
      const seq = m && seqOf(m);
      if (!m || seq === null) return "invalid";
      const outcome = await transaction(sql, async (tx): Promise<HandleOutcome> => {
        const r = (await tx`SELECT visible_at, token FROM sqs_messages WHERE seq = ${seq} AND queue = ${name} FOR UPDATE`)[0];
        if (!r || r.token !== m[2]) return "invalid";
        if (Number(r.visible_at) <= now) return "notInflight";
        await tx`UPDATE sqs_messages SET visible_at = ${now + visibilityMs} WHERE seq = ${seq}`;
        return "ok";
      });
      if (outcome === "ok" && visibilityMs === 0) queueMicrotask(() => wake(name));
      return outcome;
    },
    async queueStats(name, now) {
      const r = (await sql`SELECT count(*) FILTER (WHERE visible_at <= ${now}) AS visible,
        count(*) FILTER (WHERE visible_at > ${now} AND receives > 0) AS inflight,
        count(*) FILTER (WHERE visible_at > ${now} AND receives = 0) AS delayed FROM sqs_messages WHERE queue = ${name}`)[0];
      return { visible: Number(r.visible), inflight: Number(r.inflight), delayed: Number(r.delayed) };
    },
  };
  return {
    ...withUnavailable(store),
    waitForMessages: waiters.wait,
  };
}
