// A manifest references a chunk only where both its hash and its blob id match: a manifest
// copied from another store (a bucket shard on Workers) must not borrow that store's blob.
import { describe, expect, it } from "bun:test";
import { storeChunk } from "../../../src/s3/ingest.ts";
import { newSession, sessionBucket } from "../../../src/store/session.ts";
import type { ObjectRecord } from "../../../src/store/types.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { randomBytes } from "../helpers/s3.ts";

const obj = (bucket: string, key: string, manifest: ObjectRecord["manifest"]): ObjectRecord => ({
  bucket, key, versionId: "null", size: 1000, etag: '"x"', lastModified: 0, headers: {}, tags: {}, storageClass: "STANDARD", manifest,
});

describe("chunk references", () => {
  it("putObject refuses a manifest whose blob id differs from the stored chunk's (ChunkMissing), accepts the right one", async () => {
    const { deps } = memoryDeps();
    await deps.meta.createBucket({ name: "b", owner: "o", region: "us-east-1", created: 0 });
    const session = newSession("b");
    const ref = await storeChunk(deps, session, randomBytes(1000, 7));
    expect(await deps.meta.putObject(obj("b", "k1", [{ ...ref, blob: "someone-elses-blob" }]), { session }))
      .toEqual({ ok: false, reason: "ChunkMissing" });
    expect(await deps.meta.getObject("b", "k1")).toBeNull();
    expect(await deps.meta.putObject(obj("b", "k1", [ref]), { session })).toEqual({ ok: true });
    expect((await deps.meta.getObject("b", "k1"))?.manifest).toEqual([ref]);
  });

  it("session ids name their bucket", () => {
    const s = newSession("photos");
    expect(s.startsWith("photos/")).toBe(true);
    expect(sessionBucket(s)).toBe("photos");
    expect(newSession("photos")).not.toBe(s);
    expect(sessionBucket("opaque")).toBe("");
  });
});
