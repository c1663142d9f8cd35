// S3 event names a notification configuration may name (specs/minio-admin.md §10.3).
const FAMILIES: Record<string, string[]> = {
  "s3:ObjectCreated": ["Put", "Post", "Copy", "CompleteMultipartUpload", "PutRetention", "PutLegalHold", "PutTagging", "DeleteTagging"],
  "s3:ObjectRemoved": ["Delete", "DeleteMarkerCreated"],
  "s3:ObjectAccessed": ["Get", "Head", "GetRetention", "GetLegalHold"],
  "s3:Replication": ["OperationFailedReplication", "OperationCompletedReplication", "OperationMissedThreshold", "OperationReplicatedAfterThreshold", "OperationNotTracked"],
  "s3:ObjectRestore": ["Post", "Completed"],
  "s3:ObjectTransition": ["Failed", "Complete"],
  "s3:BucketCreated": [],
  "s3:BucketRemoved": [],
  // AWS's names for lifecycle removals (s3/lifecycle-sweep.ts sends them beside MinIO's ObjectRemoved).
  "s3:LifecycleExpiration": ["Delete", "DeleteMarkerCreated"],
};

/** What this gateway emits today. */
export type EventName =
  | "s3:ObjectCreated:Put" | "s3:ObjectCreated:Post" | "s3:ObjectCreated:Copy" | "s3:ObjectCreated:CompleteMultipartUpload"
  | "s3:ObjectCreated:PutTagging" | "s3:ObjectCreated:DeleteTagging"
  /** Object Lock's (s3/object-lock.ts), as MinIO names them. */
  | "s3:ObjectCreated:PutRetention" | "s3:ObjectCreated:PutLegalHold" | "s3:ObjectAccessed:GetRetention" | "s3:ObjectAccessed:GetLegalHold"
  | "s3:ObjectRemoved:Delete" | "s3:ObjectAccessed:Get" | "s3:ObjectAccessed:Head"
  /** The lifecycle sweep's (s3/lifecycle-sweep.ts). */
  | "s3:ObjectRemoved:DeleteMarkerCreated" | "s3:LifecycleExpiration:Delete" | "s3:LifecycleExpiration:DeleteMarkerCreated"
  /** MinIO sends these to listen streams only (a bucket being created or removed has no rules). */
  | "s3:BucketCreated:*" | "s3:BucketRemoved:*";

export function isKnownEventName(name: string): boolean {
  const i = name.lastIndexOf(":");
  if (i < 0) return false;
  const family = FAMILIES[name.slice(0, i)];
  const member = name.slice(i + 1);
  return family !== undefined && (member === "*" || family.includes(member));
}

/** Does a configured name (possibly a `:*` wildcard) cover an emitted one? */
export function eventMatches(configured: string, name: string): boolean {
  return configured.endsWith(":*") ? name.startsWith(configured.slice(0, -1)) : configured === name;
}
