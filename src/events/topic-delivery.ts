// Pushing one record to an SNS topic's http(s) endpoint as Ceph RGW does (specs/ceph-notifications.md
// "The HTTP POST"): `{"Records":[record]}`, JSON, no signature; CloudEvents headers when the topic
// asks (Ceph's cloudevents=true, the S3 CloudEvents binding).
import type { TopicTarget } from "./topics.ts";
import { toBase64, utf8 } from "../util/hash.ts";

const TIMEOUT_MS = 10_000;

interface CephRecordShape {
  eventName?: string; eventTime?: string; eventId?: string; awsRegion?: string;
  responseElements?: Record<string, string>;
  s3?: { bucket?: { name?: string }; object?: { key?: string } };
}

export function cloudEventHeaders(record: Record<string, unknown>): Record<string, string> {
  const r = record as CephRecordShape;
  return {
    "ce-specversion": "1.0",
    "ce-type": `com.amazonaws.${r.eventName ?? ""}`,
    "ce-time": r.eventTime ?? "",
    "ce-id": `${r.responseElements?.["x-amz-request-id"] ?? ""}.${r.responseElements?.["x-amz-id-2"] ?? ""}`,
    "ce-source": `ceph:s3.${r.awsRegion ?? ""}.${r.s3?.bucket?.name ?? ""}`,
    "ce-subject": r.s3?.object?.key ?? "",
  };
}

/** Resolves on a 2xx answer; anything else (status, network, timeout) throws. */
export async function deliverTopic(t: TopicTarget, record: Record<string, unknown>, fetcher: typeof fetch = fetch, timeoutMs = TIMEOUT_MS): Promise<void> {
  // A topic without an endpoint has nobody to push to: nothing is lost by not sending.
  if (!t.endpoint) return;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "*/*" };
  if (t.cloudevents) Object.assign(headers, cloudEventHeaders(record));
  const url = new URL(t.endpoint);
  if (t.user || t.password || url.username || url.password) {
    const user = t.user ?? decodeURIComponent(url.username), pass = t.password ?? decodeURIComponent(url.password);
    headers.authorization = `Basic ${toBase64(utf8(`${user}:${pass}`))}`;
    url.username = ""; url.password = "";
  }
  const init: RequestInit & { tls?: { rejectUnauthorized: boolean } } = {
    method: "POST", headers, body: JSON.stringify({ Records: [record] }), signal: AbortSignal.timeout(timeoutMs),
  };
  // verify-ssl=false: Bun's fetch takes this; Workers' fetch always verifies (and ignores it).
  if (!t.verifySsl) init.tls = { rejectUnauthorized: false };
  const res = await fetcher(url.toString(), init);
  await res.arrayBuffer().catch(() => {});
  if (res.status < 200 || res.status > 299) throw new Error(`topic endpoint answered ${res.status}`);
}
