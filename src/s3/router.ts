// Operations are data (garage router.rs): one row per (method, level, subresource) → op + IAM action.
export type Level = "service" | "bucket" | "object";

export const OPS = [
  "ListBuckets",
  "CreateBucket", "HeadBucket", "DeleteBucket", "GetBucketLocation", "GetBucketVersioning", "GetBucketAcl", "PutBucketAcl",
  "PutBucketVersioning", "ListObjectVersions",
  "GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration",
  "ListObjects", "ListObjectsV2", "ListMultipartUploads", "DeleteObjects",
  "PutObject", "PostObject", "CopyObject", "GetObject", "HeadObject", "DeleteObject", "GetObjectAcl", "PutObjectAcl",
  "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging",
  "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts",
  "GetBucketCors", "PutBucketCors", "DeleteBucketCors", "OptionsObject",
  "GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging",
  "GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption",
  "GetBucketOwnershipControls", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls",
  "GetBucketWebsite", "GetBucketLogging", "GetBucketRequestPayment", "GetBucketAccelerateConfiguration", "GetBucketReplication",
  "GetObjectLockConfiguration", "GetBucketPolicyStatus", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy", "GetPublicAccessBlock", "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration",
  "GetObjectAttributes",
  "DeleteBucketWebsite", "DeleteBucketLifecycle", "DeleteBucketReplication", "DeletePublicAccessBlock", "PutPublicAccessBlock",
  "ListenBucketNotification", "ListenNotification",
  "PutObjectLockConfiguration", "GetObjectRetention", "PutObjectRetention", "GetObjectLegalHold", "PutObjectLegalHold",
  "NotImplemented", "MethodNotAllowed",
] as const;
export type Op = (typeof OPS)[number];

/**
 * `public: "preflight"`: a CORS preflight, which browsers send without credentials (Fetch
 * standard); the pipeline answers it without authentication or authorization, from the
 * bucket's CORS rules alone, as S3 does. It matches whatever subresource the URL names.
 * `public: "form"`: POST Object, signed in its form fields, not its headers; the handler
 * verifies the form and asks for the row's action itself (post-object.ts).
 * `contentType`: the row matches only that media type (POST Object is a multipart/form-data POST).
 */
interface Row {
  method: string; level: Level; sub?: string; header?: string; contentType?: string; op: Op; action: string; public?: "preflight" | "form";
}

// Order matters: the first row whose subresource (query key) and header match wins.
const ROUTES: Row[] = [
  // mc watch (MinIO's listen APIs): `events` selects them before the listings (listen-handler.ts).
  { method: "GET", level: "service", sub: "events", op: "ListenNotification", action: "s3:ListenNotification" },
  { method: "GET", level: "service", op: "ListBuckets", action: "s3:ListAllMyBuckets" },

  { method: "GET", level: "bucket", sub: "location", op: "GetBucketLocation", action: "s3:GetBucketLocation" },
  { method: "GET", level: "bucket", sub: "versioning", op: "GetBucketVersioning", action: "s3:GetBucketVersioning" },
  { method: "PUT", level: "bucket", sub: "versioning", op: "PutBucketVersioning", action: "s3:PutBucketVersioning" },
  { method: "GET", level: "bucket", sub: "versions", op: "ListObjectVersions", action: "s3:ListBucketVersions" },
  { method: "GET", level: "bucket", sub: "acl", op: "GetBucketAcl", action: "s3:GetBucketAcl" },
  { method: "PUT", level: "bucket", sub: "acl", op: "PutBucketAcl", action: "s3:PutBucketAcl" },
  { method: "GET", level: "bucket", sub: "notification", op: "GetBucketNotificationConfiguration", action: "s3:GetBucketNotification" },
  { method: "PUT", level: "bucket", sub: "notification", op: "PutBucketNotificationConfiguration", action: "s3:PutBucketNotification" },
  // Bucket configurations tools probe (bucket-tagging.ts, bucket-configs.ts). Deleting needs the
  // Put action, as in S3. PUTs of website, logging and replication
  // have no row: they stay NotImplemented, never accepted and ignored.
  { method: "GET", level: "bucket", sub: "tagging", op: "GetBucketTagging", action: "s3:GetBucketTagging" },
  { method: "PUT", level: "bucket", sub: "tagging", op: "PutBucketTagging", action: "s3:PutBucketTagging" },
  { method: "DELETE", level: "bucket", sub: "tagging", op: "DeleteBucketTagging", action: "s3:PutBucketTagging" },
  { method: "GET", level: "bucket", sub: "encryption", op: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration" },
  { method: "PUT", level: "bucket", sub: "encryption", op: "PutBucketEncryption", action: "s3:PutEncryptionConfiguration" },
  { method: "DELETE", level: "bucket", sub: "encryption", op: "DeleteBucketEncryption", action: "s3:PutEncryptionConfiguration" },
  { method: "GET", level: "bucket", sub: "ownershipControls", op: "GetBucketOwnershipControls", action: "s3:GetBucketOwnershipControls" },
  { method: "PUT", level: "bucket", sub: "ownershipControls", op: "PutBucketOwnershipControls", action: "s3:PutBucketOwnershipControls" },
  { method: "DELETE", level: "bucket", sub: "ownershipControls", op: "DeleteBucketOwnershipControls", action: "s3:PutBucketOwnershipControls" },
  { method: "GET", level: "bucket", sub: "website", op: "GetBucketWebsite", action: "s3:GetBucketWebsite" },
  { method: "GET", level: "bucket", sub: "logging", op: "GetBucketLogging", action: "s3:GetBucketLogging" },
  { method: "GET", level: "bucket", sub: "requestPayment", op: "GetBucketRequestPayment", action: "s3:GetBucketRequestPayment" },
  { method: "GET", level: "bucket", sub: "accelerate", op: "GetBucketAccelerateConfiguration", action: "s3:GetAccelerateConfiguration" },
  { method: "GET", level: "bucket", sub: "replication", op: "GetBucketReplication", action: "s3:GetReplicationConfiguration" },
  { method: "GET", level: "bucket", sub: "object-lock", op: "GetObjectLockConfiguration", action: "s3:GetBucketObjectLockConfiguration" },
  // Object Lock (object-lock.ts); S3 has no DeleteObjectLockConfiguration: lock cannot be turned off.
  { method: "PUT", level: "bucket", sub: "object-lock", op: "PutObjectLockConfiguration", action: "s3:PutBucketObjectLockConfiguration" },
  { method: "GET", level: "bucket", sub: "policyStatus", op: "GetBucketPolicyStatus", action: "s3:GetBucketPolicyStatus" },
  // Bucket policies (bucket-policy.ts); S3 has a DeleteBucketPolicy action of its own.
  { method: "GET", level: "bucket", sub: "policy", op: "GetBucketPolicy", action: "s3:GetBucketPolicy" },
  { method: "PUT", level: "bucket", sub: "policy", op: "PutBucketPolicy", action: "s3:PutBucketPolicy" },
  { method: "DELETE", level: "bucket", sub: "policy", op: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy" },
  { method: "GET", level: "bucket", sub: "publicAccessBlock", op: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock" },
  { method: "PUT", level: "bucket", sub: "publicAccessBlock", op: "PutPublicAccessBlock", action: "s3:PutBucketPublicAccessBlock" },
  { method: "DELETE", level: "bucket", sub: "publicAccessBlock", op: "DeletePublicAccessBlock", action: "s3:PutBucketPublicAccessBlock" },
  // Lifecycle rules are stored and applied by the background sweep (lifecycle-handlers.ts).
  { method: "GET", level: "bucket", sub: "lifecycle", op: "GetBucketLifecycleConfiguration", action: "s3:GetLifecycleConfiguration" },
  { method: "PUT", level: "bucket", sub: "lifecycle", op: "PutBucketLifecycleConfiguration", action: "s3:PutLifecycleConfiguration" },
  { method: "DELETE", level: "bucket", sub: "lifecycle", op: "DeleteBucketLifecycle", action: "s3:PutLifecycleConfiguration" },
  // Nothing of these is ever stored (no PUT row), so deleting is the 204 S3 gives when none is set.
  { method: "DELETE", level: "bucket", sub: "website", op: "DeleteBucketWebsite", action: "s3:DeleteBucketWebsite" },
  { method: "DELETE", level: "bucket", sub: "replication", op: "DeleteBucketReplication", action: "s3:PutReplicationConfiguration" },
  { method: "GET", level: "bucket", sub: "cors", op: "GetBucketCors", action: "s3:GetBucketCORS" },
  { method: "PUT", level: "bucket", sub: "cors", op: "PutBucketCors", action: "s3:PutBucketCORS" },
  // S3 has no separate action for deleting: DeleteBucketCors needs s3:PutBucketCORS.
  { method: "DELETE", level: "bucket", sub: "cors", op: "DeleteBucketCors", action: "s3:PutBucketCORS" },
  { method: "GET", level: "bucket", sub: "uploads", op: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads" },
  { method: "GET", level: "bucket", sub: "events", op: "ListenBucketNotification", action: "s3:ListenBucketNotification" },
  { method: "GET", level: "bucket", sub: "list-type", op: "ListObjectsV2", action: "s3:ListBucket" },
  { method: "GET", level: "bucket", op: "ListObjects", action: "s3:ListBucket" },
  { method: "HEAD", level: "bucket", op: "HeadBucket", action: "s3:ListBucket" },
  { method: "PUT", level: "bucket", op: "CreateBucket", action: "s3:CreateBucket" },
  { method: "DELETE", level: "bucket", op: "DeleteBucket", action: "s3:DeleteBucket" },
  { method: "POST", level: "bucket", sub: "delete", op: "DeleteObjects", action: "s3:DeleteObject" },
  { method: "POST", level: "bucket", contentType: "multipart/form-data", op: "PostObject", action: "s3:PutObject", public: "form" },
  { method: "OPTIONS", level: "bucket", op: "OptionsObject", action: "", public: "preflight" },

  { method: "GET", level: "object", sub: "tagging", op: "GetObjectTagging", action: "s3:GetObjectTagging" },
  { method: "PUT", level: "object", sub: "tagging", op: "PutObjectTagging", action: "s3:PutObjectTagging" },
  { method: "DELETE", level: "object", sub: "tagging", op: "DeleteObjectTagging", action: "s3:DeleteObjectTagging" },
  { method: "GET", level: "object", sub: "acl", op: "GetObjectAcl", action: "s3:GetObjectAcl" },
  { method: "PUT", level: "object", sub: "acl", op: "PutObjectAcl", action: "s3:PutObjectAcl" },
  { method: "GET", level: "object", sub: "attributes", op: "GetObjectAttributes", action: "s3:GetObjectAttributes" },
  { method: "GET", level: "object", sub: "retention", op: "GetObjectRetention", action: "s3:GetObjectRetention" },
  { method: "PUT", level: "object", sub: "retention", op: "PutObjectRetention", action: "s3:PutObjectRetention" },
  { method: "GET", level: "object", sub: "legal-hold", op: "GetObjectLegalHold", action: "s3:GetObjectLegalHold" },
  { method: "PUT", level: "object", sub: "legal-hold", op: "PutObjectLegalHold", action: "s3:PutObjectLegalHold" },
  { method: "GET", level: "object", sub: "uploadId", op: "ListParts", action: "s3:ListMultipartUploadParts" },
  { method: "POST", level: "object", sub: "uploads", op: "CreateMultipartUpload", action: "s3:PutObject" },
  { method: "POST", level: "object", sub: "uploadId", op: "CompleteMultipartUpload", action: "s3:PutObject" },
  { method: "DELETE", level: "object", sub: "uploadId", op: "AbortMultipartUpload", action: "s3:AbortMultipartUpload" },
  { method: "PUT", level: "object", sub: "uploadId", header: "x-amz-copy-source", op: "UploadPartCopy", action: "s3:PutObject" },
  { method: "PUT", level: "object", sub: "uploadId", op: "UploadPart", action: "s3:PutObject" },
  { method: "PUT", level: "object", header: "x-amz-copy-source", op: "CopyObject", action: "s3:PutObject" },
  { method: "PUT", level: "object", op: "PutObject", action: "s3:PutObject" },
  { method: "GET", level: "object", op: "GetObject", action: "s3:GetObject" },
  { method: "HEAD", level: "object", op: "HeadObject", action: "s3:GetObject" },
  { method: "DELETE", level: "object", op: "DeleteObject", action: "s3:DeleteObject" },
  { method: "OPTIONS", level: "object", op: "OptionsObject", action: "", public: "preflight" },
];

/**
 * Subresources that must never fall through to a plain GET/PUT of the bucket or object: those
 * of APIs this gateway does not (yet) serve, and those it serves for some methods only (PUT
 * ?website, a bucket-level ?attributes, …), which answer NotImplemented.
 */
const UNSUPPORTED_SUBRESOURCES = [
  "accelerate", "analytics", "attributes", "cors", "encryption", "intelligent-tiering", "inventory", "legal-hold",
  "lifecycle", "logging", "metadataTable", "metrics", "notification", "object-lock", "ownershipControls", "policy",
  "policyStatus", "publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select", "torrent",
  "versions", "website", "versioning", "acl", "tagging", "location", "uploads", "delete",
];

export interface Route { op: Op; action: string; public?: "preflight" | "form" }

/** Valueless query keys a plain op carries (`?versionId` alone is not a subresource, `?x-id=…` has a value). */
const PLAIN_FLAGS = new Set(["versionId", "list-type", "fetch-owner", "encoding-type"]);

/**
 * A subresource the table does not know: a query key without a value (`?events`, `?foo`), as
 * S3 subresources are written. Parameters with values are ignored, as S3 ignores them.
 */
const ROUTED_SUBS: ReadonlySet<string> = new Set(ROUTES.flatMap((r) => (r.sub ? [r.sub] : [])));

function unknownSubresource(query: URLSearchParams, rawQuery: string): boolean {
  if (!rawQuery) return false;
  for (const part of rawQuery.replace(/^\?/, "").split("&")) {
    if (!part || part.includes("=")) continue;
    const k = decodeURIComponentSafe(part);
    if (!PLAIN_FLAGS.has(k) && !ROUTED_SUBS.has(k)) return true;
  }
  return query.has("events"); // mc watch: ?events=s3:ObjectCreated:*&prefix=…
}

const decodeURIComponentSafe = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };

/** A request naming ?versionId acts on that version: S3 asks for the *Version action instead. */
const VERSION_ACTIONS: Record<string, string> = {
  "s3:GetObject": "s3:GetObjectVersion", "s3:DeleteObject": "s3:DeleteObjectVersion",
  "s3:GetObjectTagging": "s3:GetObjectVersionTagging", "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
  "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging", "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
  "s3:PutObjectAcl": "s3:PutObjectVersionAcl", "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
};

export function route(method: string, level: Level, query: URLSearchParams, headers: Headers, rawQuery = ""): Route {
  const r = matchRoute(method, level, query, headers, rawQuery);
  const versioned = level === "object" && query.has("versionId") ? VERSION_ACTIONS[r.action] : undefined;
  return versioned ? { ...r, action: versioned } : r;
}

function matchRoute(method: string, level: Level, query: URLSearchParams, headers: Headers, rawQuery: string): Route {
  const unknown = unknownSubresource(query, rawQuery);
  for (const r of ROUTES) {
    if (r.method !== method || r.level !== level) continue;
    if (r.sub && !query.has(r.sub)) continue;
    if (r.header && !headers.has(r.header)) continue;
    if (r.contentType && (headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase() !== r.contentType) continue;
    // A plain-op row must not swallow a request that names another subresource.
    if (!r.sub && r.public !== "preflight" && (unknown || UNSUPPORTED_SUBRESOURCES.some((s) => query.has(s)))) break;
    return r.public ? { op: r.op, action: r.action, public: r.public } : { op: r.op, action: r.action };
  }
  const named = unknown || UNSUPPORTED_SUBRESOURCES.some((s) => query.has(s)) || query.has("uploadId");
  const known = ROUTES.some((r) => r.method === method && r.level === level);
  return { op: named || (known && method === "POST") ? "NotImplemented" : "MethodNotAllowed", action: "s3:*" };
}
