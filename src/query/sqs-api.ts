// SQS's JSON protocol (botocore ≥ 1.31, so the installed aws cli and boto3; AWS SDKs v3):
// `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target: AmazonSQS.<Action>`, a JSON body
// posted to `/` or to the queue URL, a JSON answer. It runs before the Query mount and takes
// only such requests, never a form: SQS's Query protocol (a form `Action=SendMessage&…`) is
// a row of the Query API's Action table (query/actions.ts, query/sqs-query.ts).
import type { Context, Next } from "hono";
import type { Deps } from "../deps.ts";
import type { Authenticator } from "../auth/authenticate.ts";
import type { Authorize } from "../auth/authorize.ts";
import { S3Error } from "../xml/errors.ts";
import { requestInfo } from "../http/request-info.ts";
import { requestAuthorizer } from "../auth/request-authorizer.ts";
import { BodyTooLarge, beginRequest, durableBeforeAnswer, hashedBody, knownError } from "../http/pipeline.ts";
import { renderSqsJsonError, SqsError } from "./sqs-errors.ts";
import { isSqsAction, SQS_ACTIONS, type SqsCtx, type SqsInput } from "./sqs.ts";
import { queuePath } from "./sqs-query.ts";
import { QUERY_APIS } from "./actions.ts";

const isJsonSqs = (req: Request) =>
  /^application\/x-amz-json-1\.[01]\s*(;|$)/i.test(req.headers.get("content-type") ?? "") && (req.headers.get("x-amz-target") ?? "").startsWith("AmazonSQS.");

export function sqsApi(deps: Deps, authenticate: Authenticator, authorize: Authorize) {
  return async (c: Context, next: Next): Promise<Response | void> => {
    const req = c.req.raw;
    if (req.method !== "POST" || !isJsonSqs(req)) return next();
    const url = new URL(req.url);
    const path = requestInfo(c.env).rawPath ?? url.pathname;
    const pathQueue = queuePath(path);
    if (pathQueue === null) return next();
    const { requestId, seen, answer } = beginRequest(deps, req, "query");
    try {
      const body = await hashedBody(req, QUERY_APIS.sqs.bodyLimit).catch((e) => {
        throw e instanceof BodyTooLarge ? new SqsError("RequestEntityTooLarge") : e;
      });
      const action = req.headers.get("x-amz-target")!.slice("AmazonSQS.".length);
      seen.op = action;
      const auth = await authenticate({
        method: req.method, url, path, headers: req.headers, policy: { services: ["sqs"], region: "any" }, bodySha256: body.sha256,
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      if (!isSqsAction(action)) throw new SqsError("InvalidAction", `The action ${action} is not valid for this endpoint.`);
      if (auth.principal.kind === "anonymous") throw new S3Error("AccessDenied");
      if (!deps.queues) throw new SqsError("UnsupportedOperation", "This gateway has no queue store.");
      let parsed: unknown;
      try {
        parsed = body.bytes.length ? JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body.bytes)) : {};
      } catch {
        throw new SqsError("MalformedInput", "The request body is not valid JSON.");
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new SqsError("MalformedInput", "The request body must be a JSON object.");
      const principal = auth.principal;
      const ask = requestAuthorizer(authorize, { url, headers: req.headers, clientAddress: requestInfo(c.env).remoteAddress ?? "", now: () => deps.clock.now(), auth: auth.via });
      const ctx: SqsCtx = {
        deps, queues: deps.queues, principal, origin: url.origin, ...(pathQueue ? { pathQueue } : {}),
        authorize: (a, resource) => ask(principal, a, resource),
      };
      const result = await SQS_ACTIONS[action](ctx, parsed as SqsInput);
      await durableBeforeAnswer(deps, req);
      return answer(new Response(JSON.stringify(result), {
        status: 200, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
      }));
    } catch (e) {
      const err = knownError(deps, e, (x): x is SqsError => x instanceof SqsError, { requestId, api: "sqs", method: req.method });
      req.body?.cancel().catch(() => {});
      const res = renderSqsJsonError(err);
      res.headers.set("x-amzn-requestid", requestId);
      return answer(res);
    }
  };
}
