// Rows ↔ records for the SQL MetaStore: the column layout of schema.ts, and nothing else.
import type { BucketRecord, ChunkRef, ObjectRecord, PartRecord, RetentionMode, UploadRecord } from "../types.ts";
import type { SqlValue } from "./driver.ts";

export type Row = Record<string, SqlValue>;

export const json = (v: unknown): string => JSON.stringify(v);
export const parseJson = <T>(v: SqlValue | undefined, fallback: T): T => (typeof v === "string" && v ? (JSON.parse(v) as T) : fallback);
// Manifests are stored compact, one {h, b, n} per chunk (hash, blob, size): a row per object
// version holds one per 8 MiB, and data written before the readable names keeps this form.
type StoredRef = { h: string; b: string; n: number };
export const storeManifest = (m: readonly ChunkRef[]): string => json(m.map((c): StoredRef => ({ h: c.hash, b: c.blob, n: c.size })));
export function readManifest(v: SqlValue | undefined): ChunkRef[] | undefined {
  const stored = parseJson<StoredRef[] | undefined>(v, undefined);
  return stored?.map((c) => ({ hash: c.h, blob: c.b, size: c.n }));
}
const bytes = (v: SqlValue | undefined): Uint8Array | undefined =>
  v instanceof Uint8Array ? v : undefined;

export function rowToBucket(r: Row): BucketRecord {
  return { name: r.name as string, owner: r.owner as string, region: r.region as string, created: Number(r.created) };
}

export function rowToObject(r: Row): ObjectRecord {
  return {
    bucket: r.bucket as string,
    key: r.key as string,
    versionId: r.version_id as string,
    size: Number(r.size),
    etag: r.etag as string,
    lastModified: Number(r.last_modified),
    headers: parseJson(r.headers, {}),
    tags: parseJson(r.tags, {}),
    checksum: parseJson(r.checksum, undefined),
    parts: parseJson(r.parts, undefined),
    storageClass: r.storage_class as string,
    inline: bytes(r.inline),
    manifest: readManifest(r.manifest),
    ...(r.delete_marker ? { deleteMarker: true } : {}),
    ...(typeof r.lock_mode === "string" && r.lock_until !== null && r.lock_until !== undefined
      ? { retention: { mode: r.lock_mode as RetentionMode, until: Number(r.lock_until) } } : {}),
    ...(r.legal_hold !== null && r.legal_hold !== undefined ? { legalHold: Number(r.legal_hold) === 1 } : {}),
    ...(typeof r.content_sha256 === "string" ? { content: { sha256: r.content_sha256, md5: r.content_md5 as string } } : {}),
    ...(typeof r.sse === "string" ? { sse: parseJson(r.sse, undefined) } : {}),
  };
}

export function rowToUpload(r: Row): UploadRecord {
  return { ...parseJson<Omit<UploadRecord, "uploadId" | "bucket" | "key" | "initiated">>(r.data, {} as never),
    uploadId: r.upload_id as string, bucket: r.bucket as string, key: r.key as string, initiated: Number(r.initiated) };
}

export function rowToPart(r: Row): PartRecord {
  return {
    uploadId: r.upload_id as string, number: Number(r.number), size: Number(r.size), etag: r.etag as string,
    lastModified: Number(r.last_modified), checksum: (r.checksum as string | null) ?? undefined,
    manifest: readManifest(r.manifest) ?? [],
  };
}
