import { Hono } from "hono";
import type { Deps } from "./deps.ts";
import { createAuthenticator } from "./auth/authenticate.ts";
import { iamSecretLookup } from "./auth/credentials.ts";
import { createIamCache, invalidatingIamStore } from "./iam/cache.ts";
import { mountHealth } from "./ops/health.ts";
import { mountShare } from "./share/serve.ts";
import { mountMetrics } from "./ops/metrics-api.ts";
import { mountConsole } from "./console/routes.ts";
import { adminApi } from "./admin/api.ts";
import { queryApi } from "./query/api.ts";
import { sqsApi } from "./query/sqs-api.ts";
import { s3Api } from "./s3/api.ts";
import { createAuthorizer, type Authorize } from "./auth/authorize.ts";
import { mountTestClock } from "./ops/test-clock.ts";

/**
 * The whole gateway as a fetch handler; runtimes only build `deps`. The APIs are mounted in
 * order (DESIGN.md "The front door"), each with its own endpoint table and error format:
 * ops (health, metrics) → console (HTML; a browser's plain GET / goes there) → admin (madmin JSON) → AWS Query APIs (form POST /, <ErrorResponse>) → S3 (catch-all).
 */
export function createApp(base: Deps, opts: { authorize?: Authorize } = {}): Hono {
  const app = new Hono();
  // This node's IAM view (iam/cache.ts); writes through the app's own IamStore refresh it at once.
  const iam = createIamCache({ store: base.iam, now: () => base.clock.now(), refreshMs: base.config.refreshIamIntervalMs });
  const localIam = invalidatingIamStore(base.iam, () => iam.invalidate());
  // `base` with only `iam` replaced; every other member is inherited, so read live from it as
  // before (a runtime or test may swap deps.log after createApp) without a trap on each access.
  const deps: Deps = Object.create(base, { iam: { value: localIam, enumerable: true } });
  const authz = opts.authorize ?? createAuthorizer({ cache: iam });
  const lookup = iamSecretLookup({ config: deps.config, cache: iam, now: () => deps.clock.now() });
  const authenticate = createAuthenticator({ lookup, now: () => deps.clock.now(), region: deps.config.region });

  mountHealth(app, deps);
  mountMetrics(app, deps, lookup, authz);
  mountTestClock(app, deps, authenticate); // only with S3EDGE_TEST_CLOCK=1
  mountConsole(app, deps);
  const admin = adminApi(deps, authenticate, authz);
  app.all("/minio/admin/v3", admin).all("/minio/admin/v3/*", admin).all("/minio/admin/v4", admin).all("/minio/admin/v4/*", admin);
  mountShare(app, deps, lookup, authz); // GET|HEAD /s/<token>: share links, before S3 (whose bucket "s" they would be)
  // SQS's JSON protocol (X-Amz-Target: AmazonSQS.*), then every form POST of the Query APIs
  // (SQS's Query protocol among them: at `/` or at a queue URL, hence "*").
  app.post("*", sqsApi(deps, authenticate, authz));
  app.post("*", queryApi(deps, authenticate, authz));
  app.all("*", s3Api(deps, authenticate, authz, lookup));
  return app;
}
