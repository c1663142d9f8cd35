// One elected node among those sharing a PostgreSQL: it alone runs the background work that
// must not run on every node (GC, the lifecycle sweep, the event outbox drain), as
// src/runtime/bun/leader-lease.ts elects one --workers child over SQLite. The lease is a row of
// leader_leases (schema.ts migration 4) with an expiry in the database's clock, so the nodes'
// clocks need not agree: one statement renews it for its holder or takes it once expired, under
// the row's lock, so two candidates never both win. A graceful stop deletes it (the next tick
// of another node takes over); a killed or partitioned leader is replaced once it expires
// (`ttlMs`). The holder itself stops leading `ttlMs` after its last successful renewal began,
// before any other node can take over, even if the database stops answering it.
import type { Pg } from "./tx.ts";

export interface PostgresLeaderLease {
  /** Whether this node holds the lease now (cheap: no I/O). */
  isLeader(): boolean;
  /** One renewal or take-over attempt now; resolves to isLeader(). */
  tick(): Promise<boolean>;
  /** Who holds it here (the row's holder). */
  readonly holder: string;
  /** Stops renewing and releases the lease. */
  stop(): Promise<void>;
}

export interface PostgresLeaseOptions {
  /** Unique among live nodes (default: a random UUID; the CLI gives host:pid.random). */
  holder?: string;
  ttlMs?: number;
  /** Renewal period (default ttl / 5); 0: no timer, ticks only by tick() (tests). */
  renewMs?: number;
  /** Whether this process may lead at all (--workers: only the child elected on this host). */
  eligible?: () => boolean;
  now?: () => number;
}

export const PG_LEASE_TTL_MS = 10_000;

export async function startPostgresLease(sql: Pg, opts: PostgresLeaseOptions = {}): Promise<PostgresLeaderLease> {
  const holder = opts.holder ?? crypto.randomUUID();
  const ttlMs = opts.ttlMs ?? PG_LEASE_TTL_MS;
  const now = opts.now ?? Date.now;
  let validUntil = 0; // local clock: when this node stops trusting its last renewal
  let stopped = false;
  let running: Promise<boolean> | undefined;
  const isLeader = () => !stopped && now() < validUntil;
  const release = async () => {
    validUntil = 0;
    await sql`DELETE FROM leader_leases WHERE name = 'leader' AND holder = ${holder}`;
  };
  const attempt = async (): Promise<boolean> => {
    if (stopped) return false;
    if (opts.eligible && !opts.eligible()) {
      if (validUntil > 0) await release().catch(() => {});
      return false;
    }
    const began = now();
    try {
      const won = await sql`INSERT INTO leader_leases (name, holder, expires)
        VALUES ('leader', ${holder}, clock_timestamp() + ${ttlMs} * interval '1 millisecond')
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
        WHERE leader_leases.holder = excluded.holder OR leader_leases.expires <= clock_timestamp()
        RETURNING holder`;
      validUntil = won.length && !stopped ? began + ttlMs : 0;
    } catch {
      // Unreachable: keep what the last renewal granted (validUntil), no longer.
    }
    return isLeader();
  };
  const tick = () => (running ??= attempt().finally(() => { running = undefined; }));
  await tick();
  const renewMs = opts.renewMs ?? Math.max(100, Math.floor(ttlMs / 5));
  const timer = renewMs > 0 ? setInterval(tick, renewMs) : undefined;
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return {
    holder,
    isLeader,
    tick,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
      await release().catch(() => {});
    },
  };
}
