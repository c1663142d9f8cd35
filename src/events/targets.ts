// Notification targets, configured MinIO-style by variables (env on Bun, vars on Workers):
//   MINIO_NOTIFY_WEBHOOK_ENABLE_<ID>=on  MINIO_NOTIFY_WEBHOOK_ENDPOINT_<ID>=https://…
//   MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>=…  MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_<ID>=…
// (S3EDGE_NOTIFY_* too; without _<ID> the target id is "_"), addressed by the ARN
// arn:minio:sqs:<region>:<ID>:webhook (specs/minio-admin.md §10.1).
import { ConfigError } from "../config-error.ts";

export interface WebhookTarget {
  type: "webhook";
  id: string;
  endpoint: string;
  authToken?: string;
  /** Messages waiting before writes that would add more are refused (SlowDown). */
  queueLimit: number;
  /** Delivery attempts before a message is dropped (and logged as lost). */
  maxRetries: number;
  /** Age after which an undelivered message is dropped. */
  ttlMs: number;
}

export type NotifyTarget = WebhookTarget;

export const DEFAULT_QUEUE_LIMIT = 100_000;
const DEFAULT_MAX_RETRIES = 10;
const DEFAULT_TTL_MS = 24 * 3600 * 1000;

const VAR = /^(?:MINIO|S3EDGE)_NOTIFY_WEBHOOK_(ENABLE|ENDPOINT|AUTH_TOKEN|QUEUE_LIMIT|MAX_RETRIES|TTL_SECONDS|QUEUE_DIR|COMMENT|CLIENT_CERT|CLIENT_KEY)(?:_(.+))?$/;
const ON = new Set(["on", "true", "1", "yes", "enable", "enabled"]);

/** Targets from variables; a target that is enabled but unusable is a ConfigError, not a delivery failure later. */
export function targetsFromEnv(env: Record<string, unknown>): Record<string, NotifyTarget> {
  const byId = new Map<string, Record<string, string>>();
  for (const [name, value] of Object.entries(env)) {
    const m = VAR.exec(name);
    if (!m || typeof value !== "string") continue;
    const id = m[2] ?? "_";
    if (!byId.has(id)) byId.set(id, {});
    byId.get(id)![m[1]] = value;
  }
  const out: Record<string, NotifyTarget> = {};
  for (const [id, kv] of byId) {
    if (!ON.has((kv.ENABLE ?? "").trim().toLowerCase())) continue;
    const endpoint = (kv.ENDPOINT ?? "").trim();
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError(`notify_webhook:${id}: 'endpoint' is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`notify_webhook:${id}: 'endpoint' must be http or https`);
    out[`${id}:webhook`] = {
      type: "webhook", id, endpoint, authToken: kv.AUTH_TOKEN || undefined,
      queueLimit: positive(kv.QUEUE_LIMIT, DEFAULT_QUEUE_LIMIT, `notify_webhook:${id}: queue_limit`),
      maxRetries: positive(kv.MAX_RETRIES, DEFAULT_MAX_RETRIES, `notify_webhook:${id}: max_retries`),
      ttlMs: positive(kv.TTL_SECONDS, DEFAULT_TTL_MS / 1000, `notify_webhook:${id}: ttl_seconds`) * 1000,
    };
  }
  return out;
}

/** 0 or unset = the default (MinIO's queue_limit=0 means "default"). */
function positive(v: string | undefined, fallback: number, what: string): number {
  if (v === undefined || v.trim() === "" || v.trim() === "0") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${what} must be a whole number`);
  return n;
}

export interface Arn { region: string; id: string; type: string }

/** `arn:minio:sqs:<region>:<id>:<type>`: six fields, the last two non-empty. */
export function parseArn(arn: string): Arn | null {
  const f = arn.split(":");
  if (f.length !== 6 || f[0] !== "arn" || f[1] !== "minio" || f[2] !== "sqs" || !f[4] || !f[5]) return null;
  return { region: f[3], id: f[4], type: f[5] };
}
