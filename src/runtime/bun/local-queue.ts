// The durable local queue's consumer on Bun: the outbox rows in the MetaStore are the queue
// (a target's oldest rows leased, then deleted or released; see events/deliver.ts for the
// order and retry rules). The loop runs on the main event loop, since delivery is network
// I/O, not CPU. Each target has at most one batch in flight, and a slow target does not hold
// up the others: a new pass starts as soon as any batch settles.
import type { MetaStore } from "../../store/types.ts";
import { startOutboxPass, type DeliverSource } from "../../events/deliver.ts";

export function startLocalQueue(
  meta: MetaStore, d: DeliverSource, opts: { pollMs?: number; leaseMs?: number; active?: () => boolean } = {},
): { stop(): Promise<void> } {
  const pollMs = opts.pollMs ?? 200;
  let running = true;
  let wake: (() => void) | null = null;
  const inflight = new Set<Promise<void>>();
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
        const pass = await startOutboxPass(meta, d, { leaseMs: opts.leaseMs });
        leased = pass.leased;
        if (leased > 0) {
          const p: Promise<void> = pass.settled.catch(failed).finally(() => inflight.delete(p));
          inflight.add(p);
        }
      } catch (e) {
        failed(e);
      }
      // Something was leased: lease again at once (other targets may be due). Otherwise wait for
      // a batch to settle (its target may have more) or the poll interval (new rows, backoffs ending).
      if (leased > 0 || !running) continue;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([...inflight, new Promise<void>((r) => { wake = r; timer = setTimeout(r, pollMs); })]);
      clearTimeout(timer);
    }
    await Promise.all(inflight);
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
