import { Hono } from "hono";
import type { Deps } from "./deps.ts";
import { S3Error } from "./xml/errors.ts";
import { errorXml } from "./xml/xml.ts";
import { createAuthenticator } from "./auth/authenticate.ts";
import { rootSecretLookup } from "./auth/credentials.ts";
import { authorize } from "./auth/authorize.ts";
import { resolveAddress } from "./s3/address.ts";
import { route } from "./s3/router.ts";
import { HANDLERS } from "./s3/handlers.ts";
import type { ReqCtx } from "./s3/context.ts";
import { toHex } from "./util/hash.ts";
import { requestInfo } from "./http/request-info.ts";
import { isRequestAborted } from "./http/request-aborted.ts";

const newRequestId = () => toHex(crypto.getRandomValues(new Uint8Array(8))).toUpperCase();

/** The whole gateway as a fetch handler; runtimes only build `deps`. */
export function createApp(deps: Deps): Hono {
  const app = new Hono();
  const authenticate = createAuthenticator({ lookup: rootSecretLookup(deps.config), now: () => deps.clock.now(), region: deps.config.region });

  app.get("/minio/health/live", () => new Response(null, { status: 200 }));
  app.get("/minio/health/ready", () => new Response(null, { status: 200 }));

  app.all("*", async (c) => {
    const req = c.req.raw;
    const requestId = newRequestId();
    let resource = "";
    try {
      const url = new URL(req.url);
      // Keys are names, not paths: address and verify by the path as sent where the runtime kept it.
      const path = requestInfo(c.env).rawPath ?? url.pathname;
      const addr = resolveAddress(url, path, req.headers.get("host"), deps.config.domains);
      resource = addr.key ? `/${addr.bucket}/${addr.key}` : addr.bucket ? `/${addr.bucket}` : "/";
      const r = route(req.method, addr.level, url.searchParams, req.headers);
      const auth = await authenticate({
        method: req.method, url, path, headers: req.headers, vhostBucket: addr.vhost ? addr.bucket : undefined, anyRegion: r.op === "GetBucketLocation",
      });
      authorize(auth.principal, r.action, addr.key ? `arn:aws:s3:::${addr.bucket}/${addr.key}` : `arn:aws:s3:::${addr.bucket}`);
      const ctx: ReqCtx = {
        deps, req, url, query: url.searchParams, headers: req.headers, op: r.op, bucket: addr.bucket, key: addr.key,
        principal: auth.principal, payload: auth.payload, requestId,
      };
      const res = await HANDLERS[r.op](ctx);
      // Acknowledge a change only once its commit is durable (group commit: one flush for all
      // requests in flight). Here rather than in each handler, so no mutating op can miss it.
      if (deps.durable && req.method !== "GET" && req.method !== "HEAD") await deps.durable();
      return withCommonHeaders(res, requestId);
    } catch (e) {
      return withCommonHeaders(errorResponse(deps, e, req, resource, requestId), requestId);
    }
  });
  return app;
}

function withCommonHeaders(res: Response, requestId: string): Response {
  res.headers.set("x-amz-request-id", requestId);
  res.headers.set("x-amz-id-2", requestId);
  res.headers.set("server", "s3edge");
  return res;
}

function errorResponse(deps: Deps, e: unknown, req: Request, resource: string, requestId: string): Response {
  let err: S3Error;
  if (e instanceof S3Error) err = e;
  else if (isRequestAborted(e)) {
    // Nobody is left to read the answer; one line, no stack.
    deps.log.warn("request aborted by the client", { requestId, method: req.method, resource });
    err = new S3Error("IncompleteBody");
  } else {
    deps.log.error("internal error", { requestId, method: req.method, resource, error: e instanceof Error ? e.stack ?? e.message : String(e) });
    err = new S3Error("InternalError");
  }
  const headers = new Headers(err.headers);
  // Don't leave a half-read request body behind: the client may still be sending it.
  req.body?.cancel().catch(() => {});
  if (err.code === "NotModified") return new Response(null, { status: 304, headers });
  headers.set("content-type", "application/xml");
  const body = req.method === "HEAD" ? null : errorXml(err.code, err.message, { ...err.extra, Resource: resource, RequestId: requestId, HostId: requestId });
  return new Response(body, { status: err.status, headers });
}
