// The gateway's own SQS-compatible queues (issue 16): what a queue is, its attributes with
// AWS's defaults and limits, its ARN, and the QueueStore seam. Bucket notifications reach a
// queue as a target of type "sqs" (events/sqs-targets.ts); clients pull with the SQS API
// (query/sqs*.ts). Stored beside the targets: meta.sqlite on Bun, the IamShard on Workers.
import type { DigestAlgorithm, Hasher } from "../deps.ts";
import { toHex, utf8 } from "../util/hash.ts";

/** One account per gateway (as STS answers it). */
export const SQS_ACCOUNT = "000000000000";

/** AWS: 1–80 letters, digits, '-' and '_' (a FIFO queue's `.fifo` suffix is not supported here). */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** A queue as a notification target: its name is the target id, `<name>:sqs` its key. */
export interface SqsQueueTarget {
  type: "sqs";
  id: string;
  queueLimit: number;
  maxRetries: number;
  ttlMs: number;
}

export interface QueueRecord {
  name: string;
  /** The settable attributes, as text (AWS's form), defaults filled in. */
  attributes: Record<string, string>;
  created: number;
  modified: number;
}

/** A message to enqueue. */
export interface NewQueueMessage {
  id: string;
  body: string;
  md5: string;
  /** Hidden until this much time has passed (DelaySeconds). */
  delayMs?: number;
}

export interface ReceivedMessage {
  id: string;
  receiptHandle: string;
  body: string;
  md5: string;
  sent: number;
  receiveCount: number;
  firstReceive: number;
}

export interface QueueStats { visible: number; inflight: number; delayed: number }

/** Outcome of a receipt-handle operation. */
export type HandleOutcome = "ok" | "invalid" | "notInflight";

/** The persisted queues and their messages. Plain data in and out (RPC-safe). */
export interface QueueStore {
  /** Creates the queue, or returns the existing one unchanged (`created` false). */
  createQueue(q: QueueRecord): Promise<{ created: boolean; queue: QueueRecord }>;
  getQueue(name: string): Promise<QueueRecord | null>;
  listQueues(): Promise<QueueRecord[]>;
  /** Merges attributes; false when there is no such queue. */
  setQueueAttributes(name: string, attributes: Record<string, string>, now: number): Promise<boolean>;
  /** Drops the queue and its messages; false when there was none. */
  deleteQueue(name: string): Promise<boolean>;
  /** False when there is no such queue (nothing stored). A message id already queued is kept once. */
  sendMessages(name: string, messages: NewQueueMessage[], now: number): Promise<boolean>;
  /** Up to `max` visible messages, oldest first, hidden for `visibilityMs`; expired ones are dropped first. */
  receiveMessages(name: string, opts: { max: number; visibilityMs: number; now: number }): Promise<ReceivedMessage[]>;
  /** Per handle: "ok" (deleted, or already gone / received again since: AWS succeeds) or "invalid". */
  deleteMessages(name: string, handles: string[]): Promise<HandleOutcome[]>;
  changeVisibility(name: string, handle: string, visibilityMs: number, now: number): Promise<HandleOutcome>;
  queueStats(name: string, now: number): Promise<QueueStats>;
  purgeQueue(name: string): Promise<boolean>;
}

/** The QueueStore's members, for forwarding (runtime/workers/), checked complete by the compiler. */
export const QUEUE_STORE_METHODS = [
  "createQueue", "getQueue", "listQueues", "setQueueAttributes", "deleteQueue", "sendMessages", "receiveMessages",
  "deleteMessages", "changeVisibility", "queueStats", "purgeQueue",
] as const satisfies readonly (keyof QueueStore)[];
const _complete: Exclude<keyof QueueStore, (typeof QUEUE_STORE_METHODS)[number]> extends never ? true : never = true;
void _complete;

/** What a store on this process may add: a wake-up when a message arrives (long polling without a poll). */
export interface LocalQueueStore extends QueueStore {
  /** Resolves when a message is sent to the queue or after `ms`, whichever is first. */
  waitForMessages(name: string, ms: number): Promise<void>;
}

export const hasWakeups = (s: QueueStore): s is LocalQueueStore => typeof (s as LocalQueueStore).waitForMessages === "function";

/** Settable attributes: [default, min, max] in seconds or bytes (AWS SQS CreateQueue). */
export const NUMERIC_ATTRIBUTES: Record<string, [number, number, number]> = {
  DelaySeconds: [0, 0, 900],
  MaximumMessageSize: [262_144, 1024, 262_144],
  MessageRetentionPeriod: [345_600, 60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 0, 20],
  VisibilityTimeout: [30, 0, 43_200],
};
/** Accepted and kept as given (Policy: checked by nobody here, as the s3sync README's SendMessage policy needs no check). */
export const TEXT_ATTRIBUTES = new Set(["Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"]);

export class QueueAttributeError extends Error {
  constructor(readonly kind: "name" | "value", message: string) { super(message); }
}

/** Validated attributes; with `defaults`, unset numeric ones get AWS's defaults. */
export function queueAttributes(given: Record<string, string>, defaults: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (defaults) for (const [k, [d]] of Object.entries(NUMERIC_ATTRIBUTES)) out[k] = String(d);
  for (const [k, v] of Object.entries(given)) {
    const range = NUMERIC_ATTRIBUTES[k];
    if (range) {
      const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
      if (!(n >= range[1] && n <= range[2])) throw new QueueAttributeError("value", `Invalid value for the parameter ${k}.`);
      out[k] = String(n);
    } else if (TEXT_ATTRIBUTES.has(k)) out[k] = v;
    else if (k === "FifoQueue" || k === "ContentBasedDeduplication" || k === "DeduplicationScope" || k === "FifoThroughputLimit") {
      if (k === "FifoQueue" && v !== "true") continue;
      throw new QueueAttributeError("name", "FIFO queues are not supported by this gateway.");
    } else throw new QueueAttributeError("name", `Unknown Attribute ${k}.`);
  }
  return out;
}

export const queueArn = (region: string, name: string) => `arn:aws:sqs:${region}:${SQS_ACCOUNT}:${name}`;

/** `arn:aws:sqs:<region>:<account>:<name>` (any partition: aws-cn as in the s3sync README). */
export function parseQueueArn(arn: string): { region: string; account: string; name: string } | null {
  const f = arn.split(":");
  if (f.length !== 6 || f[0] !== "arn" || !/^aws(-[a-z-]+)?$/.test(f[1]) || f[2] !== "sqs" || !QUEUE_NAME.test(f[5])) return null;
  return { region: f[3], account: f[4], name: f[5] };
}

export const queueKey = (name: string) => `${name}:sqs`;

/** The queue's name from its key, or null for another kind of target. */
export const queueNameOfKey = (key: string): string | null => (key.endsWith(":sqs") ? key.slice(0, -4) : null);

export async function md5Hex(hasher: (alg: DigestAlgorithm) => Hasher, text: string): Promise<string> {
  const h = hasher("md5");
  await h.update(utf8(text));
  return toHex(await h.digest());
}

/**
 * Long-poll waiters per queue, as a store keeps them in process: `wait` resolves when `wake`
 * names its queue (a send here) or after `ms` (a send elsewhere is found by the next receive).
 */
export function queueWaiters(): { wait(name: string, ms: number): Promise<void>; wake(name: string): void } {
  const waiters = new Map<string, Set<() => void>>();
  return {
    wait(name, ms) {
      return new Promise<void>((resolve) => {
        let set = waiters.get(name);
        if (!set) waiters.set(name, (set = new Set()));
        const done = () => { clearTimeout(timer); set!.delete(done); resolve(); };
        const timer = setTimeout(done, ms);
        set.add(done);
      });
    },
    wake(name) {
      const w = waiters.get(name);
      if (!w) return;
      waiters.delete(name);
      for (const f of w) f();
    },
  };
}
