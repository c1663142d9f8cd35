// The dashboard's notification figures from the gateway's own Prometheus endpoint (/metrics),
// scraped as `mc admin prometheus generate` would: a bearer JWT (HS512, issuer "prometheus")
// signed in the browser with the session's secret (src/ops/jwt.ts checks it). Temporary (STS)
// credentials are not known to the scrape endpoint, so those sessions see AccessDenied.
import { ConsoleError } from "./errors.ts";
import { readError, type Session } from "./session.ts";

const enc = new TextEncoder();
const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function prometheusToken(accessKey: string, secret: string, ttlSec = 300, now = Date.now()): Promise<string> {
  const part = (v: unknown) => b64url(enc.encode(JSON.stringify(v)));
  const data = `${part({ alg: "HS512", typ: "JWT" })}.${part({ exp: Math.floor(now / 1000) + ttlSec, sub: accessKey, iss: "prometheus" })}`;
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-512" }, false, ["sign"]);
  return `${data}.${b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data))))}`;
}

/** The sum of every sample of each named family in a Prometheus text exposition. */
export function sumMetrics(text: string, names: string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1]! in out) out[m[1]!]! += Number(m[2]) || 0;
  }
  return out;
}

export interface EventFigures { pending: number; lost: number; failed: number }

export async function eventFigures(session: Session, origin = location.origin): Promise<EventFigures> {
  let res: Response;
  try {
    res = await fetch(origin + "/metrics", { headers: { authorization: `Bearer ${await prometheusToken(session.accessKeyId, session.secretAccessKey)}` } });
  } catch (e) {
    throw new ConsoleError("NetworkError", String(e));
  }
  if (!res.ok) throw await readError(res);
  const m = sumMetrics(await res.text(), ["s3edge_notify_outbox_events", "minio_notify_events_skipped_total", "minio_notify_events_errors_total"]);
  return { pending: m.s3edge_notify_outbox_events!, lost: m.minio_notify_events_skipped_total!, failed: m.minio_notify_events_errors_total! };
}
