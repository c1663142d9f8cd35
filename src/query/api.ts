// The AWS Query APIs (STS, SNS, IAM, and SQS's Query protocol): `POST /` with a form body
// `Action=…&Version=…`, told from S3 by that form body (an S3 POST at the service level does
// not exist); SQS's actions also at a queue URL (`/<account>/<name>`). Parameters may also come
// in the query string (JuiceFS's STS examples): both are merged, the form winning.
import type { Context, Next } from "hono";
import type { Deps } from "../deps.ts";
import { S3Error } from "../xml/errors.ts";
import type { Authenticator } from "../auth/authenticate.ts";
import type { Authorize } from "../auth/authorize.ts";
import { requestAuthorizer } from "../auth/request-authorizer.ts";
import { requestInfo } from "../http/request-info.ts";
import { BodyTooLarge, beginRequest, durableBeforeAnswer, hashedBody, knownError } from "../http/pipeline.ts";
import { resolveAddress } from "../s3/address.ts";
import { QueryError, renderQueryError } from "./errors.ts";
import { renderSqsXmlError, SqsError } from "./sqs-errors.ts";
import { queuePath } from "./sqs-query.ts";
import { ACTIONS, isQueryAction, QUERY_APIS, type QueryAction, type QueryApi } from "./actions.ts";

/** The form is read once, up to the largest any API takes; the answering API's own limit is checked once its Action is known. */
const READ_LIMIT = Math.max(...Object.values(QUERY_APIS).map((a) => a.bodyLimit));
/** What a form without a known Action may weigh. */
const UNKNOWN_LIMIT = QUERY_APIS.sts.bodyLimit;
/**
 * An unknown Action may be signed for any of the form-only APIs. SQS's clients learn of an
 * unknown action from its JSON protocol; a form of one signed for sqs fails the service check.
 */
const UNKNOWN_SERVICES = (["sts", "sns", "iam", "sqs"] as const).map((a) => QUERY_APIS[a].service);

export const isFormPost = (req: Request) =>
  req.method === "POST" && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers.get("content-type") ?? "");

interface QueryForm {
  params: URLSearchParams;
  action: string | null;
  row?: (typeof ACTIONS)[QueryAction];
  size: number;
  sha256: string;
  /** Whether the body was valid UTF-8 (SQS reads it with replacement characters either way). */
  utf8: boolean;
}

async function readForm(req: Request, url: URL): Promise<QueryForm> {
  const body = await hashedBody(req, READ_LIMIT);
  let text: string;
  let utf8 = true;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body.bytes);
  } catch {
    utf8 = false;
    text = new TextDecoder().decode(body.bytes);
  }
  const params = new URLSearchParams(url.searchParams);
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  const action = params.get("Action");
  return { params, action, row: action && isQueryAction(action) ? ACTIONS[action] : undefined, size: body.bytes.length, sha256: body.sha256, utf8 };
}

/** An error in the answering API's envelope: SQS's (its Query codes, x-amzn-requestid) or the Query APIs' <ErrorResponse>. */
function renderError(err: QueryError | SqsError | S3Error, api: QueryApi | undefined, requestId: string): Response {
  if (err instanceof SqsError || (api === "sqs" && err instanceof S3Error)) {
    const res = renderSqsXmlError(err, requestId);
    res.headers.set("x-amzn-requestid", requestId);
    return res;
  }
  return renderQueryError(err, requestId, api ? QUERY_APIS[api].ns : null, false);
}

export function queryApi(deps: Deps, authenticate: Authenticator, authorize: Authorize) {
  return async (c: Context, next: Next): Promise<Response | void> => {
    const req = c.req.raw;
    if (!isFormPost(req)) return next();
    const url = new URL(req.url);
    const path = requestInfo(c.env).rawPath ?? url.pathname;
    const queue = queuePath(path);
    if (queue === null) return next();
    let form: QueryForm | undefined;
    if (queue) {
      // At a queue URL a form is SQS's only when its Action is one of SQS's; any other is S3's
      // (an object of a bucket of that name): read a copy, leave the body to S3.
      form = await readForm(req.clone(), url).catch(() => undefined);
      if (form?.row?.api !== "sqs") return next();
      req.body?.cancel().catch(() => {});
    } else if (resolveAddress(url, path, req.headers.get("host"), deps.config.domains).level !== "service") {
      return next(); // a form POST to a bucket (virtual-host style) is S3's
    }
    const { requestId, seen, answer } = beginRequest(deps, req, "query");
    let api: QueryApi | undefined;
    try {
      form ??= await readForm(req, url).catch((e) => {
        throw e instanceof BodyTooLarge ? new QueryError("RequestEntityTooLarge") : e;
      });
      const { action, row, params } = form;
      if (form.size > (row ? QUERY_APIS[row.api].bodyLimit : UNKNOWN_LIMIT)) throw new QueryError("RequestEntityTooLarge");
      if (!form.utf8 && row?.api !== "sqs") throw new QueryError("MalformedQueryString", { message: "The form body is not valid UTF-8." });
      seen.op = action ?? undefined;
      api = row?.api;
      // Authenticate before saying anything about the action; an unknown one may be signed for any of the APIs.
      const services = row ? [QUERY_APIS[row.api].service] : UNKNOWN_SERVICES;
      const auth = await authenticate({
        method: req.method, url, path, headers: req.headers, policy: { services, region: "any" }, bodySha256: form.sha256,
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      if (!action) throw new QueryError("MissingAction");
      if (!row) throw new QueryError("InvalidAction", { message: `Could not find operation ${action} for this gateway` });
      if (auth.principal.kind === "anonymous") throw new S3Error("AccessDenied");
      const principal = auth.principal;
      const ask = requestAuthorizer(authorize, { url, headers: req.headers, clientAddress: requestInfo(c.env).remoteAddress ?? "", now: () => deps.clock.now(), auth: auth.via });
      const res = await row.handler({
        deps, req, params, path, principal, requestId,
        authorize: (a, resource, o) => ask(principal, a, resource, { policies: o?.implicitAllow ? { implicitAllow: true } : {} }),
      });
      await durableBeforeAnswer(deps, req);
      return answer(res);
    } catch (e) {
      const own = (x: unknown): x is QueryError | SqsError => x instanceof QueryError || x instanceof SqsError;
      const err = knownError(deps, e, own, { requestId, api: api === "sqs" ? "sqs" : "query", method: req.method });
      req.body?.cancel().catch(() => {});
      return answer(renderError(err, api, requestId));
    }
  };
}
