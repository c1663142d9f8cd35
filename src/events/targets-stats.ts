// Per-target delivery counters for /metrics, under MinIO's names (minio_notify_*): counted by
// the delivery loop (events/deliver.ts) wherever it runs — per process on Bun, per isolate on
// Workers (the Queue consumer's isolate; docs/metrics.md says what a scrape sees there).
import { label, type Gauge } from "../ops/metrics.ts";

interface Counts { triggered: number; sent: number; failed: number; dropped: number; inFlight: number }
const zero = (): Counts => ({ triggered: 0, sent: 0, failed: 0, dropped: 0, inFlight: 0 });

export interface TargetStats {
  /**
   * Events committed to these targets' queues (one entry per event; the outbox rows of a request
   * that succeeded): the "triggered" counter, which MinIO lacks and Ceph's topic stats have.
   * Listeners (the local queue's after-commit wake-up) hear of each call.
   */
  triggered(targets: readonly string[]): void;
  /** Calls `f` with the targets after each triggered(); returns the function that stops it. */
  onTriggered(f: (targets: readonly string[]) => void): () => void;
  /** A send to `target` starts; call the result with how it ended. */
  begin(target: string): (outcome: "sent" | "failed") => void;
  /** A message dropped for good (TTL, retry limit, target gone): MinIO's "skipped". */
  dropped(target: string): void;
  /** The counters as metric families (the outbox backlog, by target, is the queue length). */
  families(backlog: Record<string, number>): Gauge[];
}

export function createTargetStats(): TargetStats {
  const by = new Map<string, Counts>();
  const of = (t: string) => {
    let c = by.get(t);
    if (!c) by.set(t, (c = zero()));
    return c;
  };
  const listeners = new Set<(targets: readonly string[]) => void>();
  return {
    triggered(targets) {
      if (targets.length === 0) return;
      for (const t of targets) of(t).triggered++;
      for (const f of listeners) f(targets);
    },
    onTriggered(f) {
      const mine = (t: readonly string[]) => f(t);
      listeners.add(mine);
      return () => { listeners.delete(mine); };
    },
    begin(target) {
      const c = of(target);
      c.inFlight++;
      let done = false;
      return (outcome) => {
        if (done) return;
        done = true;
        c.inFlight--;
        if (outcome === "sent") c.sent++;
        else c.failed++;
      };
    },
    dropped(target) { of(target).dropped++; },
    families(backlog) {
      const keys = [...new Set([...by.keys(), ...Object.keys(backlog)])].sort();
      // A target key is `<id>:<type>` (ARN arn:minio:sqs::<id>:<type>): MinIO's target_id and target_name.
      const labels = (k: string) => {
        const i = k.lastIndexOf(":");
        return `target_id=${label(k.slice(0, i))},target_name=${label(k.slice(i + 1))}`;
      };
      const sum = (f: (c: Counts) => number) => [...by.values()].reduce((n, c) => n + f(c), 0);
      const per = (name: string, help: string, type: "counter" | "gauge", f: (c: Counts, k: string) => number): Gauge => ({
        name, help, type, values: keys.map((k) => [labels(k), f(by.get(k) ?? zero(), k)]),
      });
      return [
        { name: "minio_notify_events_triggered_total", help: "Events queued for notification targets (committed to their outbox)", type: "counter", values: [["", sum((c) => c.triggered)]] },
        { name: "minio_notify_events_sent_total", help: "Events delivered to notification targets", type: "counter", values: [["", sum((c) => c.sent)]] },
        { name: "minio_notify_events_errors_total", help: "Failed attempts to deliver events to notification targets", type: "counter", values: [["", sum((c) => c.failed)]] },
        { name: "minio_notify_events_skipped_total", help: "Events dropped without delivery (TTL, retry limit, target gone)", type: "counter", values: [["", sum((c) => c.dropped)]] },
        { name: "minio_notify_current_send_in_progress", help: "Sends to notification targets in progress now", values: [["", sum((c) => c.inFlight)]] },
        per("minio_notify_target_triggered_events", "Events queued for the target (committed to its outbox), by target", "counter", (c) => c.triggered),
        per("minio_notify_target_total_events", "Events delivered, by target", "counter", (c) => c.sent),
        per("minio_notify_target_failed_events", "Failed delivery attempts, by target", "counter", (c) => c.failed),
        per("minio_notify_target_skipped_events", "Events dropped without delivery, by target", "counter", (c) => c.dropped),
        per("minio_notify_target_current_send_in_progress", "Sends in progress, by target", "gauge", (c) => c.inFlight),
        per("minio_notify_target_queue_length", "Events waiting in the outbox, by target", "gauge", (_c, k) => backlog[k] ?? 0),
      ];
    },
  };
}
