// The Worker's chunk store: its R2 binding, or any S3-compatible upstream when S3EDGE_BLOB_URL is
// set (the same URL and S3EDGE_BLOB_ACCESS_KEY / S3EDGE_BLOB_SECRET_KEY secrets as on Bun,
// docs/scale-out.md), so a Worker can front an existing bucket on AWS, MinIO, Ceph or Garage.
// One store per isolate: the upstream client keeps its connections between requests.
import type { BlobStore } from "../../store/types.ts";
import { blobStoreFromUrl } from "../../store/s3/from-url.ts";
import { createR2BlobStore } from "./r2-blob-store.ts";
import type { WorkersEnv } from "./env.ts";

const stores = new WeakMap<WorkersEnv, BlobStore>();

export function workersBlobStore(env: WorkersEnv): BlobStore {
  let s = stores.get(env);
  if (!s) stores.set(env, (s = blobStoreFromUrl(env as unknown as Record<string, string | undefined>, () => createR2BlobStore(env.CHUNKS))));
  return s;
}
