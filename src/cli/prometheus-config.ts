// `npm run prometheus-config [-- --address HOST:PORT]`: a Prometheus scrape job for this
// gateway with a bearer token for the root user, as `mc admin prometheus generate` prints it.
import { parseServeOptions } from "../runtime/bun/env.ts";
import { signPrometheusToken } from "../ops/jwt.ts";

let opts: ReturnType<typeof parseServeOptions>;
try {
  opts = parseServeOptions(process.argv.slice(2), process.env);
} catch (e) {
  for (const line of (e instanceof Error ? e.message : String(e)).split("\n")) console.error(`s3edge: ${line}`);
  process.exit(2);
}
// mc's default: a token valid for 100 years; rotate the root secret to revoke it.
const expires = Math.floor(Date.now() / 1000) + 100 * 365 * 24 * 3600;
const token = await signPrometheusToken(opts.config.rootUser, opts.config.rootPassword, expires);
console.log(`scrape_configs:
- job_name: s3edge
  bearer_token: ${token}
  metrics_path: /minio/v2/metrics/cluster
  scheme: http
  static_configs:
  - targets: ['${opts.hostname}:${opts.port}']`);
