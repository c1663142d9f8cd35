// The event sources the engine follows: the gateway's SQS queue (at least once: a message is
// deleted only after every record in it is applied), or the listen stream (no ack: a gap while
// disconnected is closed by a resync on reconnect).
import { compareSequencers, parseEventBody, type ObjectEvent } from "./events.ts";
import type { SyncEngine, SyncLog } from "./engine.ts";
import type { QueueMessage, S3Client, SqsClient } from "./s3-client.ts";

export interface RunOptions {
  bucket: string;
  log: SyncLog;
  /** Aborted on SIGTERM: no new receive; the batch in hand is finished and acknowledged. */
  signal: AbortSignal;
  /** Stop once the source has nothing more (an empty receive). */
  once?: boolean;
  visibilitySeconds: number;
  /** Long-poll length (default 20 s; --once polls 1 s). */
  waitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called after each batch (progress). */
  onBatch?: () => void;
}

export const bySequencer = (a: { e: ObjectEvent }, b: { e: ObjectEvent }) =>
  a.e.key === b.e.key && a.e.sequencer && b.e.sequencer ? compareSequencers(a.e.sequencer, b.e.sequencer) : 0;

/** One received batch: records applied in sequencer order per key; messages whose records all applied are deleted. */
export async function applyBatch(engine: SyncEngine, sqs: SqsClient, msgs: QueueMessage[], o: Pick<RunOptions, "bucket" | "log">): Promise<{ done: number; failed: number }> {
  const all = msgs.flatMap((m) => parseEventBody(m.body).filter((e) => e.bucket === o.bucket).map((e) => ({ m, e })));
  // A stable sort: only events of the same key are reordered by their sequencers.
  all.sort(bySequencer);
  const bad = new Set<QueueMessage>();
  await Promise.all(all.map(({ m, e }) => engine.apply(e).catch((err) => {
    bad.add(m);
    o.log.warn(`${e.kind} ${e.key} failed: ${err instanceof Error ? err.message : String(err)}`);
  })));
  const good = msgs.filter((m) => !bad.has(m));
  if (good.length) await sqs.deleteBatch(good.map((m) => m.receiptHandle));
  // Failed ones come back when their visibility ends (retried then, by this or another instance).
  return { done: good.length, failed: bad.size };
}

export async function runQueue(engine: SyncEngine, sqs: SqsClient, o: RunOptions): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let failures = 0;
  while (!o.signal.aborted) {
    let msgs: QueueMessage[];
    try {
      msgs = await sqs.receive({ max: 10, waitSeconds: o.waitSeconds ?? (o.once ? 1 : 20), visibilitySeconds: o.visibilitySeconds, signal: o.signal });
      failures = 0;
    } catch (e) {
      if (o.signal.aborted) break;
      failures++;
      const ms = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
      o.log.warn(`receive failed: ${e instanceof Error ? e.message : String(e)}; again in ${ms} ms`);
      await sleep(ms);
      continue;
    }
    if (msgs.length === 0) {
      if (o.once) break;
      continue;
    }
    try {
      await applyBatch(engine, sqs, msgs, o);
    } catch (e) {
      o.log.warn(`acknowledging failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    o.onBatch?.();
  }
}

/** Follows GET /bucket?events=… (newline-delimited JSON; blank keepalives); `resync` runs after each reconnect. */
export async function runListen(engine: SyncEngine, s3: S3Client, o: RunOptions & { resync: () => Promise<void> }): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let first = true;
  while (!o.signal.aborted) {
    try {
      const stream = await s3.listen("", o.signal);
      if (!first) await o.resync();
      first = false;
      const reader = stream.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          for (const e of parseEventBody(line)) {
            if (e.bucket !== o.bucket) continue;
            engine.apply(e).catch((err) => o.log.warn(`${e.kind} ${e.key} failed: ${err instanceof Error ? err.message : String(err)}`));
          }
        }
        o.onBatch?.();
      }
    } catch (e) {
      if (o.signal.aborted) break;
      o.log.warn(`listen stream: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!o.signal.aborted) await sleep(1000);
  }
  await engine.idle();
}
