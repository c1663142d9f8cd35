// The SQS actions (AWS SQS API reference, 2012-11-05) over the gateway's QueueStore. Each
// handler takes the request in the JSON protocol's shape (the Query protocol's form is turned
// into it by sqs-query.ts) and returns the JSON result; the protocol renders it.
import type { Deps } from "../deps.ts";
import type { Principal } from "../auth/principal.ts";
import { SqsError } from "./sqs-errors.ts";
import {
  hasWakeups, md5Hex, NUMERIC_ATTRIBUTES, QUEUE_NAME, queueArn, queueAttributes, QueueAttributeError, SQS_ACCOUNT,
  type QueueRecord, type QueueStore, type ReceivedMessage,
} from "../events/sqs-queues.ts";

export interface SqsCtx {
  deps: Deps;
  queues: QueueStore;
  principal: Principal;
  /** The IAM check for `action` (sqs:SendMessage, …) on `resource` with the request's condition keys (the protocol's mount builds it). */
  authorize(action: string, resource: string): Promise<void>;
  /** Where queue URLs point: this request's origin. */
  origin: string;
  /** The queue URL a Query-protocol request was posted to (its path), if any. */
  pathQueue?: string;
}

export type SqsInput = Record<string, unknown>;
export type SqsHandler = (ctx: SqsCtx, input: SqsInput) => Promise<Record<string, unknown>>;

/** Entries per batch request (AWS). */
const MAX_BATCH = 10;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** Long polls wake at least this often, for messages whose delay or visibility ran out meanwhile. */
const POLL_MS = 500;

const str = (input: SqsInput, k: string): string | undefined => {
  const v = input[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new SqsError("InvalidParameterValue", `${k} must be a string.`);
  return v;
};
const required = (input: SqsInput, k: string): string => {
  const v = str(input, k);
  if (v === undefined || v === "") throw new SqsError("MissingParameter", `The request must contain the parameter ${k}.`);
  return v;
};
function int(input: SqsInput, k: string, min: number, max: number): number | undefined {
  const v = input[k];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SqsError("InvalidParameterValue", `Value ${String(v)} for parameter ${k} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return n;
}
const strings = (input: SqsInput, k: string): string[] => {
  const v = input[k];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new SqsError("InvalidParameterValue", `${k} must be a list of strings.`);
  return v as string[];
};
const attrMap = (input: SqsInput, k: string): Record<string, string> => {
  const v = input[k];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new SqsError("InvalidParameterValue", `${k} must be a map.`);
  const out: Record<string, string> = {};
  for (const [a, b] of Object.entries(v)) out[a] = String(b);
  return out;
};

export const queueUrl = (ctx: SqsCtx, name: string) => `${ctx.origin}/${SQS_ACCOUNT}/${name}`;

/** The queue a request names by QueueUrl (`…/<account>/<name>`; a bare name is accepted too). */
export function queueNameOf(ctx: SqsCtx, input: SqsInput): string {
  const url = str(input, "QueueUrl") ?? ctx.pathQueue;
  if (!url) throw new SqsError("MissingParameter", "The request must contain the parameter QueueUrl.");
  let path = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try { path = new URL(url).pathname; } catch { throw new SqsError("QueueDoesNotExist"); }
  }
  const segs = path.split("/").filter(Boolean);
  const name = segs.at(-1) ?? "";
  if (segs.length > 2 || (segs.length === 2 && segs[0] !== SQS_ACCOUNT) || !QUEUE_NAME.test(name)) throw new SqsError("QueueDoesNotExist");
  return name;
}

async function allow(ctx: SqsCtx, action: string, name: string | null) {
  const resource = name === null ? `arn:aws:sqs:${ctx.deps.config.region}:${SQS_ACCOUNT}:*` : queueArn(ctx.deps.config.region, name);
  await ctx.authorize(`sqs:${action}`, resource);
}

async function existing(ctx: SqsCtx, name: string): Promise<QueueRecord> {
  const q = await ctx.queues.getQueue(name);
  if (!q) throw new SqsError("QueueDoesNotExist");
  return q;
}

/** Authorizes the action on the queue the request names, then reads it. */
async function target(ctx: SqsCtx, input: SqsInput, action: string): Promise<QueueRecord> {
  const name = queueNameOf(ctx, input);
  await allow(ctx, action, name);
  return existing(ctx, name);
}

function validAttributes(given: Record<string, string>, defaults: boolean) {
  try {
    return queueAttributes(given, defaults);
  } catch (e) {
    if (e instanceof QueueAttributeError) throw new SqsError(e.kind === "name" ? "InvalidAttributeName" : "InvalidAttributeValue", e.message);
    throw e;
  }
}

const now = (ctx: SqsCtx) => ctx.deps.clock.now();
const seconds = (q: QueueRecord, k: string) => Number(q.attributes[k] ?? NUMERIC_ATTRIBUTES[k][0]);

export const createQueue: SqsHandler = async (ctx, input) => {
  const name = required(input, "QueueName");
  if (!QUEUE_NAME.test(name)) {
    throw new SqsError("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  await allow(ctx, "CreateQueue", name);
  const attributes = validAttributes(attrMap(input, "Attributes"), true);
  const t = now(ctx);
  const { created, queue } = await ctx.queues.createQueue({ name, attributes, created: t, modified: t });
  // AWS: the same name with the same attributes is the existing queue; different ones an error.
  if (!created && Object.entries(validAttributes(attrMap(input, "Attributes"), false)).some(([k, v]) => queue.attributes[k] !== v)) {
    throw new SqsError("QueueNameExists", `A queue already exists with the same name and a different value for attribute(s): ${name}`);
  }
  return { QueueUrl: queueUrl(ctx, name) };
};

export const getQueueUrl: SqsHandler = async (ctx, input) => {
  const name = required(input, "QueueName");
  await allow(ctx, "GetQueueUrl", name);
  const owner = str(input, "QueueOwnerAWSAccountId");
  if (owner !== undefined && owner !== SQS_ACCOUNT) throw new SqsError("QueueDoesNotExist");
  await existing(ctx, name);
  return { QueueUrl: queueUrl(ctx, name) };
};

export const listQueues: SqsHandler = async (ctx, input) => {
  await allow(ctx, "ListQueues", null);
  const prefix = str(input, "QueueNamePrefix") ?? "";
  const max = int(input, "MaxResults", 1, 1000);
  const token = str(input, "NextToken") ?? "";
  let names = (await ctx.queues.listQueues()).map((q) => q.name).filter((n) => n.startsWith(prefix) && n >= token);
  let next: string | undefined;
  // Without MaxResults AWS answers up to 1,000 and no token.
  const limit = max ?? 1000;
  if (names.length > limit) {
    if (max !== undefined) next = names[limit];
    names = names.slice(0, limit);
  }
  return { ...(names.length ? { QueueUrls: names.map((n) => queueUrl(ctx, n)) } : {}), ...(next ? { NextToken: next } : {}) };
};

const COMPUTED = ["QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp", "LastModifiedTimestamp"];

export const getQueueAttributes: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "GetQueueAttributes");
  const asked = strings(input, "AttributeNames");
  const stats = await ctx.queues.queueStats(q.name, now(ctx));
  const all: Record<string, string> = {
    QueueArn: queueArn(ctx.deps.config.region, q.name),
    ApproximateNumberOfMessages: String(stats.visible),
    ApproximateNumberOfMessagesNotVisible: String(stats.inflight),
    ApproximateNumberOfMessagesDelayed: String(stats.delayed),
    CreatedTimestamp: String(Math.floor(q.created / 1000)),
    LastModifiedTimestamp: String(Math.floor(q.modified / 1000)),
    SqsManagedSseEnabled: "false",
    ...q.attributes,
  };
  const out: Record<string, string> = {};
  for (const a of asked.includes("All") ? Object.keys(all) : asked) {
    if (!Object.hasOwn(all, a)) {
      if (a in NUMERIC_ATTRIBUTES || COMPUTED.includes(a) || a === "Policy" || a === "RedrivePolicy" || a === "RedriveAllowPolicy") continue;
      throw new SqsError("InvalidAttributeName", `Unknown Attribute ${a}.`);
    }
    out[a] = all[a];
  }
  return Object.keys(out).length ? { Attributes: out } : {};
};

export const setQueueAttributes: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "SetQueueAttributes");
  const attributes = validAttributes(attrMap(input, "Attributes"), false);
  if (!(await ctx.queues.setQueueAttributes(q.name, attributes, now(ctx)))) throw new SqsError("QueueDoesNotExist");
  return {};
};

export const deleteQueue: SqsHandler = async (ctx, input) => {
  const name = queueNameOf(ctx, input);
  await allow(ctx, "DeleteQueue", name);
  if (!(await ctx.queues.deleteQueue(name))) throw new SqsError("QueueDoesNotExist");
  return {};
};

export const purgeQueue: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "PurgeQueue");
  await ctx.queues.purgeQueue(q.name);
  return {};
};

/** XML 1.0's characters (what SQS accepts in a body). */
const VALID_BODY = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

async function newMessage(ctx: SqsCtx, q: QueueRecord, body: string | undefined, delay: number | undefined) {
  if (body === undefined || body === "") throw new SqsError("MissingParameter", "The request must contain the parameter MessageBody.");
  if (!VALID_BODY.test(body)) throw new SqsError("InvalidMessageContents", "Invalid characters found in the message body.");
  const max = seconds(q, "MaximumMessageSize");
  if (new TextEncoder().encode(body).length > max) throw new SqsError("InvalidParameterValue", `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
  const id = crypto.randomUUID();
  const md5 = await md5Hex(ctx.deps.hasher, body);
  return { id, body, md5, delayMs: 1000 * (delay ?? seconds(q, "DelaySeconds")) };
}

export const sendMessage: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "SendMessage");
  const m = await newMessage(ctx, q, str(input, "MessageBody"), int(input, "DelaySeconds", 0, 900));
  if (!(await ctx.queues.sendMessages(q.name, [m], now(ctx)))) throw new SqsError("QueueDoesNotExist");
  return { MD5OfMessageBody: m.md5, MessageId: m.id };
};

function batchEntries(input: SqsInput): Record<string, unknown>[] {
  const v = input.Entries;
  if (v !== undefined && !Array.isArray(v)) throw new SqsError("InvalidParameterValue", "Entries must be a list.");
  const entries = (v ?? []) as Record<string, unknown>[];
  if (entries.length === 0) throw new SqsError("EmptyBatchRequest");
  if (entries.length > MAX_BATCH) throw new SqsError("TooManyEntriesInBatchRequest", `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`);
  const ids = entries.map((e) => (e && typeof e === "object" ? e.Id : undefined));
  for (const id of ids) if (typeof id !== "string" || !BATCH_ID.test(id)) throw new SqsError("InvalidBatchEntryId", `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.`);
  if (new Set(ids).size !== ids.length) throw new SqsError("BatchEntryIdsNotDistinct", `Id ${ids.find((x, i) => ids.indexOf(x) !== i)} repeated.`);
  return entries;
}

export const sendMessageBatch: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "SendMessage");
  const entries = batchEntries(input);
  const ok: Record<string, string>[] = [];
  const failed: Record<string, unknown>[] = [];
  const msgs = [];
  for (const e of entries) {
    try {
      const m = await newMessage(ctx, q, str(e, "MessageBody"), int(e, "DelaySeconds", 0, 900));
      msgs.push(m);
      ok.push({ Id: e.Id as string, MessageId: m.id, MD5OfMessageBody: m.md5 });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      failed.push({ Id: e.Id, SenderFault: true, Code: err.code, Message: err.message });
    }
  }
  if (msgs.length && !(await ctx.queues.sendMessages(q.name, msgs, now(ctx)))) throw new SqsError("QueueDoesNotExist");
  return { Successful: ok, Failed: failed };
};

const SYSTEM_ATTRIBUTES = ["SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"];

function messageJson(ctx: SqsCtx, m: ReceivedMessage, attrs: string[]) {
  const sender = ctx.principal.kind === "anonymous" ? "" : ctx.principal.accessKey;
  const values: Record<string, string> = {
    SenderId: sender, SentTimestamp: String(m.sent), ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceive),
  };
  const wanted = attrs.includes("All") ? SYSTEM_ATTRIBUTES : attrs.filter((a) => SYSTEM_ATTRIBUTES.includes(a));
  const attributes = Object.fromEntries(wanted.map((a) => [a, values[a]]));
  return {
    MessageId: m.id, ReceiptHandle: m.receiptHandle, MD5OfBody: m.md5, Body: m.body,
    ...(wanted.length ? { Attributes: attributes } : {}),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const receiveMessage: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "ReceiveMessage");
  const max = int(input, "MaxNumberOfMessages", 1, 10) ?? 1;
  const visibility = int(input, "VisibilityTimeout", 0, 43_200) ?? seconds(q, "VisibilityTimeout");
  const wait = int(input, "WaitTimeSeconds", 0, 20) ?? seconds(q, "ReceiveMessageWaitTimeSeconds");
  const attrs = [...strings(input, "AttributeNames"), ...strings(input, "MessageSystemAttributeNames")];
  const deadline = now(ctx) + wait * 1000;
  for (;;) {
    const got = await ctx.queues.receiveMessages(q.name, { max, visibilityMs: visibility * 1000, now: now(ctx) });
    const left = deadline - now(ctx);
    if (got.length || left <= 0) return got.length ? { Messages: got.map((m) => messageJson(ctx, m, attrs)) } : {};
    // On Bun a send in this process wakes the poll at once; elsewhere (Workers) it looks again.
    if (hasWakeups(ctx.queues)) await ctx.queues.waitForMessages(q.name, Math.min(left, POLL_MS));
    else await sleep(Math.min(left, POLL_MS));
    if (!(await ctx.queues.getQueue(q.name))) throw new SqsError("QueueDoesNotExist");
  }
};

export const deleteMessage: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "DeleteMessage");
  const handle = required(input, "ReceiptHandle");
  const [r] = await ctx.queues.deleteMessages(q.name, [handle]);
  if (r !== "ok") throw new SqsError("ReceiptHandleIsInvalid", `The input receipt handle "${handle}" is not a valid receipt handle.`);
  return {};
};

export const deleteMessageBatch: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "DeleteMessage");
  const entries = batchEntries(input);
  const handles = entries.map((e) => (typeof e.ReceiptHandle === "string" ? e.ReceiptHandle : ""));
  const results = await ctx.queues.deleteMessages(q.name, handles);
  const ok: Record<string, unknown>[] = [];
  const failed: Record<string, unknown>[] = [];
  entries.forEach((e, i) => {
    if (results[i] === "ok") ok.push({ Id: e.Id });
    else failed.push({ Id: e.Id, SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: `The input receipt handle "${handles[i]}" is not a valid receipt handle.` });
  });
  return { Successful: ok, Failed: failed };
};

async function changeOne(ctx: SqsCtx, q: QueueRecord, handle: string, visibility: number) {
  const r = await ctx.queues.changeVisibility(q.name, handle, visibility * 1000, now(ctx));
  if (r === "invalid") throw new SqsError("ReceiptHandleIsInvalid", `The input receipt handle "${handle}" is not a valid receipt handle.`);
  if (r === "notInflight") throw new SqsError("MessageNotInflight");
}

export const changeMessageVisibility: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "ChangeMessageVisibility");
  const handle = required(input, "ReceiptHandle");
  const v = int(input, "VisibilityTimeout", 0, 43_200);
  if (v === undefined) throw new SqsError("MissingParameter", "The request must contain the parameter VisibilityTimeout.");
  await changeOne(ctx, q, handle, v);
  return {};
};

export const changeMessageVisibilityBatch: SqsHandler = async (ctx, input) => {
  const q = await target(ctx, input, "ChangeMessageVisibility");
  const ok: Record<string, unknown>[] = [];
  const failed: Record<string, unknown>[] = [];
  for (const e of batchEntries(input)) {
    try {
      const v = int(e, "VisibilityTimeout", 0, 43_200) ?? 0;
      await changeOne(ctx, q, required(e, "ReceiptHandle"), v);
      ok.push({ Id: e.Id });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      failed.push({ Id: e.Id, SenderFault: true, Code: err.code, Message: err.message });
    }
  }
  return { Successful: ok, Failed: failed };
};

export const SQS_ACTIONS = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
} as const satisfies Record<string, SqsHandler>;

export type SqsAction = keyof typeof SQS_ACTIONS;
export const isSqsAction = (a: string): a is SqsAction => Object.hasOwn(SQS_ACTIONS, a);
