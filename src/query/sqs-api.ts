// The SQS front door, beside the other AWS Query APIs on `POST /`. Two protocols reach the same
// handlers (query/sqs.ts):
// - JSON (botocore ≥ 1.31, so the installed aws cli and boto3; AWS SDKs v3): `Content-Type:
//   application/x-amz-json-1.0`, `X-Amz-Target: AmazonSQS.<Action>`, a JSON body, a JSON answer;
// - Query (older SDKs): a form `Action=<Action>&…` to `/` or to the queue URL
//   (`/<account>/<name>`), answered in XML.
// It runs before the Query mount: a form whose Action is no SQS action goes on to it untouched.
import type { Context, Next } from "hono";
import type { Deps } from "../deps.ts";
import type { Authenticator } from "../auth/authenticate.ts";
import type { Authorize } from "../auth/authorize.ts";
import { S3Error } from "../xml/errors.ts";
import { buildXml } from "../xml/xml.ts";
import { requestInfo } from "../http/request-info.ts";
import { conditionContext } from "../auth/conditions.ts";
import { BodyTooLarge, beginRequest, durableBeforeAnswer, hashedBody, knownError } from "../http/pipeline.ts";
import { resolveAddress } from "../s3/address.ts";
import { isFormPost } from "./api.ts";
import { renderSqsJsonError, renderSqsXmlError, SQS_NS, SqsError } from "./sqs-errors.ts";
import { isSqsAction, SQS_ACTIONS, type SqsAction, type SqsCtx, type SqsInput } from "./sqs.ts";
import { QUEUE_NAME, SQS_ACCOUNT } from "../events/sqs-queues.ts";

/** SQS messages are up to 256 KiB; a batch of ten of them plus their envelope. */
const SQS_BODY_LIMIT = 3 * 1024 * 1024;

const isJsonSqs = (req: Request) =>
  /^application\/x-amz-json-1\.[01]\s*(;|$)/i.test(req.headers.get("content-type") ?? "") && (req.headers.get("x-amz-target") ?? "").startsWith("AmazonSQS.");

/** Lists and maps of the Query protocol (`Attribute.1.Name`, `AttributeName.1`, `…BatchRequestEntry.1.Id`) in the JSON shape. */
export function formToInput(form: URLSearchParams): SqsInput {
  const input: SqsInput = {};
  const attrs = new Map<number, { Name?: string; Value?: string }>();
  const lists = new Map<string, Map<number, string>>();
  const entries = new Map<number, Record<string, string>>();
  for (const [k, v] of form) {
    const m = /^([A-Za-z]+)\.(\d+)(?:\.([A-Za-z]+))?$/.exec(k);
    if (!m) { input[k] = v; continue; }
    const [, prefix, n, sub] = m;
    const i = Number(n);
    if (prefix === "Attribute" && (sub === "Name" || sub === "Value")) {
      if (!attrs.has(i)) attrs.set(i, {});
      attrs.get(i)![sub] = v;
    } else if (!sub) {
      if (!lists.has(prefix)) lists.set(prefix, new Map());
      lists.get(prefix)!.set(i, v);
    } else if (prefix.endsWith("RequestEntry")) {
      if (!entries.has(i)) entries.set(i, {});
      entries.get(i)![sub] = v;
    }
  }
  const ordered = <T>(m: Map<number, T>) => [...m].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  if (attrs.size) input.Attributes = Object.fromEntries(ordered(attrs).filter((a) => a.Name).map((a) => [a.Name!, a.Value ?? ""]));
  for (const [prefix, m] of lists) input[`${prefix}s`] = ordered(m);
  if (entries.size) input.Entries = ordered(entries);
  return input;
}

/** A map as the Query protocol's repeated <Attribute><Name/><Value/></Attribute>. */
const attributeList = (m: unknown) => Object.entries(m as Record<string, string>).map(([Name, Value]) => ({ Name, Value }));

/** The JSON result in the Query protocol's XML (AWS's element names and flattened lists). */
export function resultXml(action: SqsAction, result: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) {
    if (k === "QueueUrls") out.QueueUrl = v;
    else if (k === "Attributes") out.Attribute = attributeList(v);
    else if (k === "Messages") {
      out.Message = (v as Record<string, unknown>[]).map(({ Attributes, ...m }) => ({ ...m, ...(Attributes ? { Attribute: attributeList(Attributes) } : {}) }));
    } else if (k === "Successful") out[`${action}ResultEntry`] = v;
    else if (k === "Failed") out.BatchResultErrorEntry = v;
    else out[k] = v;
  }
  return out;
}

function queryAnswer(action: SqsAction, result: Record<string, unknown>, requestId: string): Response {
  const body = buildXml(`${action}Response`, { [`${action}Result`]: resultXml(action, result), ResponseMetadata: { RequestId: requestId } }, SQS_NS);
  return new Response(body, { status: 200, headers: { "content-type": "text/xml" } });
}

/** The queue a Query request was posted to (`/<account>/<name>`), "" for `/`, null for any other path. */
function queuePath(path: string): string | null {
  if (path === "/" || path === "") return "";
  const m = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
  return m && m[1] === SQS_ACCOUNT && QUEUE_NAME.test(m[2]) ? m[2] : null;
}

export function sqsApi(deps: Deps, authenticate: Authenticator, authorize: Authorize) {
  return async (c: Context, next: Next): Promise<Response | void> => {
    const req = c.req.raw;
    if (req.method !== "POST") return next();
    const json = isJsonSqs(req);
    if (!json && !isFormPost(req)) return next();
    const url = new URL(req.url);
    const path = requestInfo(c.env).rawPath ?? url.pathname;
    const pathQueue = queuePath(path);
    if (pathQueue === null) return next();
    // A form POST to a bucket's virtual host is S3's.
    if (!json && pathQueue === "" && resolveAddress(url, path, req.headers.get("host"), deps.config.domains).level !== "service") return next();
    // A form is SQS's only when its Action is an SQS action: read a copy, leave the original for the Query mount.
    let body: { bytes: Uint8Array; sha256: string };
    let form: URLSearchParams | undefined;
    if (!json) {
      try {
        body = await hashedBody(req.clone(), SQS_BODY_LIMIT);
        form = new URLSearchParams(new TextDecoder().decode(body.bytes));
      } catch {
        return next();
      }
      const action = form.get("Action") ?? url.searchParams.get("Action");
      if (!action || !isSqsAction(action)) return next();
      req.body?.cancel().catch(() => {});
    }
    const { requestId, seen, answer } = beginRequest(deps, req, "query");
    try {
      if (json) {
        body = await hashedBody(req, SQS_BODY_LIMIT).catch((e) => {
          throw e instanceof BodyTooLarge ? new SqsError("RequestEntityTooLarge") : e;
        });
      }
      const action = json ? req.headers.get("x-amz-target")!.slice("AmazonSQS.".length) : (form!.get("Action") ?? url.searchParams.get("Action"))!;
      seen.op = action;
      const auth = await authenticate({
        method: req.method, url, path, headers: req.headers, policy: { services: ["sqs"], region: "any" }, bodySha256: body!.sha256,
      });
      if (auth.principal.kind !== "anonymous") seen.principal = auth.principal.accessKey;
      if (!isSqsAction(action)) throw new SqsError("InvalidAction", `The action ${action} is not valid for this endpoint.`);
      if (auth.principal.kind === "anonymous") throw new S3Error("AccessDenied");
      if (!deps.queues) throw new SqsError("UnsupportedOperation", "This gateway has no queue store.");
      let input: SqsInput;
      if (json) {
        let parsed: unknown;
        try {
          parsed = body!.bytes.length ? JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body!.bytes)) : {};
        } catch {
          throw new SqsError("MalformedInput", "The request body is not valid JSON.");
        }
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new SqsError("MalformedInput", "The request body must be a JSON object.");
        input = parsed as SqsInput;
      } else {
        const params = new URLSearchParams(url.searchParams);
        for (const [k, v] of form!) params.set(k, v);
        input = formToInput(params);
      }
      const ctx: SqsCtx = {
        deps, queues: deps.queues, principal: auth.principal, authorize, origin: url.origin, ...(pathQueue ? { pathQueue } : {}),
        conditions: conditionContext({ url, headers: req.headers, clientAddress: requestInfo(c.env).remoteAddress ?? "", now: deps.clock.now(), auth: auth.via }),
      };
      const result = await SQS_ACTIONS[action](ctx, input);
      await durableBeforeAnswer(deps, req);
      if (!json) return answer(queryAnswer(action, result, requestId));
      return answer(new Response(JSON.stringify(result), {
        status: 200, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
      }));
    } catch (e) {
      const err = knownError(deps, e, (x): x is SqsError => x instanceof SqsError, { requestId, api: "sqs", method: req.method });
      req.body?.cancel().catch(() => {});
      const res = json ? renderSqsJsonError(err) : renderSqsXmlError(err, requestId);
      res.headers.set("x-amzn-requestid", requestId);
      return answer(res);
    }
  };
}
