// Group commit of SQLite write transactions (issue 20 "batched commits for concurrent small
// PUTs"; issue 15: a versioned PUT's extra pages). A commit's cost here is mostly its WAL
// frames (two write(2) calls each), and concurrent PUTs dirty some pages in common: page 1
// whenever the file grows, the leaf their new rows are appended to, index leaves. Transactions
// that arrive in one turn of the event loop therefore run in one BEGIN IMMEDIATE … COMMIT, each
// in a savepoint of its own, so a throw undoes only its own changes and reaches only its caller.
// Every caller learns its result only after the shared COMMIT (and the server answers only
// after the WAL flush that follows it), so nothing is acknowledged before it is committed.
import type { Database } from "bun:sqlite";

interface Pending { fn: () => unknown; resolve(v: unknown): void; reject(e: unknown): void }

export function createTxGroup(db: Database, wrote: () => void): <T>(fn: () => T) => Promise<T> {
  let queue: Pending[] = [];
  const alone = (p: Pending) => {
    try {
      p.resolve(db.transaction(p.fn).immediate());
      wrote();
    } catch (e) {
      p.reject(e);
    }
  };
  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length === 1 || db.inTransaction) { batch.forEach(alone); return; }
    try {
      db.exec("BEGIN IMMEDIATE");
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    const done: { p: Pending; v: unknown }[] = [];
    const failed: { p: Pending; e: unknown }[] = [];
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      try {
        done.push({ p, v: db.transaction(p.fn)() });
      } catch (e) {
        // Some errors (a full disk, I/O) make SQLite roll the whole transaction back, not only
        // the savepoint: what ran before is gone, so those and the rest run one by one.
        if (!db.inTransaction) {
          p.reject(e);
          for (const d of done) alone(d.p);
          for (const f of failed) f.p.reject(f.e);
          batch.slice(i + 1).forEach(alone);
          return;
        }
        failed.push({ p, e });
      }
    }
    try {
      db.exec("COMMIT");
    } catch (e) {
      if (db.inTransaction) { try { db.exec("ROLLBACK"); } catch { /* gone already */ } }
      for (const p of batch) p.reject(e);
      return;
    }
    wrote();
    for (const d of done) d.p.resolve(d.v);
    for (const f of failed) f.p.reject(f.e);
  };
  return <T>(fn: () => T) => new Promise<T>((resolve, reject) => {
    if (queue.push({ fn, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(flush);
  });
}
