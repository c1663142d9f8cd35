// A bucket's usage from the two counts a store reads in one statement (sql/ and postgres/
// objects.ts bucketUsage): one row for the current versions, one for the noncurrent ones.
import type { BucketUsage } from "./types.ts";

/** Per table: is it the current versions' (1/true), rows, delete markers among them, bytes of the rest. */
export interface UsageRow { current: unknown; n: unknown; markers: unknown; bytes: unknown }

export function usageOf(rows: readonly UsageRow[]): BucketUsage {
  const u: BucketUsage = { size: 0, objectsCount: 0, versionsCount: 0, deleteMarkersCount: 0 };
  for (const r of rows) {
    // COUNT and SUM arrive as numbers (SQLite) or as bigint text (PostgreSQL).
    const live = Number(r.n) - Number(r.markers);
    if (r.current === 1 || r.current === true) u.objectsCount += live;
    u.versionsCount += live;
    u.deleteMarkersCount += Number(r.markers);
    u.size += Number(r.bytes);
  }
  return u;
}
