// The gateway's SQS queues as notification targets: a QueueConfiguration naming
// arn:aws:sqs:<region>:<account>:<name> resolves to the target `<name>:sqs` while that queue
// exists, and delivering to it enqueues the event, as AWS S3 does, as a message whose body is
// `{"Records":[record]}` with AWS's eventSource and eventName (the s3sync README's shape).
// Events still go through the outbox first, so a crash between the change and the enqueue
// loses nothing; the message keeps the event's id, so a redelivery is queued once.
import type { DigestAlgorithm, Hasher } from "../deps.ts";
import type { NotifyTarget } from "./targets.ts";
import type { TargetRegistry } from "./target-registry.ts";
import type { TargetDriver } from "./targets/drivers.ts";
import type { EventRecord } from "./targets/format.ts";
import { DEFAULT_QUEUE_LIMIT } from "./targets.ts";
import { md5Hex, NUMERIC_ATTRIBUTES, queueKey, queueNameOfKey, type QueueStore, type SqsQueueTarget } from "./sqs-queues.ts";

/** How long a queue's existence is trusted per process or isolate (a deleted queue stops receiving within this). */
const CACHE_MS = 2000;

export function queueTarget(name: string, retentionSeconds: number): SqsQueueTarget {
  return { type: "sqs", id: name, queueLimit: DEFAULT_QUEUE_LIMIT, maxRetries: 10, ttlMs: retentionSeconds * 1000 };
}

/** The registry, with `<name>:sqs` keys resolved from the QueueStore. */
export function withSqsQueues(registry: TargetRegistry, queues: Pick<QueueStore, "getQueue">, now: () => number): TargetRegistry {
  const cache = new Map<string, { target: SqsQueueTarget | null; at: number }>();
  const lookup = async (name: string): Promise<SqsQueueTarget | null> => {
    const c = cache.get(name);
    if (c && now() - c.at < CACHE_MS) return c.target;
    const q = await queues.getQueue(name);
    const target = q ? queueTarget(name, Number(q.attributes.MessageRetentionPeriod ?? NUMERIC_ATTRIBUTES.MessageRetentionPeriod[0])) : null;
    if (cache.size > 1000) cache.clear();
    cache.set(name, { target, at: now() });
    return target;
  };
  return {
    ...registry,
    async resolve(keys) {
      const rest: string[] = [];
      const out: Record<string, NotifyTarget> = {};
      for (const k of keys) {
        const name = queueNameOfKey(k);
        if (name === null) rest.push(k);
        else {
          const t = await lookup(name);
          if (t) out[k] = t;
        }
      }
      return rest.length ? { ...(await registry.resolve(rest)), ...out } : out;
    },
    async get(key) {
      const name = queueNameOfKey(key);
      if (name === null) return registry.get(key);
      const t = await lookup(name);
      return t ? { key: queueKey(name), source: "store", target: t } : null;
    },
  };
}

/** AWS's key encoding in event records: form-encoded, but '/' kept (`test-folder/a+b.html`). */
export function awsEventKey(minioKey: string): string {
  let key = minioKey.replace(/\+/g, " ");
  try { key = decodeURIComponent(key); } catch { return minioKey; }
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

/** MinIO's record in AWS's words: `aws:s3`, event names without the `s3:` prefix, keys with '/' unescaped. */
export function sqsBody(record: EventRecord): string {
  const name = typeof record.eventName === "string" ? record.eventName.replace(/^s3:/, "") : record.eventName;
  const s3 = record.s3 as { object?: { key?: unknown } } | undefined;
  const out: EventRecord = { ...record, eventSource: "aws:s3", eventName: name };
  if (s3?.object && typeof s3.object.key === "string") out.s3 = { ...s3, object: { ...s3.object, key: awsEventKey(s3.object.key) } };
  return JSON.stringify({ Records: [out] });
}

/** The "sqs" target driver: each event becomes one message of the named queue. */
export function sqsQueueDriver(
  queues: Pick<QueueStore, "sendMessages">, hasher: (alg: DigestAlgorithm) => Hasher, now: () => number,
): TargetDriver<SqsQueueTarget> {
  return (target) => ({
    async send(record) {
      const body = sqsBody(record);
      // The body's MD5, as a UUID: a record redelivered by the outbox is the same text, so the same message.
      const md5 = await md5Hex(hasher, body);
      const id = `${md5.slice(0, 8)}-${md5.slice(8, 12)}-${md5.slice(12, 16)}-${md5.slice(16, 20)}-${md5.slice(20)}`;
      if (!(await queues.sendMessages(target.id, [{ id, body, md5 }], now()))) {
        throw new Error(`queue ${target.id} no longer exists`);
      }
    },
    async close() {},
  });
}
