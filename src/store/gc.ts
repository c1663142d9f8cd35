import type { Deps } from "../deps.ts";

/**
 * Deletes chunks no object version or part references and no in-flight upload pins.
 * Rows go first, tombstoned in the same transaction; then the blobs; then the tombstones. Once
 * a row is gone nobody can pin it again, and a crash (or a failed delete) between the steps
 * leaves tombstones that the next pass deletes again, so no blob is leaked. Where commits need a
 * flush (`durable`), the blobs go only once their rows' deletion — and the commits that made them
 * garbage — are durable: else a power cut could bring back a row whose file is gone.
 *
 * `bootedAt`: when this process started, where one process owns the store (Bun). Sessions
 * recorded before it belong to a process that is gone, so they are stale at once rather than
 * after `sessionTtlMs`. Workers keep the TTL rule (an isolate is not a process).
 */
export async function collectGarbage(
  deps: Pick<Deps, "meta" | "blobs" | "clock" | "config" | "durable">, opts: { bootedAt?: number } = {},
): Promise<number> {
  const staleSessionsBefore = Math.max(deps.clock.now() - deps.config.sessionTtlMs, opts.bootedAt ?? -Infinity);
  let total = 0;
  for (;;) {
    const blobs = await deps.meta.collectGarbage({ staleSessionsBefore, limit: 500 });
    if (blobs.length) {
      await deps.durable?.();
      await deps.blobs.delete(blobs);
      await deps.meta.dropTombstones(blobs);
    }
    total += blobs.length;
    if (blobs.length < 500) return total;
  }
}
