// The WAL checkpointer's thread (wal-checkpointer.ts): its own connection to the database,
// copying committed WAL frames into the database file while the server's thread goes on.
import { Database } from "bun:sqlite";

declare const self: Worker;

interface Start { path: string; writes: Int32Array; everyMs: number; minWrites: number; idleMs: number }

let stop: (() => void) | undefined;

self.onmessage = (e: MessageEvent<Start | "stop">) => {
  if (e.data === "stop") { stop?.(); self.postMessage("stopped"); return; }
  const { path, writes, everyMs, minWrites, idleMs } = e.data;
  const db = new Database(path);
  // Never wait for a lock: a checkpoint that cannot start now is tried at the next tick.
  db.exec("PRAGMA busy_timeout = 0");
  const checkpoint = db.query("PRAGMA wal_checkpoint(PASSIVE)");
  let seen = Atomics.load(writes, 0);
  let at = performance.now();
  const timer = setInterval(() => {
    const n = Atomics.load(writes, 0);
    // Enough new writes to be worth two fsyncs, or a few left alone for a while.
    if (n - seen < minWrites && !(n !== seen && performance.now() - at >= idleMs)) return;
    try { checkpoint.get(); } catch { return; } // SQLITE_BUSY: another checkpoint runs; next tick
    seen = n;
    at = performance.now();
  }, everyMs);
  stop = () => { clearInterval(timer); checkpoint.finalize(); db.close(); };
};
