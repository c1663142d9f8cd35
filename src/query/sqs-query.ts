// SQS's Query protocol (older SDKs): a form `Action=<Action>&…` posted to `/` or to the queue URL
// (`/<account>/<name>`), answered in XML. Its actions are rows of the Query API's Action table
// (query/actions.ts), so the form is read and authenticated once with STS's and SNS's; this
// file turns the form into the JSON protocol's input, runs the SQS handler (query/sqs.ts) and
// renders the result in AWS's element names.
import { buildXml } from "../xml/xml.ts";
import { SQS_NS, SqsError } from "./sqs-errors.ts";
import type { SqsAction, SqsCtx, SqsInput } from "./sqs.ts";
import { SQS_ACTIONS } from "./sqs.ts";
import type { QueryHandler } from "./actions.ts";
import { QUEUE_NAME, SQS_ACCOUNT } from "../events/sqs-queues.ts";

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

/** The queue a request was posted to (`/<account>/<name>`), "" for `/`, null for any other path. */
export function queuePath(path: string): string | null {
  if (path === "/" || path === "") return "";
  const m = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
  return m && m[1] === SQS_ACCOUNT && QUEUE_NAME.test(m[2]) ? m[2] : null;
}

/** The Query API row's handler for an SQS action. */
export const sqsQueryHandler = (action: SqsAction): QueryHandler => async (ctx) => {
  if (!ctx.deps.queues) throw new SqsError("UnsupportedOperation", "This gateway has no queue store.");
  const pathQueue = queuePath(ctx.path);
  const sqs: SqsCtx = {
    deps: ctx.deps, queues: ctx.deps.queues, principal: ctx.principal, origin: new URL(ctx.req.url).origin,
    authorize: (a, resource) => ctx.authorize(a, resource), ...(pathQueue ? { pathQueue } : {}),
  };
  const result = await SQS_ACTIONS[action](sqs, formToInput(ctx.params));
  const body = buildXml(`${action}Response`, { [`${action}Result`]: resultXml(action, result), ResponseMetadata: { RequestId: ctx.requestId } }, SQS_NS);
  return new Response(body, { status: 200, headers: { "content-type": "text/xml" } });
};
