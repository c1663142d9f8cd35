// GET datausageinfo (madmin's DataUsageInfo, plain JSON; the MinIO Console's and s3edge's
// console's bucket sizes): objects, versions, delete markers and bytes per bucket, counted now
// from the MetaStore's version listing — MinIO answers from its background scanner instead, so
// this walks every version once per call (admin-only, linear in the number of versions).
import type { MetaStore } from "../store/types.ts";
import type { AdminHandler } from "./handlers.ts";
import { json, rfc3339 } from "./respond.ts";

const PAGE = 1000;

export interface BucketUsage { size: number; objectsCount: number; versionsCount: number; deleteMarkersCount: number }

/** One bucket's usage: current objects, all versions (markers excluded), markers, and the bytes of every version. */
export async function bucketUsage(meta: MetaStore, bucket: string): Promise<BucketUsage> {
  const u: BucketUsage = { size: 0, objectsCount: 0, versionsCount: 0, deleteMarkersCount: 0 };
  let start = "", versionIdMarker: string | undefined;
  for (;;) {
    const page = await meta.listObjectVersions(bucket, { prefix: "", start, inclusive: false, limit: PAGE, ...(versionIdMarker !== undefined ? { versionIdMarker } : {}) });
    for (const v of page) {
      if (v.deleteMarker) { u.deleteMarkersCount++; continue; }
      u.versionsCount++;
      u.size += v.size;
      if (v.isLatest) u.objectsCount++;
    }
    if (page.length < PAGE) return u;
    const last = page[page.length - 1]!;
    start = last.key;
    versionIdMarker = last.versionId;
  }
}

export const dataUsageInfo: AdminHandler = async (ctx) => {
  const buckets = await ctx.deps.meta.listBuckets();
  const usage = await Promise.all(buckets.map((b) => bucketUsage(ctx.deps.meta, b.name)));
  const sum = (f: (u: BucketUsage) => number) => usage.reduce((n, u) => n + f(u), 0);
  return json({
    lastUpdate: rfc3339(ctx.deps.clock.now()),
    objectsCount: sum((u) => u.objectsCount),
    versionsCount: sum((u) => u.versionsCount),
    deleteMarkersCount: sum((u) => u.deleteMarkersCount),
    objectsTotalSize: sum((u) => u.size),
    bucketsCount: buckets.length,
    bucketsUsageInfo: Object.fromEntries(buckets.map((b, i) => [b.name, usage[i]])),
    // Deprecated in madmin, still read by old clients.
    bucketsSizes: Object.fromEntries(buckets.map((b, i) => [b.name, usage[i]!.size])),
  });
};
