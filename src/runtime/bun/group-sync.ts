// Group commit: writers that finished while one fsync ran share the next one, so N concurrent
// requests pay one flush, and the event loop never waits on a synchronous fsync.
import { open } from "node:fs/promises";

export interface GroupSync {
  /** Counts a write; call it once the write (a commit, a rename) has returned. */
  wrote(): void;
  /** Resolves once a flush that started after the latest counted write has finished. */
  synced(): Promise<void>;
  /** Waits for the flush in flight, if any (for a clean close). */
  idle(): Promise<void>;
}

const noop = () => {};

/** An fsync that failed (EIO, ENOSPC, …), as opposed to a failure to get there (open: EMFILE). */
export class FsyncError extends Error {
  constructor(cause: unknown) {
    super(`fsync failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** fsync (or fdatasync) through `op`, its failure an FsyncError. */
export async function fsyncVia(op: () => Promise<void>): Promise<void> {
  try { await op(); } catch (e) { throw new FsyncError(e); }
}

/**
 * `flush` must make durable every write that returned before it was called. One flush runs at a
 * time; a failed flush fails its waiters. An FsyncError fails every later call too: after an
 * fsync error the kernel may have dropped the dirty pages, so a later successful fsync proves
 * nothing (PostgreSQL's "fsyncgate"); no write is acknowledged after it until a restart recovers
 * from what is on disk. Other errors (no file descriptor left) fail only that flush.
 */
export function createGroupSync(flush: () => Promise<void>): GroupSync {
  let written = 0; // writes counted so far
  let flushed = 0; // writes covered by finished flushes
  let running: { upTo: number; done: Promise<void> } | undefined;
  let queued: Promise<void> | undefined;
  let failure: unknown;

  const start = (): Promise<void> => {
    if (failure !== undefined) return Promise.reject(failure);
    const upTo = written;
    const done = flush().then(() => { flushed = Math.max(flushed, upTo); }, (e) => {
      if (e instanceof FsyncError) failure ??= e;
      throw e;
    });
    const entry = { upTo, done };
    running = entry;
    const clear = () => { if (running === entry) running = undefined; };
    done.then(clear, clear);
    return done;
  };

  return {
    wrote() { written++; },
    synced() {
      if (failure !== undefined) return Promise.reject(failure);
      const target = written;
      if (flushed >= target) return Promise.resolve();
      if (running && running.upTo >= target) return running.done;
      if (queued) return queued; // starts after the running flush: covers this write too
      if (!running) return start();
      const prev = running.done;
      queued = prev.then(noop, noop).then(() => { queued = undefined; return start(); });
      return queued;
    },
    async idle() {
      await queued?.catch(noop);
      await running?.done.catch(noop);
    },
  };
}

/** fsync of a directory: makes the names created or renamed in it durable (ext4, xfs, btrfs). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try { await fsyncVia(() => fh.sync()); } finally { await fh.close(); }
}

/** One GroupSync per directory: renames into the same directory share one directory fsync. */
export function createDirSyncs(): (dir: string) => Promise<void> {
  const dirs = new Map<string, GroupSync>();
  return (dir) => {
    let g = dirs.get(dir);
    if (!g) dirs.set(dir, (g = createGroupSync(() => syncDir(dir))));
    g.wrote();
    return g.synced();
  };
}
