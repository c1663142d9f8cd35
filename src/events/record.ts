// The S3 event record, MinIO-shaped (specs/minio-admin.md §10.4), as webhook and queue
// consumers (mc, s3sync, Lambda-style handlers) parse it.
import type { ObjectRecord } from "../store/types.ts";
import type { EventName } from "./names.ts";

export interface RecordInput {
  eventName: EventName;
  bucket: string;
  key: string;
  /** The object as committed (absent for removals). */
  object?: Pick<ObjectRecord, "size" | "etag" | "headers" | "versionId">;
  principalId: string;
  region: string;
  requestId: string;
  /** ms since epoch. */
  time: number;
  configurationId: string;
  sourceIp: string;
  userAgent: string;
  endpoint: string;
}

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
