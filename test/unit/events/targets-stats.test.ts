import { describe, expect, it } from "bun:test";
import { createTargetStats } from "../../../src/events/targets-stats.ts";
import { sendMessage } from "../../../src/events/deliver.ts";
import { RequestMetrics } from "../../../src/ops/metrics.ts";

const silent = { info() {}, warn() {}, error() {} };
const webhook = { type: "webhook" as const, id: "1", endpoint: "http://127.0.0.1:9/hook", queueLimit: 10, maxRetries: 3, ttlMs: 60_000 };
const msg = (created: number) => ({ id: "m", bucket: "b", target: "1:webhook", record: JSON.stringify({ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "k" } } }), created });

describe("per-target notification counters", () => {
  it("counts sends, failures, drops and sends in flight, rendered under MinIO's names", async () => {
    const stats = createTargetStats();
    let answer = 200;
    let inFlightSeen = -1;
    const fetch = (async () => {
      inFlightSeen = Number(/minio_notify_current_send_in_progress (\d+)/.exec(new RequestMetrics(0).render(0, stats.families({})))?.[1]);
      return new Response(null, { status: answer });
    }) as unknown as typeof globalThis.fetch;
    const d = { targets: { "1:webhook": webhook }, now: () => 1000, log: silent, fetch, stats };
    expect(await sendMessage(d, msg(900), 1)).toBe("delivered");
    expect(inFlightSeen).toBe(1);
    answer = 503;
    expect(await sendMessage(d, msg(900), 1)).toBe("failed");
    expect(await sendMessage(d, msg(-100_000), 1)).toBe("dropped"); // past its TTL
    const text = new RequestMetrics(0).render(0, stats.families({ "1:webhook": 4, "2:redis": 1 }));
    expect(text).toContain("# TYPE minio_notify_events_sent_total counter\nminio_notify_events_sent_total 1\n");
    expect(text).toContain("minio_notify_events_errors_total 1\n");
    expect(text).toContain("minio_notify_events_skipped_total 1\n");
    expect(text).toContain("minio_notify_current_send_in_progress 0\n");
    expect(text).toContain('minio_notify_target_total_events{target_id="1",target_name="webhook"} 1\n');
    expect(text).toContain('minio_notify_target_failed_events{target_id="1",target_name="webhook"} 1\n');
    expect(text).toContain('minio_notify_target_queue_length{target_id="1",target_name="webhook"} 4\n');
    expect(text).toContain('minio_notify_target_queue_length{target_id="2",target_name="redis"} 1\n');
  });

  it("counts events triggered (committed to a target's queue) and tells listeners which targets", () => {
    const stats = createTargetStats();
    const heard: string[][] = [];
    const stop = stats.onTriggered((t) => heard.push([...t]));
    stats.triggered(["1:webhook", "1:webhook", "2:redis"]);
    stats.triggered([]); // nothing committed: nobody is told
    stop();
    stats.triggered(["2:redis"]);
    expect(heard).toEqual([["1:webhook", "1:webhook", "2:redis"]]);
    const text = new RequestMetrics(0).render(0, stats.families({}));
    expect(text).toContain("# TYPE minio_notify_events_triggered_total counter\nminio_notify_events_triggered_total 4\n");
    expect(text).toContain('minio_notify_target_triggered_events{target_id="1",target_name="webhook"} 2\n');
    expect(text).toContain('minio_notify_target_triggered_events{target_id="2",target_name="redis"} 2\n');
  });
});
