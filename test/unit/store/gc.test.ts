// GC deletes chunk rows first, then blobs; pinned (in-flight) chunks are kept until their
// session is released or goes stale.
import { describe, expect, it } from "bun:test";
import { collectGarbage } from "../../../src/store/gc.ts";
import { storeChunk } from "../../../src/s3/ingest.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { randomBytes } from "../helpers/s3.ts";

describe("collectGarbage", () => {
  it("keeps chunks pinned by an in-flight upload session, collects them once released", async () => {
    const { deps, blobs } = memoryDeps();
    const ref = await storeChunk(deps, "session-1", randomBytes(1000, 1));
    expect(blobs.size()).toBe(1);
    expect(await collectGarbage(deps)).toBe(0);
    expect(await blobs.head(ref.blob)).toEqual({ size: 1000 });
    await deps.meta.releaseSession("session-1");
    expect(await collectGarbage(deps)).toBe(1);
    expect(blobs.size()).toBe(0);
    expect(await deps.meta.countChunks()).toBe(0);
  });

  it("treats sessions older than sessionTtlMs as abandoned", async () => {
    const { deps, blobs, setNow } = memoryDeps({ sessionTtlMs: 60_000 });
    const t = deps.clock.now();
    await storeChunk(deps, "crashed", randomBytes(1000, 1));
    setNow(t + 59_000);
    expect(await collectGarbage(deps)).toBe(0);
    setNow(t + 61_000);
    expect(await collectGarbage(deps)).toBe(1);
    expect(blobs.size()).toBe(0);
  });

  it("a chunk acquired by a second session (dedup) stays pinned while either holds it", async () => {
    const { deps, blobs } = memoryDeps();
    const data = randomBytes(2000, 2);
    const a = await storeChunk(deps, "s1", data);
    const b = await storeChunk(deps, "s2", data);
    expect(b.blob).toBe(a.blob);
    expect(blobs.size()).toBe(1);
    await deps.meta.releaseSession("s1");
    expect(await collectGarbage(deps)).toBe(0);
    await deps.meta.releaseSession("s2");
    expect(await collectGarbage(deps)).toBe(1);
  });

  it("collects in batches beyond the 500-row page", async () => {
    const { deps, blobs } = memoryDeps();
    for (let i = 0; i < 1203; i++) await storeChunk(deps, "bulk", randomBytes(16, i + 1));
    await deps.meta.releaseSession("bulk");
    expect(await deps.meta.countChunks()).toBe(1203);
    expect(await collectGarbage(deps)).toBe(1203);
    expect(blobs.size()).toBe(0);
  });
});
