// The S3 API: the catch-all mount of the front door (src/app.ts).
import type { Context } from "hono";
import type { Deps } from "../deps.ts";
import { S3Error } from "../xml/errors.ts";
import { errorXml } from "../xml/xml.ts";
import type { AuthResult, Authenticator } from "../auth/authenticate.ts";
import { s3Arn, type Authorize } from "../auth/authorize.ts";
import { conditionContext } from "../auth/conditions.ts";
import { resolveAddress } from "./address.ts";
import { route, type Op } from "./router.ts";
import { refuseUnsupported } from "./unsupported.ts";
import { HANDLERS } from "./handlers.ts";
import type { ReqCtx } from "./context.ts";
import { requestInfo } from "../http/request-info.ts";
import { isRequestAborted } from "../http/request-aborted.ts";
import type { BucketState } from "../store/types.ts";
import { corsResponseHeaders, corsRules } from "./cors.ts";
import { beginRequest, durableBeforeAnswer } from "../http/pipeline.ts";

/**
 * Ops that act on an existing bucket. CreateBucket makes one; DeleteBucket also finishes a delete
 * the sharded store left half done (listed in the catalog, gone from its shard); unknown ops are
 * answered as such.
 */
const UNRESOLVED: ReadonlySet<Op> = new Set<Op>(["CreateBucket", "DeleteBucket", "NotImplemented", "MethodNotAllowed"]);
const RESOLVES_BUCKET = (op: Op) => !UNRESOLVED.has(op);

/** What a preflight is answered as: browsers never sign one, so there is nothing to verify. */
const PREFLIGHT_AUTH: AuthResult = { principal: { kind: "anonymous" }, payload: { kind: "unsigned" }, via: "anonymous" };

export function s3Api(deps: Deps, authenticate: Authenticator, authorize: Authorize) {
  return async (c: Context): Promise<Response> => {
    const req = c.req.raw;
    const { requestId, seen, answer } = beginRequest(deps, req, "s3");
    let resource = "";
    let bucket = "";
    // undefined: not read yet (an error came first, or the op makes the bucket); null: none.
    let bucketState: BucketState | null | undefined;
    const afterTasks: (() => Promise<unknown>)[] = [];
    try {
      const url = new URL(req.url);
      // Keys are names, not paths: address and verify by the path as sent where the runtime kept it.
      const info = requestInfo(c.env);
      const path = info.rawPath ?? url.pathname;
      const addr = resolveAddress(url, path, req.headers.get("host"), deps.config.domains);
      resource = addr.key ? `/${addr.bucket}/${addr.key}` : addr.bucket ? `/${addr.bucket}` : "/";
      const r = route(req.method, addr.level, url.searchParams, req.headers, url.search);
      Object.assign(seen, { op: r.op, bucket: addr.bucket, key: addr.key });
      bucket = addr.bucket;
      // A preflight (route row `public: "preflight"`) skips authentication and authorization only;
      // it still resolves the bucket and is answered from its CORS rules.
      const auth = r.public === "preflight" ? PREFLIGHT_AUTH : await authenticate({
        method: req.method, url, path, headers: req.headers, vhostBucket: addr.vhost ? addr.bucket : undefined,
        // GetBucketLocation is how clients discover the region, so any signing region is accepted.
        policy: { services: ["s3"], region: r.op === "GetBucketLocation" ? "any" : "configured" },
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      const clientAddress = info.remoteAddress ?? "";
      const conditions = conditionContext({ url, headers: req.headers, clientAddress, now: deps.clock.now(), auth: auth.via });
      const check = (action: string, arn: string, extra?: Record<string, string>) =>
        authorize(auth.principal, action, arn, extra ? { ...conditions, ...extra } : conditions);
      // The bucket first (a missing one is NoSuchBucket, as S3 answers anyone), then the permission.
      if (addr.level === "service") bucketState = null;
      else if (RESOLVES_BUCKET(r.op)) bucketState = await deps.meta.getBucketState(addr.bucket);
      if (addr.level !== "service" && RESOLVES_BUCKET(r.op) && !bucketState) throw new S3Error("NoSuchBucket", { extra: { BucketName: addr.bucket } });
      if (r.public !== "preflight") await check(r.action, s3Arn(addr.bucket, addr.key || undefined));
      refuseUnsupported(r.op, req.headers, url.protocol === "https:");
      const ctx: ReqCtx = {
        deps, req, url, query: url.searchParams, headers: req.headers, op: r.op, bucket: addr.bucket, key: addr.key,
        principal: auth.principal, payload: auth.payload, requestId, clientAddress, authorize: check, bucketState: bucketState ?? null,
        after: (task) => { afterTasks.push(task); },
      };
      const res = await HANDLERS[r.op](ctx);
      await durableBeforeAnswer(deps, req);
      for (const task of afterTasks) deps.background(task());
      return answer(await withCors(deps, req, res, bucket, bucketState));
    } catch (e) {
      return answer(await withCors(deps, req, errorResponse(deps, e, req, resource, requestId), bucket, bucketState));
    }
  };
}

/**
 * Access-Control-* on the answer to a browser's actual request (success or error, signed or
 * presigned) when a rule of the bucket allows its origin and method; none otherwise, as S3
 * answers. A request refused before its bucket was read (a bad signature) reads it here, so a
 * page can see why it failed. Preflights answer for themselves (cors-handlers.ts).
 */
async function withCors(deps: Deps, req: Request, res: Response, bucket: string, state: BucketState | null | undefined): Promise<Response> {
  const origin = req.headers.get("origin");
  if (!origin || !bucket || req.method === "OPTIONS") return res;
  try {
    const s = state !== undefined ? state : await deps.meta.getBucketState(bucket);
    const headers = corsResponseHeaders(corsRules(s?.configs), origin, req.method);
    if (!headers) return res;
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    res.headers.append("vary", "Origin");
  } catch (e) {
    // Never turn an answer into a failure for the sake of its CORS headers.
    deps.log.warn("CORS headers skipped", { bucket, error: e instanceof Error ? e.message : String(e) });
  }
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
