// Request metrics in the Prometheus text format, under MinIO's names (minio_s3_requests_total
// {api="getobject"} …) so MinIO's Grafana dashboards and alert rules keep working. Counted by
// the pipeline (beginRequest → answer) for every API; kept per app instance: per process on
// Bun, per isolate on Workers (docs/metrics.md says what that means for a scrape there).
import type { Deps } from "../deps.ts";

/** Upper bounds of the time-to-first-byte histogram, seconds (MinIO's buckets). */
const TTFB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface PerApi {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  canceled: number;
  /** Counts per TTFB bucket (not cumulative; cumulated when rendered), then +Inf. */
  ttfb: number[];
  ttfbSum: number;
}

export class RequestMetrics {
  readonly startedMs: number;
  private perApi = new Map<string, PerApi>();
  inflight = 0;
  receivedBytes = 0;
  sentBytes = 0;

  constructor(nowMs: number) {
    this.startedMs = nowMs;
  }

  /** A request began; the returned function is called once with its answer. */
  begin(req: Request, nowMs: number): (op: string, api: string, res: Response, endMs: number) => void {
    this.inflight++;
    const declared = Number(req.headers.get("content-length") ?? 0);
    let done = false;
    return (op, api, res, endMs) => {
      if (done) return;
      done = true;
      this.inflight--;
      if (Number.isFinite(declared) && declared > 0) this.receivedBytes += declared;
      const sent = Number(res.headers.get("content-length") ?? 0);
      if (Number.isFinite(sent) && sent > 0) this.sentBytes += sent;
      const name = metricApiName(api, op);
      let m = this.perApi.get(name);
      if (!m) this.perApi.set(name, (m = { requests: 0, errors4xx: 0, errors5xx: 0, canceled: 0, ttfb: new Array(TTFB_BUCKETS.length + 1).fill(0), ttfbSum: 0 }));
      m.requests++;
      if (res.status >= 400 && res.status < 500) m.errors4xx++;
      else if (res.status >= 500) m.errors5xx++;
      const seconds = Math.max(0, endMs - nowMs) / 1000;
      const i = TTFB_BUCKETS.findIndex((b) => seconds <= b);
      m.ttfb[i === -1 ? TTFB_BUCKETS.length : i]!++;
      m.ttfbSum += seconds;
    };
  }

  /** Counters as Prometheus text exposition format 0.0.4, plus `extra` gauges. */
  render(nowMs: number, extra: Gauge[] = []): string {
    const out: string[] = [];
    const family = (name: string, type: "counter" | "gauge" | "histogram", help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const apis = [...this.perApi.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const perApi = (name: string, help: string, value: (m: PerApi) => number) => {
      family(name, "counter", help);
      for (const [api, m] of apis) out.push(`${name}{api=${label(api)}} ${value(m)}`);
    };
    perApi("minio_s3_requests_total", "Total number of requests, by API operation", (m) => m.requests);
    perApi("minio_s3_requests_errors_total", "Total number of requests answered with an error (4xx and 5xx)", (m) => m.errors4xx + m.errors5xx);
    perApi("minio_s3_requests_4xx_errors_total", "Total number of requests answered with a 4xx error", (m) => m.errors4xx);
    perApi("minio_s3_requests_5xx_errors_total", "Total number of requests answered with a 5xx error", (m) => m.errors5xx);
    family("minio_s3_requests_inflight_total", "gauge", "Requests being served now");
    out.push(`minio_s3_requests_inflight_total ${this.inflight}`);
    family("minio_s3_traffic_received_bytes", "counter", "Request body bytes received (as declared by Content-Length)");
    out.push(`minio_s3_traffic_received_bytes ${this.receivedBytes}`);
    family("minio_s3_traffic_sent_bytes", "counter", "Response body bytes sent (as declared by Content-Length)");
    out.push(`minio_s3_traffic_sent_bytes ${this.sentBytes}`);
    const h = "minio_s3_requests_ttfb_seconds";
    family(h, "histogram", "Time from the request's arrival to its response headers, by API operation");
    for (const [api, m] of apis) {
      let cum = 0;
      TTFB_BUCKETS.forEach((b, i) => {
        cum += m.ttfb[i]!;
        out.push(`${h}_bucket{api=${label(api)},le="${b}"} ${cum}`);
      });
      cum += m.ttfb[TTFB_BUCKETS.length]!;
      out.push(`${h}_bucket{api=${label(api)},le="+Inf"} ${cum}`, `${h}_sum{api=${label(api)}} ${m.ttfbSum}`, `${h}_count{api=${label(api)}} ${cum}`);
    }
    family("minio_node_process_uptime_seconds", "gauge", "Seconds since this process (or isolate) started serving");
    out.push(`minio_node_process_uptime_seconds ${Math.max(0, Math.floor((nowMs - this.startedMs) / 1000))}`);
    for (const g of extra) {
      family(g.name, g.type ?? "gauge", g.help);
      for (const [labels, v] of g.values) out.push(`${g.name}${labels ? `{${labels}}` : ""} ${v}`);
    }
    return out.join("\n") + "\n";
  }
}

export interface Gauge {
  name: string;
  help: string;
  /** Default gauge; counters read at scrape time (notification deliveries) say so. */
  type?: "counter" | "gauge";
  /** [label text (`bucket="b"`, or "" for none), value]. */
  values: [string, number][];
}

/** MinIO's api label: the S3 operation lower-cased (getobject); other APIs prefixed. */
function metricApiName(api: string, op: string): string {
  const k = `${api}\0${op}`;
  let n = apiNames.get(k);
  if (n === undefined) apiNames.set(k, (n = apiName(api, op)));
  return n;
}
const apiNames = new Map<string, string>();
function apiName(api: string, op: string): string {
  const name = (op || "unknown").replace(/[^A-Za-z0-9]/g, "").toLowerCase();
  return api === "s3" ? name : `${api}:${name}`;
}

/** A quoted label value with Prometheus' escapes. */
export const label = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`;

// One registry per app instance, found from its Deps (every API's pipeline has them), so the
// runtimes' Deps builders need not know about metrics.
const registries = new WeakMap<object, RequestMetrics>();

export function metricsOf(deps: Pick<Deps, "clock">): RequestMetrics {
  let m = registries.get(deps);
  if (!m) registries.set(deps, (m = new RequestMetrics(deps.clock.now())));
  return m;
}
