// /metrics and /minio/v2/metrics/*: Prometheus text under MinIO's names, counted by the shared
// pipeline for every API, behind a bearer JWT as `mc admin prometheus generate` makes it.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { s3, ROOT } from "../helpers/s3.ts";
import { signPrometheusToken } from "../../../src/ops/jwt.ts";
import { configFromVars } from "../../../src/config.ts";
import { withRequestInfo } from "../../../src/http/request-info.ts";

const EP = "http://127.0.0.1:9000";

async function scrape(env: ReturnType<typeof memoryDeps>, path = "/minio/v2/metrics/cluster", token?: string) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return env.app.request(new Request(EP + path, { headers }));
}

const rootToken = (env: ReturnType<typeof memoryDeps>, expSec?: number) =>
  signPrometheusToken(ROOT.accessKeyId, ROOT.secretAccessKey, expSec ?? Math.floor(env.deps.clock.now() / 1000) + 3600);

/** `name{labels} value` lines as a map. */
function samples(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

describe("metrics", () => {
  it("counts requests per S3 operation, with 4xx errors and bytes, under MinIO's names", async () => {
    const env = memoryDeps();
    const c = s3(env);
    await c.createBucket("metrics");
    expect((await c.put("metrics", "a", "hello")).status).toBe(200);
    expect((await c.get("metrics", "a")).status).toBe(200);
    expect((await c.get("metrics", "missing")).status).toBe(404);
    const res = await scrape(env, "/metrics", await rootToken(env));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    const s = samples(text);
    expect(s.get('minio_s3_requests_total{api="createbucket"}')).toBe(1);
    expect(s.get('minio_s3_requests_total{api="putobject"}')).toBe(1);
    expect(s.get('minio_s3_requests_total{api="getobject"}')).toBe(2);
    expect(s.get('minio_s3_requests_4xx_errors_total{api="getobject"}')).toBe(1);
    expect(s.get('minio_s3_requests_errors_total{api="getobject"}')).toBe(1);
    expect(s.get('minio_s3_requests_5xx_errors_total{api="getobject"}')).toBe(0);
    expect(s.get("minio_s3_traffic_received_bytes")).toBe(5);
    expect(s.get("minio_s3_traffic_sent_bytes")).toBeGreaterThanOrEqual(5);
    expect(s.get('minio_s3_requests_ttfb_seconds_count{api="getobject"}')).toBe(2);
    expect(s.get('minio_s3_requests_ttfb_seconds_bucket{api="getobject",le="+Inf"}')).toBe(2);
    expect(s.get("minio_s3_requests_inflight_total")).toBe(0);
    expect(s.get("minio_cluster_bucket_total")).toBe(1);
    expect(text).toContain("# TYPE minio_s3_requests_total counter");
    expect(text).toContain("# TYPE minio_s3_requests_ttfb_seconds histogram");
  });

  it("counts the other APIs' requests too, prefixed by their API", async () => {
    const env = memoryDeps();
    await env.app.request(new Request(EP + "/", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=Nope&Version=2011-06-15" }));
    await env.app.request(new Request(EP + "/minio/admin/v3/list-users"));
    const s = samples(await (await scrape(env, "/metrics", await rootToken(env))).text());
    expect([...s.keys()].some((k) => k.startsWith('minio_s3_requests_total{api="query:'))).toBe(true);
    expect(s.get('minio_s3_requests_total{api="admin:listusers"}')).toBe(1);
  });

  it.each(["/metrics", "/minio/v2/metrics/cluster", "/minio/v2/metrics/node"])("%s refuses a scrape without a valid bearer token (403 S3 XML)", async (p) => {
    const env = memoryDeps();
    for (const token of [undefined, "garbage", await signPrometheusToken(ROOT.accessKeyId, "wrong-secret", 4e9), await signPrometheusToken("nobody", "x", 4e9)]) {
      const res = await scrape(env, p, token);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("<Code>AccessDenied</Code>");
    }
    expect((await scrape(env, p, await rootToken(env))).status).toBe(200);
  });

  it("refuses an expired token and one whose header names another algorithm", async () => {
    const env = memoryDeps();
    expect((await scrape(env, "/metrics", await rootToken(env, Math.floor(env.deps.clock.now() / 1000) - 1))).status).toBe(403);
    const good = await rootToken(env);
    const [, body, sig] = good.split(".");
    const none = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
    expect((await scrape(env, "/metrics", `${none}.${body}.${sig}`)).status).toBe(403);
    expect((await scrape(env, "/metrics", `${none}.${body}.`)).status).toBe(403);
  });

  it("a user's admin:Prometheus is evaluated in the scrape's condition context (aws:SourceIp)", async () => {
    const env = memoryDeps();
    await env.deps.iam.putPolicy("scrape-from-lan", JSON.stringify({ Version: "2012-10-17", Statement: [
      { Effect: "Allow", Action: ["admin:Prometheus"], Resource: ["arn:minio:admin:::*"], Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
      { Effect: "Deny", Action: ["admin:Prometheus"], Resource: ["arn:minio:admin:::*"], Condition: { IpAddress: { "aws:SourceIp": "10.9.0.0/16" } } },
    ] }));
    await env.deps.iam.putUser({ accessKey: "scraper", secretKey: "scraper-secret", status: "enabled", policies: ["scrape-from-lan"] });
    const token = await signPrometheusToken("scraper", "scraper-secret", Math.floor(env.deps.clock.now() / 1000) + 3600);
    const from = (ip: string) => env.app.request(new Request(EP + "/metrics", { headers: { authorization: `Bearer ${token}` } }), undefined, withRequestInfo({ remoteAddress: ip }));
    expect((await from("10.1.2.3")).status).toBe(200);
    expect((await from("10.9.2.3")).status).toBe(403); // the explicit Deny for that subnet wins
    expect((await from("192.168.1.5")).status).toBe(403);
  });

  it("S3EDGE_PROMETHEUS_AUTH_TYPE=public serves without a token", async () => {
    const env = memoryDeps({ prometheusAuth: "public" });
    expect((await scrape(env)).status).toBe(200);
  });

  it("the auth type variable is validated", () => {
    expect(configFromVars({ MINIO_PROMETHEUS_AUTH_TYPE: "public" }, { requireCredentials: false }).config.prometheusAuth).toBe("public");
    expect(() => configFromVars({ S3EDGE_PROMETHEUS_AUTH_TYPE: "open" }, { requireCredentials: false })).toThrow("S3EDGE_PROMETHEUS_AUTH_TYPE: must be jwt or public");
  });
});

describe("metrics paths that are also S3 paths", () => {
  it("a signed GET /metrics lists the bucket named metrics; a bearer GET scrapes", async () => {
    const env = memoryDeps();
    const c = s3(env);
    await c.createBucket("metrics");
    await c.put("metrics", "k", "v");
    const list = await c.send("/metrics");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("<Key>k</Key>");
    const presigned = await c.send("/metrics", { presign: true });
    expect(await presigned.text()).toContain("<Key>k</Key>");
    expect(await (await scrape(env, "/metrics", await rootToken(env))).text()).toContain("minio_s3_requests_total");
  });

  it("GET /metrics on a virtual-hosted bucket's host is the object named metrics", async () => {
    const env = memoryDeps({ domains: ["s3.local"], prometheusAuth: "public" });
    const c = s3(env);
    await c.createBucket("vbucket");
    await c.put("vbucket", "metrics", "object bytes");
    const res = await env.app.request(new Request("http://vbucket.s3.local/metrics", { headers: { host: "vbucket.s3.local" } }));
    // Anonymous: the object's access check answers, not the scrape.
    expect(res.status).toBe(403);
    expect(await (await c.send("http://vbucket.s3.local/metrics")).text()).toBe("object bytes");
  });
});
