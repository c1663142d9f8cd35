import { Hono } from "hono";
import type { Deps } from "./deps.ts";
import { createAuthenticator } from "./auth/authenticate.ts";
import { rootSecretLookup } from "./auth/credentials.ts";
import { mountHealth } from "./ops/health.ts";
import { mountMetrics } from "./ops/metrics-api.ts";
import { adminApi } from "./admin/api.ts";
import { queryApi } from "./query/api.ts";
import { s3Api } from "./s3/api.ts";
import { authorize, type Authorize } from "./auth/authorize.ts";

/**
 * The whole gateway as a fetch handler; runtimes only build `deps`. The APIs are mounted in
 * order (DESIGN.md "The front door"), each with its own endpoint table and error format:
 * ops (health, metrics) → admin (madmin JSON) → AWS Query APIs (form POST /, <ErrorResponse>) → S3 (catch-all).
 */
export function createApp(deps: Deps, opts: { authorize?: Authorize } = {}): Hono {
  const app = new Hono();
  const authz = opts.authorize ?? authorize;
  const lookup = rootSecretLookup(deps.config);
  const authenticate = createAuthenticator({ lookup, now: () => deps.clock.now(), region: deps.config.region });

  mountHealth(app);
  mountMetrics(app, deps, lookup, authz);
  const admin = adminApi(deps, authenticate, authz);
  app.all("/minio/admin/v3", admin).all("/minio/admin/v3/*", admin).all("/minio/admin/v4", admin).all("/minio/admin/v4/*", admin);
  app.post("/", queryApi(deps, authenticate));
  app.all("*", s3Api(deps, authenticate, authz));
  return app;
}
