// GC deletes chunk rows and tombstones their blobs in one transaction, deletes the blobs, then
// the tombstones: a crash (or a failing blob store) in between leaves tombstones the next pass
// deletes, never a leaked blob. On the real Bun store (filesystem + SQLite file), and through
// the sharded store.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deps } from "../../../src/deps.ts";
import type { BlobStore } from "../../../src/store/types.ts";
import { collectGarbage } from "../../../src/store/gc.ts";
import { storeChunk } from "../../../src/s3/ingest.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createFsBlobStore } from "../../../src/runtime/bun/fs-blob-store.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { randomBytes } from "../helpers/s3.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-tomb-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Bun's embedded store on disk; `open()` again = the process after a restart. */
function diskStore(name: string) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const drivers: { close(): Promise<void> }[] = [];
  const open = (): Deps => {
    const driver = createBunSqliteDriver(join(dir, "meta.sqlite"), { fsync: false });
    drivers.push(driver);
    const { deps } = memoryDeps();
    return { ...deps, meta: createSqlMetaStore(driver, { now: deps.clock.now }), blobs: createFsBlobStore(join(dir, "chunks"), { fsync: false }) };
  };
  const files = () => readdirSync(join(dir, "chunks")).filter((d) => !d.startsWith(".")).flatMap((d) => readdirSync(join(dir, "chunks", d)));
  return { open, files, close: () => Promise.all(drivers.map((d) => d.close())) };
}

const failingDelete = (blobs: BlobStore): BlobStore => ({ ...blobs, delete: async () => { throw new Error("disk unavailable"); } });

describe("GC tombstones (Bun store on disk)", () => {
  it("a blob delete that fails after the rows are gone is retried by the next pass", async () => {
    const store = diskStore("failing");
    const deps = store.open();
    const ref = await storeChunk(deps, "s1", randomBytes(5000, 1));
    await deps.meta.releaseSession("s1");
    expect(store.files()).toEqual([ref.blob]);
    await expect(collectGarbage({ ...deps, blobs: failingDelete(deps.blobs) })).rejects.toThrow("disk unavailable");
    expect(await deps.meta.countChunks()).toBe(0); // the row went; the tombstone remembers the file
    expect(store.files()).toEqual([ref.blob]);
    expect(await collectGarbage(deps)).toBe(1);
    expect(store.files()).toEqual([]);
    expect(await collectGarbage(deps)).toBe(0); // tombstone cleared
    await store.close();
  });

  it("a crash between the row delete and the unlink (no blob delete at all) is repaired after a restart", async () => {
    const store = diskStore("crash");
    const before = store.open();
    const refs = [];
    for (let i = 0; i < 3; i++) refs.push(await storeChunk(before, "s1", randomBytes(3000, 10 + i)));
    await before.meta.intendBlob("b/s2", "intent-blob");
    await before.blobs.put("intent-blob", randomBytes(10, 7), { size: 10 });
    await before.meta.releaseSession("s1");
    await before.meta.releaseSession("b/s2");
    // The store's half of a GC pass commits; the process dies before deleting any blob.
    expect((await before.meta.collectGarbage({ staleSessionsBefore: 0, limit: 500 })).sort()).toEqual([...refs.map((r) => r.blob), "intent-blob"].sort());
    await store.close();
    const after = store.open();
    expect(await after.meta.countChunks()).toBe(0);
    expect(store.files().length).toBe(4);
    expect(await collectGarbage(after)).toBe(4);
    expect(store.files()).toEqual([]);
    expect(await collectGarbage(after)).toBe(0);
    await store.close();
  });

  it("more leftover tombstones than one page are all retried", async () => {
    const store = diskStore("many");
    const deps = store.open();
    for (let i = 0; i < 620; i++) await storeChunk(deps, "bulk", randomBytes(16, 100 + i));
    await deps.meta.releaseSession("bulk");
    await expect(collectGarbage({ ...deps, blobs: failingDelete(deps.blobs) })).rejects.toThrow();
    expect(await collectGarbage(deps)).toBe(620);
    expect(store.files()).toEqual([]);
    await store.close();
  });
});

describe("GC and the durability barrier", () => {
  it("deletes blobs only after the commit that dropped their rows is flushed", async () => {
    const { deps, blobs } = memoryDeps();
    const ref = await storeChunk(deps, "s1", randomBytes(100, 1));
    await deps.meta.releaseSession("s1");
    const order: string[] = [];
    deps.durable = async () => { order.push(`flush (blob still there: ${(await blobs.head(ref.blob)) !== null})`); };
    expect(await collectGarbage({ ...deps, blobs: { ...blobs, delete: async (k) => { order.push("delete"); await blobs.delete(k); } } })).toBe(1);
    expect(order).toEqual(["flush (blob still there: true)", "delete"]);
  });
});

describe("GC tombstones (sharded MetaStore)", () => {
  it("each shard keeps its tombstones until the blobs are gone", async () => {
    const env = memoryDeps({}, { sharded: true });
    for (const b of ["aaa", "bbb"]) await env.deps.meta.createBucket({ name: b, owner: "o", region: "us-east-1", created: 0 });
    const a = await storeChunk(env.deps, "aaa/s", randomBytes(100, 1));
    const b = await storeChunk(env.deps, "bbb/s", randomBytes(100, 2));
    await env.deps.meta.releaseSession("aaa/s");
    await env.deps.meta.releaseSession("bbb/s");
    await expect(collectGarbage({ ...env.deps, blobs: failingDelete(env.blobs) })).rejects.toThrow();
    expect(env.blobs.size()).toBe(2);
    expect(await collectGarbage(env.deps)).toBe(2);
    expect(await env.blobs.head(a.blob)).toBeNull();
    expect(await env.blobs.head(b.blob)).toBeNull();
    expect(await collectGarbage(env.deps)).toBe(0);
  });
});
