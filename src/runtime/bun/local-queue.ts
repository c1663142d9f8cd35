// The durable local queue's consumer on Bun: the outbox rows in the MetaStore are the queue
// (leased, then deleted or delayed); this loop drains them on the main event loop, since
// delivery is network I/O, not CPU.
import type { MetaStore } from "../../store/types.ts";
import { drainOutbox, type DeliverDeps } from "../../events/deliver.ts";

export function startLocalQueue(meta: MetaStore, d: DeliverDeps, opts: { pollMs?: number } = {}): { stop(): Promise<void> } {
  const pollMs = opts.pollMs ?? 200;
  let running = true;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (running) {
      let n = 0;
      try {
        n = await drainOutbox(meta, d);
      } catch (e) {
        d.log.error("event queue pass failed", { error: String(e) });
      }
      if (n === 0 && running) await new Promise<void>((r) => { wake = r; setTimeout(r, pollMs); });
    }
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
