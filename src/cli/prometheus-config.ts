// `npm run prometheus-config [-- --address HOST:PORT]`: a Prometheus scrape job for this
// gateway with a bearer token for the root user, as `mc admin prometheus generate` prints it.
import { serveOptionsOrExit } from "./options.ts";
import { signPrometheusToken } from "../ops/jwt.ts";

const opts = serveOptionsOrExit(process.argv.slice(2), process.env);
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
