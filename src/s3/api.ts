// The S3 API: the catch-all mount of the front door (src/app.ts).
import type { Context } from "hono";
import type { Deps } from "../deps.ts";
import { S3Error } from "../xml/errors.ts";
import { errorXml } from "../xml/xml.ts";
import type { AuthResult, Authenticator } from "../auth/authenticate.ts";
import { s3Arn, type Authorize, type Conditions, type ResourcePolicies } from "../auth/authorize.ts";
import type { SecretLookup } from "../auth/principal.ts";
import { requestAuthorizer } from "../auth/request-authorizer.ts";
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
import { arnBucket, BUCKET_POLICY_CONFIG } from "./bucket-policy.ts";
import { BUCKET_ACL_CONFIG, OBJECT_ACL_HEADER } from "./acl.ts";
import { PUBLIC_ACCESS_BLOCK_CONFIG } from "./public-access-block.ts";
import { OWNERSHIP_CONFIG } from "./bucket-configs.ts";

/**
 * Ops that act on an existing bucket. CreateBucket makes one; DeleteBucket also finishes a delete
 * the sharded store left half done (listed in the catalog, gone from its shard); unknown ops are
 * answered as such.
 */
const UNRESOLVED: ReadonlySet<Op> = new Set<Op>(["CreateBucket", "DeleteBucket", "NotImplemented", "MethodNotAllowed"]);
const RESOLVES_BUCKET = (op: Op) => !UNRESOLVED.has(op);

/**
 * Ops whose action applies to each key they name, asked by the handler (AWS: DeleteObjects
 * needs s3:DeleteObject per key; there is no bucket-level permission a policy on `bucket/*`
 * or `bucket/prefix/*` would grant); PutObjectTagging once its body says which tags it sets
 * (s3:RequestObjectTag/…); PutObjectRetention and PutObjectLegalHold likewise (s3:object-lock-*).
 */
const PER_KEY: ReadonlySet<Op> = new Set<Op>(["DeleteObjects", "PutObjectTagging", "PutObjectRetention", "PutObjectLegalHold"]);

/**
 * What a preflight is answered as: browsers never sign one, so there is nothing to verify. A
 * POST Object form starts the same way: its signature is in the body, which its handler reads.
 */
const PREFLIGHT_AUTH: AuthResult = { principal: { kind: "anonymous" }, payload: { kind: "unsigned" }, via: "anonymous" };

export function s3Api(deps: Deps, authenticate: Authenticator, authorize: Authorize, credentials: SecretLookup) {
  return async (c: Context): Promise<Response> => {
    const req = c.req.raw;
    const { requestId, seen, answer } = beginRequest(deps, req, "s3");
    let resource = "";
    let bucket = "";
    // undefined: not read yet (an error came first, or the op makes the bucket); null: none.
    let bucketState: BucketState | null | undefined;
    const afterTasks: (() => Promise<unknown>)[] = [];
    const beforeTasks: (() => Promise<unknown>)[] = [];
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
      const auth = r.public ? PREFLIGHT_AUTH : await authenticate({
        method: req.method, url, path, headers: req.headers, vhostBucket: addr.vhost ? addr.bucket : undefined,
        // GetBucketLocation is how clients discover the region, so any signing region is accepted.
        policy: { services: ["s3"], region: r.op === "GetBucketLocation" ? "any" : "configured" },
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      const clientAddress = info.remoteAddress ?? "";
      const ask = requestAuthorizer(authorize, { url, headers: req.headers, clientAddress, now: () => deps.clock.now(), auth: auth.via });
      const check = (action: string, arn: string, extra?: Conditions, principal = auth.principal) =>
        ask(principal, action, arn, { extra, policies: () => resourcePoliciesFor(arn) });
      // What the bucket an ARN names says (policy, ACL, public access block): this request's,
      // read with its state; another's (CopyObject's source) read when asked. The object's ACL
      // is read only if the authorizer needs it.
      const resourcePoliciesFor = async (arn: string): Promise<ResourcePolicies> => {
        const b = arnBucket(arn);
        if (!b) return {};
        const configs = b === addr.bucket && bucketState !== undefined ? bucketState?.configs : (await deps.meta.getBucketState(b))?.configs;
        const key = arn.slice(`arn:aws:s3:::${b}/`.length);
        return {
          bucketPolicy: configs?.[BUCKET_POLICY_CONFIG] ?? null, bucketAcl: configs?.[BUCKET_ACL_CONFIG] ?? null,
          publicAccessBlock: configs?.[PUBLIC_ACCESS_BLOCK_CONFIG] ?? null, aclsDisabled: configs?.[OWNERSHIP_CONFIG] === "BucketOwnerEnforced",
          ...(arn.length > `arn:aws:s3:::${b}/`.length ? objectPolicies(b, key) : {}),
        };
      };
      // The object's ACL and tags, read at most once and only if the authorizer asks.
      const objectPolicies = (b: string, key: string): ResourcePolicies => {
        let obj: ReturnType<typeof deps.meta.getObject> | undefined;
        // This request's object is the version it names (?versionId); another's, its current one.
        const versionId = b === addr.bucket && key === addr.key ? url.searchParams.get("versionId") ?? undefined : undefined;
        const read = () => (obj ??= deps.meta.getObject(b, key, versionId));
        return { objectAcl: async () => (await read())?.headers[OBJECT_ACL_HEADER], objectTags: async () => (await read())?.tags };
      };
      // The bucket first (a missing one is NoSuchBucket, as S3 answers anyone), then the permission.
      if (addr.level === "service") bucketState = null;
      else if (RESOLVES_BUCKET(r.op)) bucketState = await deps.meta.getBucketState(addr.bucket);
      if (addr.level !== "service" && RESOLVES_BUCKET(r.op) && !bucketState) throw new S3Error("NoSuchBucket", { extra: { BucketName: addr.bucket } });
      // A form POST is authorized by its handler, once the form says who sent it (post-object.ts).
      if (!r.public && !PER_KEY.has(r.op)) await check(r.action, s3Arn(addr.bucket, addr.key || undefined));
      refuseUnsupported(r.op, req.headers, url.protocol === "https:");
      const ctx: ReqCtx = {
        deps, req, url, query: url.searchParams, headers: req.headers, op: r.op, bucket: addr.bucket, key: addr.key,
        principal: auth.principal, payload: auth.payload, requestId, clientAddress, bucketState: bucketState ?? null,
        // As ctx.principal is then: a form POST's handler sets it from the form's signature.
        authorize: (action, arn, extra) => check(action, arn, extra, ctx.principal),
        after: (task) => { afterTasks.push(task); },
        beforeAnswer: (task) => { beforeTasks.push(task); },
        credentials,
      };
      const res = await HANDLERS[r.op](ctx);
      await durableBeforeAnswer(deps, req);
      if (beforeTasks.length && res.status < 300) await runBeforeAnswer(deps, beforeTasks);
      for (const task of afterTasks) deps.background(task());
      return answer(await withCors(deps, req, res, bucket, bucketState));
    } catch (e) {
      return answer(await withCors(deps, req, errorResponse(deps, e, req, resource, requestId), bucket, bucketState));
    }
  };
}

/** How long an answer waits for its before-answer tasks (Ceph's synchronous topic pushes) in all. */
const BEFORE_ANSWER_MS = 5000;

/** The tasks in order, for at most BEFORE_ANSWER_MS; what is still running then goes on in the background. */
async function runBeforeAnswer(deps: Deps, tasks: (() => Promise<unknown>)[]): Promise<void> {
  const all = (async () => {
    for (const t of tasks) await t().catch((e) => deps.log.warn("before-answer task failed", { error: String(e) }));
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([all.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), BEFORE_ANSWER_MS); })]);
  if (timer !== undefined) clearTimeout(timer);
  if (late) deps.background(all);
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
