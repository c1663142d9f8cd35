// Unauthenticated health probes, as MinIO serves them (mc ping / mc ready, load balancers,
// Kubernetes). Status only, no body:
// - /minio/health/live: the process answers (200). Never touches a store: a liveness probe that
//   fails with the database would restart healthy nodes during a store outage.
// - /minio/health/ready, /minio/health/cluster, /minio/health/cluster/read: 200 when both stores
//   answer a cheap probe (a blob HEAD and a bucket lookup of names nothing uses), else 503, so a
//   load balancer stops sending this node requests it could only fail.
// - /minio/health/cluster?maintenance=true: may this node be taken down? MinIO answers 412 when
//   that would cost quorum. A node whose data is its own (files + SQLite under --data) holds the
//   only copy: 412. A node over shared stores (Workers; S3 blobs + a shared metadata store) is
//   stateless: 200 while the stores answer.
// Probes are cached briefly (and shared while in flight): a probe storm costs the stores one
// call per interval, whatever the number of load balancers.
import type { Hono } from "hono";
import type { Deps } from "../deps.ts";

export const HEALTH_PATHS = ["/minio/health/live", "/minio/health/ready", "/minio/health/cluster", "/minio/health/cluster/read"] as const;

/** How long a probe's result stands. */
export const PROBE_CACHE_MS = 1500;
/** A store slower than this to answer a probe counts as unreachable. */
export const PROBE_TIMEOUT_MS = 2000;
// Names no real blob or bucket can have (bucket names are 3-63 of [a-z0-9.-]; blob ids are UUIDs).
const PROBE_BLOB = "s3edge-health-probe";
const PROBE_BUCKET = "_s3edge_health_probe_";

export interface StoreHealth { blobs: boolean; meta: boolean }

type HealthDeps = Pick<Deps, "blobs" | "meta" | "clock" | "log" | "sharedStores">;

export function createHealthProbe(deps: HealthDeps) {
  let cached: { at: number; result: Promise<StoreHealth> } | undefined;
  const check = async (what: "blobs" | "meta", call: () => Promise<unknown>): Promise<boolean> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`no answer in ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS); });
    try {
      await Promise.race([call(), late]);
      return true;
    } catch (e) {
      deps.log.warn("health probe failed", { store: what, error: e instanceof Error ? e.message : String(e) });
      return false;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };
  return (): Promise<StoreHealth> => {
    const now = deps.clock.now();
    if (cached && now - cached.at < PROBE_CACHE_MS) return cached.result;
    const result = Promise.all([check("blobs", () => deps.blobs.head(PROBE_BLOB)), check("meta", () => deps.meta.getBucket(PROBE_BUCKET))])
      .then(([blobs, meta]) => ({ blobs, meta }));
    cached = { at: now, result };
    return result;
  };
}

export function mountHealth(app: Hono, deps: HealthDeps): void {
  const probe = createHealthProbe(deps);
  const status = (code: number, headers: Record<string, string> = {}) => new Response(null, { status: code, headers });
  app.on(["GET", "HEAD"], "/minio/health/live", () => status(200));
  const ready = async () => {
    const h = await probe();
    return h.blobs && h.meta;
  };
  app.on(["GET", "HEAD"], "/minio/health/ready", async () => status((await ready()) ? 200 : 503));
  app.on(["GET", "HEAD"], "/minio/health/cluster/read", async () => status((await ready()) ? 200 : 503));
  app.on(["GET", "HEAD"], "/minio/health/cluster", async (c) => {
    const ok = await ready();
    // One copy of everything, whichever store holds it: MinIO's quorum headers for a single set.
    const headers = { "x-minio-write-quorum": "1" };
    if (c.req.query("maintenance") === "true") return status(ok && deps.sharedStores ? 200 : 412, headers);
    return status(ok ? 200 : 503, headers);
  });
}
