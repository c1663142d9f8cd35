// The Prometheus scrape endpoints: `/metrics` and MinIO's `/minio/v2/metrics/{cluster,node}`
// (same content here: every node answers for itself). Auth as MinIO's: a bearer JWT from
// `npm run prometheus-config` (or `mc admin prometheus generate`), whose subject must be
// allowed admin:Prometheus; or none with S3EDGE_PROMETHEUS_AUTH_TYPE=public.
import type { Hono } from "hono";
import type { Deps } from "../deps.ts";
import type { SecretLookup } from "../auth/principal.ts";
import type { Authorize } from "../auth/authorize.ts";
import { S3Error } from "../xml/errors.ts";
import { errorXml } from "../xml/xml.ts";
import { newRequestId, withCommonHeaders } from "../http/pipeline.ts";
import { label, metricsOf, type Gauge } from "./metrics.ts";
import { peekClaims, verifyToken } from "./jwt.ts";
import { requestAuthorizer } from "../auth/request-authorizer.ts";
import { requestInfo } from "../http/request-info.ts";

export const METRICS_PATHS = ["/metrics", "/minio/v2/metrics/cluster", "/minio/v2/metrics/node"] as const;

export function mountMetrics(app: Hono, deps: Deps, lookup: SecretLookup, authorize: Authorize): void {
  for (const p of METRICS_PATHS) {
    app.get(p, async (c, next) => {
      // `/metrics` is also a bucket's path (or a key's, on a bucket's own host): what S3
      // clients send — a SigV4/V2 signature, or any request to a virtual-hosted bucket —
      // is theirs; a scrape carries a bearer token, or nothing when scraping is public.
      if (!isScrape(c.req.raw, deps)) return next();
      const requestId = newRequestId();
      try {
        if (deps.config.prometheusAuth !== "public") await authenticateBearer(c.req.raw, requestInfo(c.env).remoteAddress ?? "", deps, lookup, authorize);
        const now = deps.clock.now();
        const text = metricsOf(deps).render(now, await storeGauges(deps));
        return withCommonHeaders(new Response(text, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }), requestId);
      } catch (e) {
        const err = e instanceof S3Error ? e : new S3Error("InternalError");
        if (!(e instanceof S3Error)) deps.log.error("metrics failed", { requestId, error: e instanceof Error ? e.stack ?? e.message : String(e) });
        const body = errorXml(err.code, err.message, { Resource: p, RequestId: requestId, HostId: requestId });
        return withCommonHeaders(new Response(body, { status: err.status, headers: { "content-type": "application/xml" } }), requestId);
      }
    });
  }
}

function isScrape(req: Request, deps: Deps): boolean {
  const hostname = (req.headers.get("host") ?? new URL(req.url).host).replace(/:\d+$/, "").toLowerCase();
  if (deps.config.domains.some((d) => hostname.endsWith("." + d))) return false;
  const auth = req.headers.get("authorization");
  if (auth !== null) return /^Bearer\s/i.test(auth);
  const q = new URL(req.url).searchParams;
  if (q.has("X-Amz-Signature") || q.has("Signature")) return false;
  return true;
}

async function authenticateBearer(req: Request, clientAddress: string, deps: Deps, lookup: SecretLookup, authorize: Authorize): Promise<void> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  if (!m) throw new S3Error("AccessDenied", { message: "A bearer token is required (npm run prometheus-config, or S3EDGE_PROMETHEUS_AUTH_TYPE=public)" });
  const token = m[1]!;
  const claims = peekClaims(token);
  const found = claims ? await lookup(claims.sub) : null;
  const nowSec = Math.floor(deps.clock.now() / 1000);
  if (!found || !(await verifyToken(token, found.secret, nowSec))) {
    throw new S3Error("AccessDenied", { message: "The bearer token is not valid or has expired" });
  }
  // The scrape's own condition context (aws:SourceIp, aws:CurrentTime …), as every other API's: a
  // policy that allows or denies admin:Prometheus by address must see this request's. A bearer
  // token is no AWS signature: the auth type is anonymous's.
  const ask = requestAuthorizer(authorize, { url: new URL(req.url), headers: req.headers, clientAddress, now: () => deps.clock.now(), auth: "anonymous" });
  await ask(found.principal, "admin:Prometheus", "arn:minio:admin:::*");
}

/** Gauges read from the stores at scrape time: buckets, chunks, notification backlog. */
async function storeGauges(deps: Deps): Promise<Gauge[]> {
  const [buckets, chunks, backlog] = await Promise.all([deps.meta.listBuckets(), deps.meta.countChunks(), deps.meta.countEvents()]);
  return [
    { name: "minio_cluster_bucket_total", help: "Number of buckets", values: [["", buckets.length]] },
    { name: "s3edge_store_chunks_total", help: "Content-addressed chunks stored (after deduplication)", values: [["", chunks]] },
    {
      name: "s3edge_notify_outbox_events", help: "Notification events waiting in the outbox, by target",
      values: Object.entries(backlog).sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => [`target=${label(t)}`, n]),
    },
    ...(deps.notifyStats?.families(backlog) ?? []),
  ];
}
