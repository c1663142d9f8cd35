// Webhook target: POST {"EventName","Key","Records":[record]} as MinIO does (specs/minio-admin.md §10.5).
import type { WebhookTarget } from "../targets.ts";
import { logJson, objectPath } from "./format.ts";

const TIMEOUT_MS = 10_000;

/**
 * MinIO's body; `raw` (the record as stored, JSON.stringify's text of `record`) is spliced in
 * as it is rather than serialised again: the same bytes, without a second stringify per send.
 */
export function webhookBody(record: Record<string, unknown>, raw?: string): string {
  if (raw === undefined || typeof record.eventName !== "string") return logJson(record);
  return `{"EventName":${JSON.stringify(record.eventName)},"Key":${JSON.stringify(objectPath(record))},"Records":[${raw}]}`;
}

/** Resolves on a 2xx answer; anything else (status, network, timeout) throws. */
export async function deliverWebhook(target: WebhookTarget, record: Record<string, unknown>, fetcher: typeof fetch = fetch, raw?: string): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.authToken) {
    // A token that already names its scheme ("Basic …") is passed unchanged, as newer MinIO does.
    headers.authorization = /^\S+\s+\S/.test(target.authToken) ? target.authToken : `Bearer ${target.authToken}`;
  }
  const res = await fetcher(target.endpoint, {
    method: "POST",
    headers,
    body: webhookBody(record, raw),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  // Read the answer so the connection can be reused.
  await res.arrayBuffer().catch(() => {});
  if (res.status < 200 || res.status > 299) throw new Error(`webhook answered ${res.status}`);
}
