// One elected process among the --workers children sharing a data directory: it alone runs the
// background work that must not run twice at once (GC, the lifecycle sweep, the event outbox
// drain). The lease is a row in a small SQLite file of its own (not meta.sqlite: no schema or
// migration of the store's, and a renewal every second never touches the store's WAL). The
// holder renews it every `renewMs`; another process takes it over once it has expired, or at
// once when the holder's pid is gone (SIGKILL): a killed leader is replaced within `renewMs`,
// one that hangs within `ttlMs`. Every check-and-take runs in one BEGIN IMMEDIATE transaction,
// so two candidates never both win.
import { Database } from "bun:sqlite";

export interface LeaderLease {
  /** Whether this process held the lease at its last renewal (cheap: no I/O). */
  isLeader(): boolean;
  /** One renewal or take-over attempt now; returns isLeader(). */
  tick(): boolean;
  /** Stops renewing and releases the lease (a graceful stop hands over at once). */
  stop(): void;
}

export interface LeaseOptions {
  /** Who holds it: unique among live processes (default: pid + a random suffix). */
  holder?: string;
  pid?: number;
  ttlMs?: number;
  renewMs?: number;
  now?: () => number;
  /** Whether a pid is alive (default: signal 0); an injected one for tests. */
  alive?: (pid: number) => boolean;
}

export const LEASE_TTL_MS = 5_000;
export const LEASE_RENEW_MS = 1_000;

const pidAlive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
};

export function startLeaderLease(path: string, opts: LeaseOptions = {}): LeaderLease {
  const pid = opts.pid ?? process.pid;
  const holder = opts.holder ?? `${pid}.${crypto.randomUUID().slice(0, 8)}`;
  const ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
  const now = opts.now ?? Date.now;
  const alive = opts.alive ?? pidAlive;
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA busy_timeout = 2000");
  // The lease is not data: losing the last renewal to a power cut only delays a take-over.
  db.exec("PRAGMA synchronous = OFF");
  db.exec("CREATE TABLE IF NOT EXISTS lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, pid INTEGER NOT NULL, expires INTEGER NOT NULL)");
  const read = db.query<{ holder: string; pid: number; expires: number }, []>("SELECT holder, pid, expires FROM lease WHERE name = 'leader'");
  const write = db.query("INSERT OR REPLACE INTO lease (name, holder, pid, expires) VALUES ('leader', ?, ?, ?)");
  let leader = false;
  let stopped = false;
  const attempt = db.transaction(() => {
    const t = now();
    const r = read.get();
    const free = !r || r.holder === holder || r.expires <= t || (r.pid !== pid && !alive(r.pid));
    if (free) write.run(holder, pid, t + ttlMs);
    return free;
  });
  const tick = () => {
    if (stopped) return false;
    try {
      leader = attempt.immediate() as boolean;
    } catch {
      leader = false; // busy or unreadable: not leading this round; the next tick tries again
    }
    return leader;
  };
  tick();
  const timer = setInterval(tick, opts.renewMs ?? LEASE_RENEW_MS);
  timer.unref?.();
  return {
    isLeader: () => leader,
    tick,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      try {
        if (leader) db.query("DELETE FROM lease WHERE name = 'leader' AND holder = ?").run(holder);
      } catch {}
      leader = false;
      db.close();
    },
  };
}
