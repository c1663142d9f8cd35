// Bun's lifecycle schedule: one sweep shortly after start, then one every
// S3EDGE_LIFECYCLE_INTERVAL (default 1h; 0 turns it off). Passes never overlap.
import type { Deps } from "../../deps.ts";
import { sweepLifecycle } from "../../s3/lifecycle-sweep.ts";

/** Soon after start, not at once: the server comes up first, and a restart loop does not sweep in a loop. */
const FIRST_PASS_MS = 10_000;

export function startLifecycleTimer(deps: Pick<Deps, "meta" | "targets" | "config" | "log" | "clock">, opts: { firstPassMs?: number; active?: () => boolean } = {}) {
  const every = deps.config.lifecycleIntervalMs;
  if (!every) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = () => {
    // Several processes (--workers): only the elected one sweeps.
    if (running || stopped || (opts.active && !opts.active())) return;
    running = (async () => {
      // A pass that ran out of budget goes on at once rather than an interval later.
      for (let more = true; more && !stopped;) {
        const r = await sweepLifecycle(deps, { now: deps.clock.now() });
        more = r.more;
        if (r.expired + r.noncurrent + r.markers + r.aborted > 0) deps.log.info("lifecycle sweep", { ...r });
      }
    })().catch((e) => deps.log.error("lifecycle sweep failed", { error: String(e) })).finally(() => { running = undefined; });
  };
  const first = setTimeout(pass, opts.firstPassMs ?? Math.min(FIRST_PASS_MS, every));
  const timer = setInterval(pass, every);
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
