// What a MetaStore contract case is, what it gets besides the store, and the fixtures the
// cases share. Only the MetaStore interface (src/store/types.ts) and the session naming rule
// it documents (src/store/session.ts) are used: a new backend is proven by the same cases.
import type { BucketRecord, ChunkRef, LeasedEvent, MetaStore, ObjectRecord, ObjectSummary, OutboxEvent, PartRecord, UploadRecord } from "../../../src/store/types.ts";
import { newSession } from "../../../src/store/session.ts";
import { eq } from "../assert.ts";

export interface ContractTools {
  /** The store's clock (ms): what it stamps upload sessions with. */
  now(): number;
  /**
   * Moves the store's clock forward. Absent where the backend keeps real time (a Durable Object
   * reads Date.now() itself): cases that need it declare `needs: ["clock"]` and are skipped.
   */
  advance?: (ms: number) => void;
  /** A second handle on the same data (another connection, another isolate's stubs), if the backend has one. */
  peer?: MetaStore;
}

export type Capability = "clock";

export interface ContractCase {
  name: string;
  needs?: Capability[];
  run(store: MetaStore, t: ContractTools): Promise<void>;
}

/** The capabilities a case needs that these tools lack (non-empty: skip the case). */
export function missingCapabilities(c: ContractCase, t: Pick<ContractTools, "advance">): Capability[] {
  return (c.needs ?? []).filter((n) => n === "clock" && !t.advance);
}

// ---- fixtures (timestamps in records are data, not clocks)
export const T0 = 1_767_225_600_000;
export const HOUR = 3_600_000;
export const session = newSession;
export const utf8 = (s: string) => new TextEncoder().encode(s);

export const bucket = (name: string, over: Partial<BucketRecord> = {}): BucketRecord =>
  ({ name, owner: "owner-1", region: "us-east-1", created: T0, ...over });

export async function withBuckets(s: MetaStore, ...names: string[]): Promise<void> {
  for (const n of names) eq(await s.createBucket(bucket(n)), { ok: true }, `createBucket ${n}`);
}

export const object = (b: string, key: string, over: Partial<ObjectRecord> = {}): ObjectRecord => ({
  bucket: b, key, versionId: "null", size: 2, etag: '"e-v1"', lastModified: T0,
  headers: { "content-type": "text/plain" }, tags: {}, storageClass: "STANDARD", inline: utf8("v1"), ...over,
});

export const summary = (o: ObjectRecord): ObjectSummary =>
  ({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass });

export const upload = (b: string, key: string, uploadId: string, over: Partial<UploadRecord> = {}): UploadRecord => ({
  bucket: b, key, uploadId, initiated: T0, headers: { "content-type": "application/octet-stream" }, tags: {},
  storageClass: "STANDARD", owner: "owner-1", ...over,
});

export const part = (uploadId: string, number: number, manifest: ChunkRef[], over: Partial<PartRecord> = {}): PartRecord => ({
  uploadId, number, size: manifest.reduce((n, c) => n + c.size, 0), etag: `"p${number}"`, lastModified: T0, manifest, ...over,
});

/** A SHA-256-shaped hash; hash order is numeric order. */
export const hash = (n: number) => n.toString(16).padStart(64, "0");
export const chunkRef = (hash: string, blob: string, size: number): ChunkRef => ({ hash, blob, size });
export const blobsOf = (refs: ChunkRef[]) => refs.map((r) => r.blob).sort();

/** Writes chunk `n` as ingest does (intent, then registration) and returns its manifest entry. */
export async function chunk(s: MetaStore, sess: string, n: number, size = 100): Promise<ChunkRef> {
  const blob = `blob-${n}`;
  await s.intendBlob(sess, blob);
  eq(await s.registerChunk(sess, hash(n), blob, size), blob, `registerChunk ${n}`);
  return chunkRef(hash(n), blob, size);
}

/** An object whose data is the chunks (no inline bytes). */
export const chunked = (b: string, key: string, manifest: ChunkRef[], over: Partial<ObjectRecord> = {}) =>
  object(b, key, { inline: undefined, manifest, size: manifest.reduce((n, c) => n + c.size, 0), ...over });

/** One GC pass as src/store/gc.ts makes it (live sessions kept): the blobs to delete, sorted; tombstones dropped. */
export async function sweep(s: MetaStore, t: ContractTools, opts: { stale?: boolean; keep?: boolean } = {}): Promise<string[]> {
  const ids = await s.collectGarbage({ staleSessionsBefore: t.now() + (opts.stale ? HOUR : -HOUR), limit: 1000 });
  if (!opts.keep) await s.dropTombstones(ids);
  return [...ids].sort();
}

export const event = (b: string, target: string, label: string, over: Partial<OutboxEvent> = {}): OutboxEvent => ({
  id: `${label}-${crypto.randomUUID()}`, bucket: b, target, record: JSON.stringify({ label, key: "ü/ß €" }), created: T0, limit: 100, ...over,
});

/** The message leaseEvents hands out for `e`. */
export const leasedAs = (e: OutboxEvent, attempts = 0, targetFailures = 0): LeasedEvent => {
  const { limit: _limit, ...m } = e;
  return { ...m, attempts, targetFailures };
};

export const ofTarget = (ms: LeasedEvent[], target: string) => ms.filter((m) => m.target === target);

/** UTF-8 byte order (S3's listing order), computed independently of the store. */
export function utf8Order(a: string, b: string): number {
  const x = utf8(a);
  const y = utf8(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
