// S3's `x-amz-expiration` answer header (PUT, GET, HEAD, Complete): when a lifecycle Expiration
// rule of the bucket will expire the current version, and which rule. Read from the bucket
// state the pipeline already holds; nothing is read for a bucket without lifecycle rules.
import type { ReqCtx } from "./context.ts";
import type { ObjectRecord } from "../store/types.ts";
import { readLifecycleConfig } from "./lifecycle-config.ts";
import { expirationHeader, LIFECYCLE_CONFIG } from "./lifecycle-rules.ts";

/**
 * For the current version `obj` (a GET naming an older version by id gets none: Expiration
 * applies to current versions, and noncurrent expiry is not announced here).
 */
export function expirationHeaders(ctx: ReqCtx, obj: Pick<ObjectRecord, "key" | "size" | "tags" | "lastModified">, namedVersion?: string): Record<string, string> {
  const raw = ctx.bucketState?.configs[LIFECYCLE_CONFIG];
  if (!raw || namedVersion !== undefined) return {};
  const config = readLifecycleConfig(raw);
  const value = config && expirationHeader(config.rules.filter((r) => r.enabled), obj);
  return value ? { "x-amz-expiration": value } : {};
}
