// Test-only: `POST /s3edge/test/lifecycle?now=<ms>[&bucket=<name>]` runs one lifecycle sweep at
// that instant and answers what it did (JSON), so an end-to-end test can expire objects with a
// fake clock on any runtime. Mounted only with S3EDGE_TEST_CLOCK=1, and for the root user's
// SigV4 signature only: a deployment without the variable has no such path.
import type { Hono } from "hono";
import type { Deps } from "../deps.ts";
import type { Authenticator } from "../auth/authenticate.ts";
import { S3Error } from "../xml/errors.ts";
import { sweepLifecycle } from "../s3/lifecycle-sweep.ts";

export const TEST_LIFECYCLE_PATH = "/s3edge/test/lifecycle";

export function mountTestClock(app: Hono, deps: Deps, authenticate: Authenticator): void {
  if (!deps.config.testClock) return;
  app.post(TEST_LIFECYCLE_PATH, async (c) => {
    const req = c.req.raw;
    const url = new URL(req.url);
    try {
      const auth = await authenticate({ method: req.method, url, headers: req.headers, policy: { services: ["s3"], region: "any" } });
      if (auth.principal.kind !== "root") throw new S3Error("AccessDenied");
      const now = Number(url.searchParams.get("now") ?? deps.clock.now());
      if (!Number.isSafeInteger(now)) return c.json({ error: "now must be ms since the epoch" }, 400);
      const bucket = url.searchParams.get("bucket");
      const result = await sweepLifecycle(deps, { now, ...(bucket ? { buckets: [bucket] } : {}) });
      await deps.durable?.();
      return c.json(result);
    } catch (e) {
      if (e instanceof S3Error) return c.json({ error: e.code }, e.status as 400);
      throw e;
    }
  });
}
