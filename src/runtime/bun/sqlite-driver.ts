import { Database } from "bun:sqlite";
import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { SqlDriver, SqlValue } from "../../store/sql/driver.ts";
import { createGroupSync, fsyncVia, syncDir } from "./group-sync.ts";
import { createWalCheckpointer } from "./wal-checkpointer.ts";
import { createTxGroup } from "./tx-group.ts";

export interface BunSqliteDriver extends SqlDriver {
  /**
   * Resolves once every commit made before the call is on stable storage; absent for an
   * in-memory database or with fsync off. See `walSync` for how.
   */
  durable?: () => Promise<void>;
  close(): Promise<void>;
}

/**
 * `fsync` (default on): commits are made durable by `durable()`; off: as SQLite's NORMAL alone
 * (a commit survives a process crash, not a power cut). `syncWal` is the flush itself (tests
 * observe it); it gets the open WAL file.
 */
export function createBunSqliteDriver(path: string, opts: {
  fsync?: boolean; syncWal?: (wal: FileHandle) => Promise<void>; shared?: boolean;
  /** WAL checkpoints in a thread of their own (wal-checkpointer.ts): the server; CLIs and tests leave it off. */
  checkpointThread?: boolean;
} = {}): BunSqliteDriver {
  const db = new Database(path, { create: true, strict: true });
  // First: another process (--workers) may hold a lock even for the journal-mode switch.
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode: a commit appends to the WAL without fsync (durable across a process
  // crash; SQLite itself syncs only around checkpoints). Power-loss durability comes from
  // walSync below, shared by all commits in flight, instead of FULL's fsync inside every commit.
  db.exec("PRAGMA synchronous = NORMAL");
  // Checkpoint every 4000 WAL pages (~16 MiB), not SQLite's 1000: a page rewritten many times
  // between checkpoints is copied to the database once, and the checkpoint's fsyncs and re-reads
  // of the database file come 4× less often. A versioned 4 KiB PUT writes ~6 pages (the demoted
  // copy), a plain one ~2, so it gains the most (bench/versioning.ts; per 6,000 PUTs: preads 84k →
  // 36k, fsyncs 88 → 28). Costs: a WAL file of up to ~16 MiB on disk, ~20 ms of WAL replay when
  // opening after a crash (~5 ms per 1000 pages), and each checkpoint, run inside the commit
  // that crosses the mark, writes up to 4× as much at once — unless `checkpointThread` (the
  // server) has copied the frames already, from a thread of its own (wal-checkpointer.ts).
  db.exec("PRAGMA wal_autocheckpoint = 4000");
  db.exec("PRAGMA foreign_keys = OFF");
  const file = path !== ":memory:" && path !== "";
  const wal = file && opts.fsync !== false ? walSync(path, opts.syncWal) : undefined;
  const checkpointer = file && opts.checkpointThread ? createWalCheckpointer(path) : undefined;
  const dataVersion = db.query("PRAGMA data_version");
  // Each write counts toward the group's next flush and the checkpoint thread's next pass.
  const wrote = () => { wal?.group.wrote(); checkpointer?.wrote(); };
  return {
    exec: (sql) => { db.exec(sql); wrote(); },
    all: <T>(sql: string, params: SqlValue[] = []) => {
      const rows = db.query(sql).all(...(params as never[])) as T[];
      if (!/^\s*SELECT\b/i.test(sql)) wrote(); // e.g. INSERT … RETURNING
      return rows;
    },
    run: (sql, params = []) => {
      const r = { changes: db.query(sql).run(...(params as never[])).changes };
      wrote();
      return r;
    },
    transaction: <T>(fn: () => T): T => {
      const r = db.transaction(fn).immediate() as T;
      wrote();
      return r;
    },
    group: createTxGroup(db, wrote),
    durable: wal && (() => wal.group.synced()),
    // Other processes commit to this file too (--workers, `shared`): their commits move it.
    dataVersion: opts.shared ? () => (dataVersion.get() as { data_version: number }).data_version : undefined,
    async close() {
      await checkpointer?.close();
      await wal?.close();
      db.close();
    },
  };
}

/**
 * Group commit over WAL + NORMAL. A commit has written its frames (commit marker included) to
 * `<db>-wal` with write(2) before it returns, so one fdatasync of that file afterwards makes it
 * as durable as FULL would (SQLite forum, "Switching pragma synchronous to upgrade durability":
 * flushing the journal file makes previously committed WAL transactions durable). The file is
 * opened lazily (SQLite creates it at the first write) and re-opened whenever the name points at
 * another inode: SQLite reuses one WAL file across checkpoints (rewinding it in place) and
 * deletes it only when the last connection closes, but a journal-mode switch or another process
 * could replace it. A newly opened WAL also gets its directory synced: SQLite syncs the
 * directory of a new WAL only at its first own sync (the first checkpoint under NORMAL), and
 * the database file's entry (and the data directory's) need it too when the store is new.
 * Several processes on one database (--workers): each runs its own group over the same WAL file.
 * fdatasync flushes the file's dirty pages whoever wrote them, and each process waits for a flush
 * of its own that started after its commit, so every acknowledged write in every process is
 * covered; a checkpoint by another process syncs the WAL before it rewinds it (SQLite's rule).
 * Writers in other processes wait for the write lock (busy_timeout above) rather than fail.
 */
function walSync(dbPath: string, syncWal: (wal: FileHandle) => Promise<void> = (fh) => fh.datasync()) {
  const walPath = `${dbPath}-wal`;
  let fh: FileHandle | undefined;
  let ino = -1;
  const flush = async () => {
    const st = await stat(walPath).catch((e) => { if (e?.code === "ENOENT") return null; throw e; });
    // No WAL: nothing written yet (or WAL unavailable, where NORMAL syncs at each commit).
    if (!st) return;
    if (!fh || st.ino !== ino) {
      const next = await open(walPath, "r");
      try {
        const nextIno = (await next.stat()).ino;
        // The data directory's own name too, in case it was just created.
        await Promise.all([syncDir(dirname(walPath)), syncDir(dirname(dirname(walPath)))]);
        await fh?.close();
        [fh, ino] = [next, nextIno];
      } catch (e) {
        await next.close();
        throw e;
      }
    }
    const wal = fh;
    await fsyncVia(() => syncWal(wal));
  };
  const group = createGroupSync(flush);
  return {
    group,
    async close() {
      await group.idle();
      await fh?.close();
      fh = undefined;
    },
  };
}
