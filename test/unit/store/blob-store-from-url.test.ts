// blobStoreFromUrl (what the Worker keeps its chunks in): the runtime's own store by default, an
// S3 upstream with S3EDGE_BLOB_URL, a bad URL a ConfigError (the Worker answers 503 with it).
// The upstream round trip itself runs on workerd: test/workers/s3-upstream-blobs.test.ts.
import { describe, expect, it } from "bun:test";
import { blobStoreFromUrl } from "../../../src/store/s3/from-url.ts";
import { createMemoryBlobStore } from "../../../src/store/memory/blob-store.ts";
import { ConfigError } from "../../../src/config-error.ts";

describe("blobStoreFromUrl", () => {
  it("the runtime's own store without S3EDGE_BLOB_URL, an S3 upstream (one that probes) with it", () => {
    const own = createMemoryBlobStore();
    expect(blobStoreFromUrl({}, () => own)).toBe(own);
    expect(blobStoreFromUrl({ S3EDGE_BLOB_URL: "" }, () => own)).toBe(own);
    const s3 = blobStoreFromUrl({ S3EDGE_BLOB_URL: "s3+https://s3.example.com/chunks/edge", S3EDGE_BLOB_ACCESS_KEY: "ak", S3EDGE_BLOB_SECRET_KEY: "sk" }, () => own);
    expect(s3).not.toBe(own);
    expect(typeof (s3 as { probe?: unknown }).probe).toBe("function");
  });

  it("a bad blob URL or missing credentials is a ConfigError naming the variable", () => {
    for (const [vars, text] of [
      [{ S3EDGE_BLOB_URL: "s3+http://127.0.0.1:9/chunks" }, "S3EDGE_BLOB_ACCESS_KEY and S3EDGE_BLOB_SECRET_KEY must be set"],
      [{ S3EDGE_BLOB_URL: "ftp://x/y", S3EDGE_BLOB_ACCESS_KEY: "a", S3EDGE_BLOB_SECRET_KEY: "b" }, "unsupported scheme ftp"],
      [{ S3EDGE_BLOB_URL: "s3+https://h/UPPER", S3EDGE_BLOB_ACCESS_KEY: "a", S3EDGE_BLOB_SECRET_KEY: "b" }, "invalid bucket name"],
    ] as const) {
      let err: unknown;
      try { blobStoreFromUrl(vars, () => createMemoryBlobStore()); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain("S3EDGE_BLOB_URL");
      expect((err as Error).message).toContain(text);
    }
  });
});
