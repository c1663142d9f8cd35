// S3 event records as the daemon reads them from an SQS message body or a listen stream line:
// AWS's shape (`ObjectCreated:Put`, keys form-encoded with '/' kept) and MinIO's
// (`s3:ObjectCreated:Put`, '/' escaped too) both decode to one ObjectEvent.

export interface ObjectEvent {
  kind: "created" | "removed";
  bucket: string;
  key: string;
  /** Hex; orders the events of one key. */
  sequencer?: string;
  size?: number;
  etag?: string;
}

/** `+` is a space, then percent-decoding (a key that is not valid percent-encoding stays as sent). */
export function decodeEventKey(k: string): string {
  const s = k.replace(/\+/g, " ");
  try { return decodeURIComponent(s); } catch { return s; }
}

/** The object events of one message body or stream line; anything else (AWS's s3:TestEvent, keepalives) is none. */
export function parseEventBody(body: string): ObjectEvent[] {
  let doc: unknown;
  try { doc = JSON.parse(body); } catch { return []; }
  const records = doc && typeof doc === "object" ? (doc as { Records?: unknown }).Records : undefined;
  if (!Array.isArray(records)) return [];
  const out: ObjectEvent[] = [];
  for (const r of records) {
    if (!r || typeof r !== "object") continue;
    const name = String((r as Record<string, unknown>).eventName ?? "").replace(/^s3:/, "");
    const s3 = (r as { s3?: { bucket?: { name?: unknown }; object?: Record<string, unknown> } }).s3;
    const key = s3?.object?.key;
    if (typeof key !== "string" || typeof s3?.bucket?.name !== "string") continue;
    const kind = name.startsWith("ObjectCreated:") ? "created" : name.startsWith("ObjectRemoved:") ? "removed" : null;
    if (!kind) continue;
    const o = s3.object!;
    out.push({
      kind, bucket: s3.bucket.name, key: decodeEventKey(key),
      ...(typeof o.sequencer === "string" && /^[0-9A-Fa-f]+$/.test(o.sequencer) ? { sequencer: o.sequencer } : {}),
      ...(typeof o.size === "number" ? { size: o.size } : {}),
      ...(typeof o.eTag === "string" ? { etag: o.eTag } : {}),
    });
  }
  return out;
}

/** Sequencers compare as hex numbers (lengths may differ between sources). */
export function compareSequencers(a: string, b: string): number {
  const x = BigInt(`0x${a}`), y = BigInt(`0x${b}`);
  return x < y ? -1 : x > y ? 1 : 0;
}
