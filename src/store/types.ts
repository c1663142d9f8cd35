// The seams (DESIGN.md): the core only sees these interfaces.
// MetaStore results, one convention: a lookup returns the record or null (absent); a write the
// store may refuse returns an Outcome ({ ok: true }, or { ok: false, reason } with the reason
// named as the S3 error code it stands for); only faults (storage, RPC) throw.

export interface BlobRange { offset: number; length: number }

/** R2-like byte store. Keys are opaque chunk ids; it knows nothing of S3. */
export interface BlobStore {
  /** Stores exactly `size` bytes. A failed put leaves nothing under `key`. */
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, opts: { size: number }): Promise<void>;
  /**
   * `crc32`: a store that records each blob's CRC-32 (zlib's polynomial) at put may return it
   * with a read of the whole blob, for a reader to check the bytes against instead of a
   * chunk's SHA-256 (fs-blob-store.ts). A store the gateway does not trust (S3) returns none.
   * `into` (with a range, at least its length): a buffer the store may read the bytes into, its
   * body then yielding views of it; the caller reads nothing else there until the body ends.
   * Any store may ignore it (an SSE GET's chunk, src/runtime/bun/sse-pool.ts openStream).
   */
  get(key: string, opts?: { range?: BlobRange; into?: Uint8Array }): Promise<{ body: ReadableStream<Uint8Array>; size: number; crc32?: number } | null>;
  head(key: string): Promise<{ size: number } | null>;
  delete(keys: string[]): Promise<void>;
  list(opts?: { prefix?: string; cursor?: string; limit?: number }): Promise<{ keys: string[]; cursor?: string }>;
}

/** One chunk of an object: content hash, where its bytes live, and its length. */
export interface ChunkRef {
  /** The chunk's SHA-256 (hex): its content address. */
  hash: string;
  /** The blob holding its bytes (a random id: see ingest.ts). */
  blob: string;
  /** Its length in bytes. */
  size: number;
}

/** A chunk row of the MetaStore: SHA-256 (hex), blob id, length. */
export interface ChunkRecord { hash: string; blob: string; size: number }

export interface BucketRecord { name: string; owner: string; region: string; created: number }

/**
 * A bucket's contents: `objectsCount` current versions that are not delete markers,
 * `versionsCount` all versions that are not (current ones included), `deleteMarkersCount` all
 * markers, `size` the bytes of every version.
 */
export interface BucketUsage { size: number; objectsCount: number; versionsCount: number; deleteMarkersCount: number }

/** A bucket with its configurations by kind (notification, policy, cors, …), as stored. */
export interface BucketState { bucket: BucketRecord; configs: Record<string, string> }

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** base64 value; for multipart objects the checksum-of-checksums with `-N`. */
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** Part layout of a multipart object, kept for GET/HEAD ?partNumber=. */
export interface PartInfo { number: number; size: number; etag: string; checksum?: string }

export interface ObjectRecord {
  bucket: string;
  key: string;
  /**
   * "null" for the null version (unversioned and Suspended buckets write only that one);
   * otherwise an opaque id (s3/versioning.ts newVersionId) of an Enabled bucket's write.
   */
  versionId: string;
  /** A delete marker: a version without data (size 0, etag "", no headers), current or not. */
  deleteMarker?: boolean;
  size: number;
  etag: string; // quoted
  lastModified: number; // ms since epoch
  /** Content-Type, Content-Encoding, Cache-Control, … and x-amz-meta-* (lower-cased names). */
  headers: Record<string, string>;
  tags: Record<string, string>;
  checksum?: ObjectChecksum;
  parts?: PartInfo[];
  storageClass: string;
  /** Either the data inline (small objects) or a manifest of chunks. */
  inline?: Uint8Array;
  manifest?: ChunkRef[];
  /** The whole content's digests, when the gateway verified them: what instant upload finds (findObjectsByContent). */
  content?: ContentDigests;
  /** S3 Object Lock retention of this version (s3/object-lock-rules.ts); absent: none. */
  retention?: Retention;
  /** S3 Object Lock legal hold (ON: true): while on, the version cannot be removed; absent: never set. */
  legalHold?: boolean;
  /** Server-side encryption: its manifest's chunks are sealed (src/sse), sizes in plaintext bytes. */
  sse?: SseRecord;
}

/** How an object's (or upload's) chunks are sealed (src/sse/*); never a key in clear. */
export interface SseRecord {
  mode: "SSE-S3" | "SSE-KMS" | "SSE-C";
  /** SSE-S3/KMS: the name of the key (master, former master or created KMS key) that wrapped the bucket key, and the bucket key wrapped by it (base64). */
  keyId?: string;
  wrappedKey?: string;
  /** SSE-KMS: the encryption context as sent (base64 JSON), bound into the object's root key. */
  context?: string;
  /** SSE-C: a random per-object salt and HMAC(customer key, salt), which checks a key (base64). */
  salt?: string;
  keyCheck?: string;
}

/** SHA-256 and MD5 (hex) of an object's whole content (s3/instant-upload.ts). */
export interface ContentDigests { sha256: string; md5: string }

export type RetentionMode = "GOVERNANCE" | "COMPLIANCE";
/** A version's retention: it may not be removed before `until` (ms since epoch); GOVERNANCE can be bypassed. */
export interface Retention { mode: RetentionMode; until: number }

export type ObjectSummary = Pick<ObjectRecord, "key" | "size" | "etag" | "lastModified" | "storageClass">;

/** One entry of ListObjectVersions: an object version or a delete marker (size 0, etag ""). */
export interface VersionSummary extends ObjectSummary {
  versionId: string;
  /** The key's current version (the one a GET without versionId reads, or the marker hiding it). */
  isLatest: boolean;
  deleteMarker: boolean;
  /** ms since epoch when a newer version replaced it (lifecycle NoncurrentDays); absent while current. */
  noncurrentSince?: number;
}

/**
 * Versioned deletes (deleteObject's `version`):
 * - `{ versionId }` removes that version or delete marker for good; if it was current, the next
 *   newest version (or marker) becomes current. An unknown id is "NoSuchVersion".
 * - `{ marker }` writes a delete marker with that id as the current version (Enabled: a fresh
 *   id; Suspended: "null", which replaces any existing null version, as a null PUT does).
 * Without `version`, the current version is removed for good (unversioned buckets).
 */
export type VersionedDelete = { versionId: string } | { marker: { versionId: string; lastModified: number } };

/** What a successful deleteObject removed or wrote: the version id and whether it is (was) a delete marker. */
export type DeleteResult =
  | { ok: true; versionId: string; deleteMarker: boolean }
  | { ok: false; reason: "NoSuchKey" | "NoSuchVersion" | "PreconditionFailed" | "SlowDown" | "AccessDenied" };

export interface UploadRecord {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: number;
  headers: Record<string, string>;
  tags: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: "FULL_OBJECT" | "COMPOSITE";
  storageClass: string;
  owner: string;
  /** Object Lock stated by CreateMultipartUpload's headers, given to the version at Complete. */
  retention?: Retention;
  legalHold?: boolean;
  /** Server-side encryption of the parts (and of the object they complete). */
  sse?: SseRecord;
}

export interface PartRecord {
  uploadId: string;
  number: number;
  size: number;
  etag: string; // quoted
  lastModified: number;
  checksum?: string;
  inline?: Uint8Array;
  manifest?: ChunkRef[];
}

/** Conditions checked inside the commit transaction (If-Match / If-None-Match on PUT). */
export interface CompletedUpload {
  uploadId: string; bucket: string; key: string; etag: string; checksum?: ObjectRecord["checksum"]; completed: number;
  /** The version the Complete wrote (absent for uploads completed before it was recorded). */
  versionId?: string;
}

/** A write's precondition, normalised by the S3 layer: a store compares exact ETags only. */
export interface PutCondition {
  /** The current version's ETag must be one of these (as stored, quoted); "*": some version must exist. */
  ifMatch?: "*" | readonly string[];
  /** No version may exist ("*" is the only form S3 allows on writes). */
  ifNoneMatch?: "*";
}

/** A delete's precondition (S3 conditional deletes), normalised by the S3 layer like PutCondition. */
export interface DeleteCondition {
  /** The current version's ETag must be one of these (quoted); "*": it must exist. */
  ifMatch?: "*" | readonly string[];
  /** Its Last-Modified, in whole seconds since the epoch (an HTTP date's precision), must be this. */
  lastModifiedSeconds?: number;
  /** Its size in bytes must be this. */
  size?: number;
  /**
   * Object Lock: a version under legal hold, or retained past `now` (GOVERNANCE unless
   * `bypassGovernance`), is not removed ("AccessDenied"). Not checked when a marker is written.
   */
  lock?: { now: number; bypassGovernance: boolean };
}

/** A write the store may refuse: done, or why not (nothing changed then). */
export type Outcome<Reason extends string> = { ok: true } | { ok: false; reason: Reason };
export const DONE = { ok: true } as const;
export const refused = <Reason extends string>(reason: Reason) => ({ ok: false, reason }) as const;

/** "SlowDown" wherever events are written: a target's queue is full (DESIGN.md: outbox full → 503). */
export type PutResult = Outcome<"NoSuchBucket" | "PreconditionFailed" | "NoSuchUpload" | "InvalidPart" | "ChunkMissing" | "SlowDown">;

/**
 * A notification for one target, written to the outbox in the same transaction as the change
 * it reports (DESIGN.md "Events"): a crash cannot keep one without the other.
 */
export interface EventMessage {
  /** Unique id (random); also the Queue message id's source for idempotent consumers. */
  id: string;
  bucket: string;
  /** Target key `<id>:<type>` (the ARN's last two fields). */
  target: string;
  /** The S3 event record, JSON. */
  record: string;
  created: number;
}

/**
 * An outbox write: the message plus the target's queue limit. A change is refused (SlowDown,
 * nothing changed) when the target already holds `limit` change events; access events never
 * count toward that, and are dropped instead when the target holds `limit` events of any kind.
 */
export interface OutboxEvent extends EventMessage { limit: number }

/** A message leased from the outbox (the durable local queue): its target's head, hidden until the lease ends. */
export interface LeasedEvent extends EventMessage {
  /** Real sends of this message that failed so far (a lease is not an attempt). */
  attempts: number;
  /** Failed sends in a row to its target (the backoff step). */
  targetFailures: number;
}

/** What became of leased messages (settleEvents). */
export interface SettledEvents {
  /** Delivered, or dropped for good: deleted. */
  done: string[];
  /** Sent and refused: one more attempt counted; leased again when their target is due. */
  failed?: string[];
  /** Leased but not sent (their target failed first, or the lease ran short): no attempt counted. */
  released?: string[];
  /** Targets' delivery state after the batch: `failures` failed sends in a row, nothing leased before `retryAt`. */
  targets?: { target: string; failures: number; retryAt: number }[];
}

/**
 * One target's waiting messages, read without leasing (admin topic stats, Ceph's `topic
 * stats`): how many, their record bytes, the oldest's commit time, and how many are leased now
 * (a batch in flight: Ceph's reservations).
 */
export interface OutboxTargetStats { entries: number; size: number; oldest: number | null; leased: number }

/** A waiting message as the admin dump shows it (read-only: leasing it is the queue's business). */
export interface PendingEvent extends EventMessage {
  attempts: number;
  /** Leased until then (epoch ms); 0 or past: not leased. */
  leasedUntil: number;
}

/** A page of one target's waiting messages in commit order; `next` resumes after it (absent: the end). */
export interface PendingPage { events: PendingEvent[]; next?: string }

/** Producer side of the event queue (Cloudflare Queues on Workers). */
export interface EventQueue {
  send(messages: EventMessage[]): Promise<void>;
}

/** Transactional metadata. Every method is one transaction. Values are plain data (RPC-safe). */
export interface MetaStore {
  // buckets
  createBucket(b: BucketRecord): Promise<Outcome<"BucketAlreadyExists">>;
  getBucket(name: string): Promise<BucketRecord | null>;
  listBuckets(): Promise<BucketRecord[]>;
  /** BucketNotEmpty while any object version or delete marker remains (S3); open uploads are aborted. */
  deleteBucket(name: string): Promise<Outcome<"NoSuchBucket" | "BucketNotEmpty">>;
  getBucketConfig(bucket: string, kind: string): Promise<string | null>;
  /** The bucket and all its configurations in one call (the request pipeline's one read); null if missing. */
  getBucketState(name: string): Promise<BucketState | null>;
  putBucketConfig(bucket: string, kind: string, value: string | null): Promise<Outcome<"NoSuchBucket">>;

  // objects and their versions. Each key has at most one current version (an object or a delete
  // marker) and, in versioned buckets, noncurrent ones, newest first; a key with noncurrent
  // versions always has a current one. Every version holds its own chunk references, so
  // versions of the same bytes share chunks and GC frees a chunk only when no version names it.
  /**
   * The current version (`versionId` omitted) or the named one, delete markers included
   * (`deleteMarker: true`: a GET answers 404 / 405 for it); null if there is none.
   */
  getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null>;
  /**
   * Makes `obj` the current version atomically; `session` pins its new chunks until now.
   * `obj.versionId` "null" replaces the key's null version (wherever it is: unversioned and
   * Suspended writes); any other id keeps the previous current version as noncurrent (Enabled).
   * `cond` is checked against the current version (a delete marker counts as none).
   */
  putObject(obj: ObjectRecord, opts: { session?: string; cond?: PutCondition; events?: OutboxEvent[] }): Promise<PutResult>;
  /**
   * `version`: see VersionedDelete; without it the current version is removed (NoSuchKey if none).
   * `events` are recorded only if something was deleted or a marker written; a full outbox keeps
   * the object ("SlowDown"). `cond` is checked against the version removed (the current one when
   * a marker is written): a missing one (or a current delete marker) is NoSuchKey, whatever `cond` says.
   */
  deleteObject(bucket: string, key: string, events?: OutboxEvent[], cond?: DeleteCondition, version?: VersionedDelete): Promise<DeleteResult>;
  /**
   * Of the current version or `versionId`. NoSuchKey when the object (NoSuchVersion: that version)
   * is gone or a delete marker; "SlowDown" when an outbox is full (tags unchanged).
   */
  updateObjectTags(bucket: string, key: string, tags: Record<string, string>, events?: OutboxEvent[], versionId?: string): Promise<Outcome<"NoSuchKey" | "NoSuchVersion" | "SlowDown">>;
  /**
   * Sets a version's Object Lock state in place (the current one without `versionId`):
   * `retention` (null removes it) and/or `legalHold`. With `expect`, only if its retention is
   * still that one (null: none), else "PreconditionFailed": the caller judged the change against
   * it (object-lock-rules.ts). NoSuchKey / NoSuchVersion for a missing version or a delete marker.
   */
  updateObjectLock(
    bucket: string, key: string, versionId: string | undefined, change: { retention?: Retention | null; legalHold?: boolean },
    opts?: { expect?: Retention | null; events?: OutboxEvent[] },
  ): Promise<Outcome<"NoSuchKey" | "NoSuchVersion" | "PreconditionFailed" | "SlowDown">>;
  /** Sets (or, with null, removes) one entry of a version's headers (the current one by default), in place; NoSuchKey when it is gone. */
  updateObjectHeader(bucket: string, key: string, name: string, value: string | null, versionId?: string): Promise<Outcome<"NoSuchKey">>;
  /** Keys with the prefix after `start` (or from it, when inclusive), in UTF-8 byte order; keys whose current version is a delete marker are skipped. */
  listObjects(bucket: string, opts: { prefix: string; start: string; inclusive: boolean; limit: number }): Promise<ObjectSummary[]>;
  /**
   * Every version and delete marker of keys with the prefix, by key (UTF-8 order), newest first
   * within a key, starting after key `start` (from it, when inclusive). With `versionIdMarker`
   * (not inclusive), the listing resumes inside key `start` after that version (ListObjectVersions'
   * key-marker + version-id-marker); an id the key does not have resumes after the whole key.
   */
  listObjectVersions(bucket: string, opts: { prefix: string; start: string; inclusive: boolean; versionIdMarker?: string; limit: number }): Promise<VersionSummary[]>;
  /**
   * Instant upload's lookup: up to `limit` current versions (no delete markers) of the bucket
   * whose verified `content` has this SHA-256 (hex) and whose size is `size`, any order.
   */
  findObjectsByContent(bucket: string, sha256: string, size: number, limit: number): Promise<ObjectRecord[]>;
  /** What the bucket holds now, counted by the store in one read (madmin's DataUsageInfo per bucket). */
  bucketUsage(bucket: string): Promise<BucketUsage>;

  // multipart
  createUpload(u: UploadRecord): Promise<Outcome<"NoSuchBucket">>;
  getUpload(bucket: string, uploadId: string): Promise<UploadRecord | null>;
  // Upload calls name the bucket too, so a store sharded by bucket can route them.
  putPart(bucket: string, p: PartRecord, opts: { session?: string }): Promise<PutResult>;
  listParts(bucket: string, uploadId: string, opts: { after: number; limit: number }): Promise<PartRecord[]>;
  /** Replaces the upload by `obj` in one transaction; parts not listed are released. */
  completeUpload(uploadId: string, obj: ObjectRecord, cond?: PutCondition, events?: OutboxEvent[]): Promise<PutResult>;
  /** An upload completed in the last day (for a retried Complete), or null. */
  getCompletedUpload(bucket: string, uploadId: string): Promise<CompletedUpload | null>;
  abortUpload(bucket: string, uploadId: string): Promise<Outcome<"NoSuchUpload">>;
  /** Uploads with the prefix, by key (UTF-8 order) then upload id, after the pair (keyMarker, uploadIdMarker). */
  listUploads(bucket: string, opts: { prefix: string; keyMarker: string; uploadIdMarker: string; limit: number }): Promise<UploadRecord[]>;

  // chunks (content-addressed dedup with reference counts). Sessions come from newSession(bucket)
  // (store/session.ts); a manifest entry references a chunk only if both its hash and blob id match.
  /** If a chunk with this hash is stored, pins it for `session` and returns its blob id. */
  acquireChunk(session: string, hash: string): Promise<string | null>;
  /**
   * Records that a blob is about to be written under `blobId` for this session, before its
   * content hash is known: if the session ends without registering it (a crash midway, a
   * duplicate), garbage collection deletes the blob.
   */
  intendBlob(session: string, blobId: string): Promise<void>;
  /** Records a freshly written blob; returns the blob id to use (another writer may have won). */
  registerChunk(session: string, hash: string, blobId: string, size: number): Promise<string>;
  /** Drops a session's pins (failed or finished upload). */
  releaseSession(session: string): Promise<void>;
  /**
   * Removes unreferenced, unpinned chunk rows (and intents of ended sessions) and, in the same
   * transaction, records their blob ids as tombstones. Returns up to `limit` tombstoned blob ids,
   * earlier passes' leftovers included: the caller deletes those blobs, then dropTombstones.
   */
  collectGarbage(opts: { staleSessionsBefore: number; limit: number }): Promise<string[]>;
  /** Forgets tombstones of blobs that are deleted now. */
  dropTombstones(blobIds: string[]): Promise<void>;
  /** The subset of `blobIds` no chunk row, intent or tombstone names (orphan blob files). */
  unnamedBlobs(blobIds: string[]): Promise<string[]>;
  /** Number of chunk rows (for tests and metrics). */
  countChunks(): Promise<number>;
  /**
   * Chunk rows with a hash after `after`, in hash order, for whole-store checks (scrub). Fewer
   * than `limit` means the end; a sharded store may return a few more (a hash in several shards).
   */
  listChunks(opts: { after: string; limit: number }): Promise<ChunkRecord[]>;

  // event outbox = the durable local queue (leased and acked rows)
  /** Records access events (not tied to a change; never refused): false when some were dropped because a target's queue is full. */
  appendEvents(bucket: string, events: OutboxEvent[]): Promise<boolean>;
  /**
   * Per target, in commit order: the oldest `perTarget` (default `limit`) messages of each target
   * that is not backing off and has nothing leased, up to `limit` in all, leased for `leaseMs`.
   */
  leaseEvents(opts: {
    now: number; leaseMs: number; limit: number; perTarget?: number;
    /**
     * For a relay to a queue that delivers and settles them itself (Workers' EVENTS Queue, which
     * keeps no order anyway): each target's rows not leased yet, whatever else of it is leased
     * (no head rule, no one-batch-in-flight). SQLite stores (the Durable Object's) only.
     */
    relay?: boolean;
  }): Promise<LeasedEvent[]>;
  /** Deletes delivered (or dropped) messages, releases the others, records the targets' state. */
  settleEvents(bucket: string, settled: SettledEvents): Promise<void>;
  /** Messages waiting per target (for tests and metrics). */
  countEvents(): Promise<Record<string, number>>;
  /** Read-only: per target (or the one `target`), its waiting messages' stats; `now` decides what is leased. */
  statEvents(opts: { now: number; target?: string }): Promise<Record<string, OutboxTargetStats>>;
  /**
   * Read-only: up to `limit` of `target`'s waiting messages in commit order, after the opaque
   * cursor `after` (a previous page's `next`). Bounded: never the whole backlog at once.
   */
  peekEvents(opts: { target: string; limit: number; after?: string }): Promise<PendingPage>;
}
