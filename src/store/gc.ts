import type { Deps } from "../deps.ts";

/**
 * Deletes chunks no object version or part references and no in-flight upload pins.
 * Rows go first (in one transaction), blobs after: once a row is gone nobody can pin it again.
 */
export async function collectGarbage(deps: Pick<Deps, "meta" | "blobs" | "clock" | "config">): Promise<number> {
  let total = 0;
  for (;;) {
    const blobs = await deps.meta.collectGarbage({ staleSessionsBefore: deps.clock.now() - deps.config.sessionTtlMs, limit: 500 });
    if (blobs.length) await deps.blobs.delete(blobs);
    total += blobs.length;
    if (blobs.length < 500) return total;
  }
}
