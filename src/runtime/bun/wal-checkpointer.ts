// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses the mark: it copies up to 4000 pages (~16 MiB) into the database file and fsyncs it,
// and every request waits meanwhile (~20 ms each here; a versioned 4 KiB PUT writes ~3× the pages
// of a plain one, so it crosses the mark 3× as often). A thread of our own with its own
// connection runs PASSIVE checkpoints instead, which never block writers or readers; SQLite's
// locking makes two connections of one process as safe as two processes. The automatic
// checkpoint stays as it is: it finds the frames already copied (a cheap pass), keeps the WAL
// bounded if this thread falls behind, and lets the WAL restart from its start.
//
// The server's thread only counts its writes (statements that wrote, commits) into shared memory,
// no message per write; the worker looks every EVERY_MS and checkpoints after MIN_WRITES writes
// (~400 PUTs of 4 KiB, 1000–2500 WAL pages, below SQLite's mark: each checkpoint costs two fsyncs,
// of the WAL and of the database, beside the group commit's),
// or after fewer once IDLE_MS passed. Started lazily: a process that writes little never pays
// for the thread (~5 MiB of RSS).

const EVERY_MS = 20;
const MIN_WRITES = 2000;
const IDLE_MS = 1000;
const START_AFTER = 256;

export interface WalCheckpointer {
  /** Counts a write. */
  wrote(): void;
  /** Stops the thread and closes its connection (before the server's own closes). */
  close(): Promise<void>;
}

export function createWalCheckpointer(path: string): WalCheckpointer {
  const writes = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | undefined;
  let closed = false;
  const start = () => {
    worker = new Worker(new URL("./wal-checkpoint-worker.ts", import.meta.url).href);
    (worker as unknown as { unref(): void }).unref(); // never keeps the process alive
    worker.postMessage({ path, writes, everyMs: EVERY_MS, minWrites: MIN_WRITES, idleMs: IDLE_MS });
  };
  return {
    wrote() {
      if (Atomics.add(writes, 0, 1) === START_AFTER - 1 && !worker && !closed) start();
    },
    async close() {
      closed = true;
      const w = worker;
      if (!w) return;
      worker = undefined;
      // Its connection closed in its own thread (terminating mid-checkpoint would leave SQLite's
      // per-process lock records of that connection behind); bounded, in case the thread is stuck.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        w.onmessage = (e) => { if (e.data === "stopped") { clearTimeout(t); resolve(); } };
        w.postMessage("stop");
      });
      w.terminate();
    },
  };
}
