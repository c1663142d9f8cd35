// The AWS Query APIs (STS, SNS, IAM): `POST /` with a form body `Action=…&Version=…`, told from
// S3 by that form body (an S3 POST at the service level does not exist). Parameters may also
// come in the query string (JuiceFS's STS examples): both are merged, the form winning.
import type { Context, Next } from "hono";
import type { Deps } from "../deps.ts";
import { S3Error } from "../xml/errors.ts";
import type { Authenticator } from "../auth/authenticate.ts";
import type { Authorize } from "../auth/authorize.ts";
import { conditionContext } from "../auth/conditions.ts";
import { requestInfo } from "../http/request-info.ts";
import { BodyTooLarge, beginRequest, durableBeforeAnswer, hashedBody, knownError } from "../http/pipeline.ts";
import { resolveAddress } from "../s3/address.ts";
import { QueryError, renderQueryError } from "./errors.ts";
import { ACTIONS, isQueryAction, QUERY_APIS } from "./actions.ts";

/** SNS attribute documents and STS session policies are small. */
const QUERY_BODY_LIMIT = 256 * 1024;

export const isFormPost = (req: Request) =>
  req.method === "POST" && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers.get("content-type") ?? "");

export function queryApi(deps: Deps, authenticate: Authenticator, authorize: Authorize) {
  return async (c: Context, next: Next): Promise<Response | void> => {
    const req = c.req.raw;
    if (!isFormPost(req)) return next();
    const url = new URL(req.url);
    const path = requestInfo(c.env).rawPath ?? url.pathname;
    // A form POST to a bucket (virtual-host style) is S3's.
    if (resolveAddress(url, path, req.headers.get("host"), deps.config.domains).level !== "service") return next();
    const { requestId, seen, answer } = beginRequest(deps, req, "query");
    let ns: string | null = null;
    try {
      const body = await hashedBody(req, QUERY_BODY_LIMIT).catch((e) => {
        throw e instanceof BodyTooLarge ? new QueryError("RequestEntityTooLarge") : e;
      });
      let form: URLSearchParams;
      try {
        form = new URLSearchParams(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body.bytes));
      } catch {
        throw new QueryError("MalformedQueryString", { message: "The form body is not valid UTF-8." });
      }
      const params = new URLSearchParams(url.searchParams);
      for (const [k, v] of form) params.set(k, v);
      const action = params.get("Action");
      const row = action && isQueryAction(action) ? ACTIONS[action] : undefined;
      seen.op = action ?? undefined;
      if (row) ns = QUERY_APIS[row.api].ns;
      // Authenticate before saying anything about the action; an unknown one may be signed for any of the APIs.
      const services = row ? [QUERY_APIS[row.api].service] : Object.values(QUERY_APIS).map((a) => a.service);
      const auth = await authenticate({
        method: req.method, url, path, headers: req.headers, policy: { services, region: "any" }, bodySha256: body.sha256,
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      if (!action) throw new QueryError("MissingAction");
      if (!row) throw new QueryError("InvalidAction", { message: `Could not find operation ${action} for this gateway` });
      if (auth.principal.kind === "anonymous") throw new S3Error("AccessDenied");
      const principal = auth.principal;
      const conditions = conditionContext({ url, headers: req.headers, clientAddress: requestInfo(c.env).remoteAddress ?? "", now: deps.clock.now(), auth: auth.via });
      const res = await row.handler({
        deps, req, params, principal, requestId,
        authorize: (a, resource, o) => authorize(principal, a, resource, conditions, o?.implicitAllow ? { implicitAllow: true } : {}),
      });
      await durableBeforeAnswer(deps, req);
      return answer(res);
    } catch (e) {
      const err = knownError(deps, e, (x): x is QueryError => x instanceof QueryError, { requestId, api: "query", method: req.method });
      req.body?.cancel().catch(() => {});
      return answer(renderQueryError(err, requestId, ns, false));
    }
  };
}
