// The durable local queue's consumer on Bun: the outbox rows in the MetaStore are the queue
// (a target's oldest rows leased, then deleted or released; see events/deliver.ts for the
// order and retry rules). The loop runs on the main event loop, since delivery is network
// I/O, not CPU. Each target has at most one batch in flight, and a slow target does not hold
// up the others: a new pass starts as soon as a commit or a settled batch says one is due (for a
// target whose batch just settled, no sooner than MIN_PASS_MS after its previous lease).
import type { MetaStore } from "../../store/types.ts";
import { HTTP_CONCURRENCY, startOutboxPass, type DeliverSource } from "../../events/deliver.ts";

/** How long an after-commit wake-up waits for more commits to lease with (p99 budget: 100 ms). */
const COALESCE_MS = 5;
/**
 * The least time from one lease of a busy target to the next: a batch that settles sooner waits
 * the rest, so that under a steady stream each lease and settle (two commits) carries more
 * events, not one batch per round trip of the receiver. Adds at most this to a delivery.
 */
const MIN_PASS_MS = 10;
/** Messages leased per pass (all targets). */
const LEASE_LIMIT = 100;

export function startLocalQueue(
  meta: MetaStore, source: DeliverSource, opts: { pollMs?: number; leaseMs?: number; active?: () => boolean } = {},
): { stop(): Promise<void> } {
  const d: DeliverSource = { concurrency: HTTP_CONCURRENCY, ...source };
  const pollMs = opts.pollMs ?? 200;
  let running = true;
  let wake: (() => void) | null = null;
  const inflight = new Set<Promise<void>>();
  /** Targets with a batch in flight: their new events go out in the pass their settling starts. */
  const busy = new Map<string, number>();
  // After-commit wake-up: a request that committed events (stats.triggered) for a target with no
  // batch in flight starts a pass COALESCE_MS later, not at the next poll, so the commits of those
  // few ms share one lease and one settle; a wake that lands while a pass is being leased is
  // kept for the next wait.
  let woken = false;
  let soon: ReturnType<typeof setTimeout> | undefined;
  let later: ReturnType<typeof setTimeout> | undefined;
  const wakeNow = () => { clearTimeout(later); later = undefined; woken = true; wake?.(); };
  /** Targets with events committed since the last lease that could include them. */
  const more = new Set<string>();
  const stopWaking = d.stats?.onTriggered((targets) => {
    for (const t of targets) more.add(t);
    if (soon !== undefined || targets.every((t) => busy.has(t))) return;
    soon = setTimeout(() => { soon = undefined; woken = true; wake?.(); }, COALESCE_MS);
  });
  const failed = (e: unknown) => d.log.error("event queue pass failed", { error: String(e) });
  const loop = (async () => {
    while (running) {
      let leased = 0;
      // Not the elected process (--workers): another one drains; check again after pollMs.
      if (opts.active && !opts.active()) {
        await new Promise<void>((r) => { wake = r; setTimeout(r, pollMs); });
        continue;
      }
      try {
        // What was committed so far for a target without a batch in flight is in this lease.
        for (const t of [...more]) if (!busy.has(t)) more.delete(t);
        const began = Date.now();
        const pass = await startOutboxPass(meta, d, { leaseMs: opts.leaseMs, limit: LEASE_LIMIT });
        leased = pass.leased;
        if (leased > 0) {
          for (const t of pass.targets) busy.set(t, (busy.get(t) ?? 0) + 1);
          const p: Promise<void> = pass.settled.catch(failed).finally(() => {
            inflight.delete(p);
            for (const t of pass.targets) {
              const n = (busy.get(t) ?? 1) - 1;
              if (n > 0) busy.set(t, n);
              else busy.delete(t);
            }
            // Its target may have more (events committed meanwhile, or a full batch left some):
            // lease again, even if this settled while the loop was between a pass and its wait.
            // Otherwise nothing new is known to wait, and the poll covers other producers.
            if (pass.leased >= LEASE_LIMIT || pass.targets.some((t) => more.has(t))) {
              const rest = pass.leased >= LEASE_LIMIT || !running ? 0 : began + MIN_PASS_MS - Date.now();
              if (rest <= 0) wakeNow();
              else if (later === undefined) later = setTimeout(wakeNow, rest);
            }
          });
          inflight.add(p);
        }
      } catch (e) {
        failed(e);
      }
      // A full lease: lease again at once (other targets may be due). One with room visited every
      // due target (each leased from, or busy), so a second lease now would find nothing: it was
      // one empty write transaction per batch. Otherwise wait for a wake-up (a commit, or a
      // settled batch whose target has more) or the poll interval (other producers: lifecycle,
      // other processes; backoffs ending; rows a short lease released).
      if (leased >= LEASE_LIMIT || !running) continue;
      if (woken) { woken = false; continue; }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => { wake = r; timer = setTimeout(r, pollMs); });
      clearTimeout(timer);
      wake = null;
      woken = false;
    }
    await Promise.all(inflight);
  })();
  return {
    async stop() {
      running = false;
      stopWaking?.();
      clearTimeout(soon);
      clearTimeout(later);
      wake?.();
      await loop;
    },
  };
}
