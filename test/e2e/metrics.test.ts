// Prometheus scrapes the real server: the scrape config from `npm run prometheus-config`
// carries a bearer token that the gateway (Bun or workerd) accepts; counters move with traffic.
import { describe, expect, test } from "bun:test";
import { AwsClient } from "aws4fetch";
import { REPO_ROOT, bucketName, ok, run, useServer } from "./harness.ts";

const ep = useServer();

async function scrapeConfig(): Promise<{ token: string; path: string }> {
  const r = await run([process.execPath, "src/cli/prometheus-config.ts", "--address", `${ep.host}:${ep.port}`], {
    cwd: REPO_ROOT, env: { S3EDGE_ROOT_USER: ep.accessKey, S3EDGE_ROOT_PASSWORD: ep.secretKey },
  });
  const out = ok(r, "prometheus-config");
  expect(out).toContain(`targets: ['${ep.host}:${ep.port}']`);
  return { token: /bearer_token: (\S+)/.exec(out)![1]!, path: /metrics_path: (\S+)/.exec(out)![1]! };
}

const count = (text: string, sample: string) => Number(new RegExp(`^${sample.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? 0);

describe("metrics", () => {
  test("a scrape with the generated token sees the requests it follows", async () => {
    const { token, path } = await scrapeConfig();
    const scrape = async () => {
      const res = await fetch(ep.url + path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const before = count(await scrape(), 'minio_s3_requests_total{api="putobject"}');
    const c = new AwsClient({ accessKeyId: ep.accessKey, secretAccessKey: ep.secretKey, region: ep.region, service: "s3" });
    const b = bucketName("metrics");
    expect((await c.fetch(`${ep.url}/${b}`, { method: "PUT" })).status).toBe(200);
    expect((await c.fetch(`${ep.url}/${b}/k`, { method: "PUT", body: "12345" })).status).toBe(200);
    const text = await scrape();
    expect(count(text, 'minio_s3_requests_total{api="putobject"}')).toBe(before + 1);
    expect(count(text, "minio_cluster_bucket_total")).toBeGreaterThanOrEqual(1);
    await c.fetch(`${ep.url}/${b}/k`, { method: "DELETE" });
    await c.fetch(`${ep.url}/${b}`, { method: "DELETE" });
  });

  test("no token or a forged one → 403 AccessDenied", async () => {
    for (const auth of [undefined, "Bearer x.y.z"]) {
      const res = await fetch(`${ep.url}/minio/v2/metrics/cluster`, { headers: auth ? { authorization: auth } : {} });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("<Code>AccessDenied</Code>");
    }
  });
});
