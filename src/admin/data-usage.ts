// GET datausageinfo (madmin's DataUsageInfo, plain JSON; the MinIO Console's and s3edge's
// console's bucket sizes): objects, versions, delete markers and bytes per bucket, counted now
// by the MetaStore (MetaStore.bucketUsage: one aggregate read per bucket, no listing through
// JavaScript) — MinIO answers from its background scanner instead.
import type { BucketUsage } from "../store/types.ts";
import type { AdminHandler } from "./handlers.ts";
import { json, rfc3339 } from "./respond.ts";

export const dataUsageInfo: AdminHandler = async (ctx) => {
  const buckets = await ctx.deps.meta.listBuckets();
  const usage = await Promise.all(buckets.map((b) => ctx.deps.meta.bucketUsage(b.name)));
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
