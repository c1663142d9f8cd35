// A runtime's chunk store from S3EDGE_BLOB_URL: the S3 upstream it names, or the runtime's own
// store when it is unset (the Worker's R2 binding). Throws ConfigError for a bad URL or missing
// credentials, so a misconfigured Worker answers 503 with the reason at start, not at a PUT.
import type { BlobStore } from "../types.ts";
import { parseBlobUrl } from "./url.ts";
import { createS3BlobStore } from "./blob-store.ts";

export function blobStoreFromUrl(vars: Record<string, string | undefined>, own: () => BlobStore): BlobStore {
  const target = parseBlobUrl(vars.S3EDGE_BLOB_URL, vars);
  // No Content-MD5 on the upstream's DeleteObjects (WebCrypto has no MD5): the flexible SHA-256
  // checksum the store always sends satisfies S3 and every S3 server tested here.
  return target.kind === "s3" ? createS3BlobStore(target.options) : own();
}
