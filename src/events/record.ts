// The S3 event record, MinIO-shaped (specs/minio-admin.md §10.4), as webhook and queue
// consumers (mc, s3sync, Lambda-style handlers) parse it.
import type { ObjectRecord } from "../store/types.ts";
import type { EventName } from "./names.ts";

/**
 * Who and where a change came from. An S3 request builds it in one place (src/s3/event-source.ts);
 * producers outside the request path (lifecycle, admin, sync, the Workers consumer) build their own.
 */
export interface EventSource {
  /** The acting access key; "" for anonymous and for the system. */
  principalId: string;
  requestId: string;
  sourceIp: string;
  userAgent: string;
  /** The origin the producer answers on (MinIO's x-minio-origin-endpoint). */
  endpoint: string;
  region: string;
  /** The event time is read when the change is recorded, not when the source is built. */
  clock: { now(): number };
  /** The request's x-amz-* headers (credentials left out): Ceph's records list them as s3.object.metadata. */
  amzHeaders?: [string, string][];
}

/** What changed. */
export interface ObjectChange {
  eventName: EventName;
  bucket: string;
  key: string;
  /** The object as committed (absent for removals). */
  object?: Pick<ObjectRecord, "size" | "etag" | "headers" | "versionId"> & { tags?: Record<string, string> };
}

/** One record's fields: the source with its time fixed, the change, and the matching rule. */
export type RecordInput = Omit<EventSource, "clock"> & ObjectChange & {
  /** ms since epoch. */
  time: number;
  configurationId: string;
};

/** Go's url.QueryEscape: keeps only [A-Za-z0-9-_.~], space → `+`. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, "+");
}

export function eventRecord(i: RecordInput): Record<string, unknown> {
  const object: Record<string, unknown> = { key: queryEscape(i.key) };
  if (i.object && !i.eventName.startsWith("s3:ObjectRemoved:")) {
    object.size = i.object.size;
    object.eTag = i.object.etag.replace(/"/g, "");
    const contentType = i.object.headers["content-type"];
    if (contentType) object.contentType = contentType;
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(i.object.headers)) if (k.startsWith("x-amz-meta-") || k === "content-type") meta[k] = v;
    object.userMetadata = meta;
  }
  object.versionId = i.object && i.object.versionId !== "null" ? i.object.versionId : "";
  // Upper-case hex of the event time in ns: orders events of one key.
  object.sequencer = (BigInt(i.time) * 1_000_000n).toString(16).toUpperCase();
  return {
    eventVersion: "2.0",
    eventSource: "minio:s3",
    awsRegion: i.region,
    eventTime: new Date(i.time).toISOString(),
    eventName: i.eventName,
    userIdentity: { principalId: i.principalId },
    requestParameters: { principalId: i.principalId, region: i.region, sourceIPAddress: i.sourceIp },
    responseElements: { "x-amz-request-id": i.requestId, "x-minio-origin-endpoint": i.endpoint },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: i.configurationId,
      bucket: { name: i.bucket, ownerIdentity: { principalId: i.principalId }, arn: `arn:aws:s3:::${i.bucket}` },
      object,
    },
    source: { host: i.sourceIp, port: "", userAgent: i.userAgent },
  };
}

/** ms → Ceph's `2026-12-01T09:07:27.857000Z` (microseconds). */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/**
 * The record as Ceph RGW sends it to a topic (specs/ceph-notifications.md): eventVersion 2.2,
 * eventSource ceph:s3, the event name without "s3:", the key unescaped, metadata and tags as
 * {key, val} lists, eventId `<s>.<us>.<etag>` and the topic's opaqueData.
 */
export function cephRecord(i: RecordInput, opaqueData: string): Record<string, unknown> {
  const etag = i.object?.etag.replace(/"/g, "") ?? "";
  const pairs = (m: Iterable<[string, string]>) => [...m].map(([key, val]) => ({ key, val }));
  // The request's x-amz-* headers (what Ceph 16 lists), else the object's x-amz-meta-* (what its doc says).
  const metadata = i.amzHeaders ?? Object.entries(i.object?.headers ?? {}).filter(([k]) => k.startsWith("x-amz-meta-"));
  const us = BigInt(i.time) * 1000n;
  return {
    eventVersion: "2.2",
    eventSource: "ceph:s3",
    awsRegion: i.region,
    eventTime: microTime(i.time),
    eventName: i.eventName.replace(/^s3:/, ""),
    userIdentity: { principalId: i.principalId },
    requestParameters: { sourceIPAddress: i.sourceIp },
    responseElements: { "x-amz-request-id": i.requestId, "x-amz-id-2": `s3edge-${i.region}-${i.region}` },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: i.configurationId,
      // No internal bucket id here: the name is unique for the gateway's life.
      bucket: { name: i.bucket, ownerIdentity: { principalId: i.principalId }, arn: `arn:aws:s3:::${i.bucket}`, id: i.bucket },
      object: {
        key: i.key,
        size: i.object?.size ?? 0,
        eTag: etag,
        versionId: i.object && i.object.versionId !== "null" ? i.object.versionId : "",
        // 16 hex digits of the event time in ns: orders events of one key.
        sequencer: (us * 1000n).toString(16).toUpperCase().padStart(16, "0").slice(-16),
        metadata: pairs(metadata),
        tags: pairs(Object.entries(i.object?.tags ?? {})),
      },
    },
    eventId: `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, "0")}.${etag}`,
    opaqueData,
  };
}
