// Unauthenticated liveness and readiness probes, as MinIO serves them (mc ping / mc ready, load balancers).
import type { Hono } from "hono";

export const HEALTH_PATHS = ["/minio/health/live", "/minio/health/ready", "/minio/health/cluster", "/minio/health/cluster/read"] as const;

export function mountHealth(app: Hono): void {
  for (const p of HEALTH_PATHS) app.on(["GET", "HEAD"], p, () => new Response(null, { status: 200 }));
}
