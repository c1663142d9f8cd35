// After a crash, a Bun gateway's next start collects at once what the dead process left midway
// (its upload sessions with their pins, blob intents, temp files) and sweeps blob files that no
// record names; committed objects and this process's own uploads are kept.
import { afterAll, describe, expect, it } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../../src/app.ts";
import { createBunDeps } from "../../../../src/runtime/bun/deps.ts";
import { createFsBlobStore } from "../../../../src/runtime/bun/fs-blob-store.ts";
import { createBunSqliteDriver } from "../../../../src/runtime/bun/sqlite-driver.ts";
import { createSqlMetaStore } from "../../../../src/store/sql/meta-store.ts";
import { storeChunk } from "../../../../src/s3/ingest.ts";
import { md5Hex, MiB, randomBytes, s3 } from "../../helpers/s3.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const silent = { info() {}, warn() {}, error() {} };
const DAY = 24 * 3600 * 1000;

function gateway(dataDir: string, gcIntervalMs = 60_000) {
  const deps = createBunDeps({
    dataDir, md5Workers: 0, log: silent, gcIntervalMs,
    config: { rootUser: "AKIDTEST", rootPassword: "secretsecret", chunkSize: MiB },
  });
  return { deps, c: s3({ deps, app: createApp(deps) } as unknown as Parameters<typeof s3>[0]) };
}

const age = (path: string, ms: number) => { const t = new Date(Date.now() - ms); utimesSync(path, t, t); };
const blobPath = (dataDir: string, key: string) => join(dataDir, "chunks", key.slice(0, 2), key);

async function until(cond: () => boolean | Promise<boolean>, ms = 5000) {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(10)) if (await cond()) return;
  throw new Error("timed out");
}

describe("start-up cleanup (Bun)", () => {
  it("collects the previous process's sessions, pins, intents and temp files at once, keeps committed data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "s3edge-boot-"));
    dirs.push(dataDir);
    const first = gateway(dataDir);
    await first.c.createBucket("bkt");
    const data = randomBytes(2 * MiB + 5, 1);
    expect((await first.c.put("bkt", "kept", data)).status).toBe(200);
    // Midway when the process "dies": a chunk stored and pinned, a blob intended and written.
    const pinned = await storeChunk(first.deps, "bkt/upload-1", randomBytes(5000, 2));
    await first.deps.meta.intendBlob("bkt/upload-2", "unregistered-blob");
    await first.deps.blobs.put("unregistered-blob", randomBytes(100, 3), { size: 100 });
    writeFileSync(join(dataDir, "chunks", ".tmp", "cut-off-put.1234"), "partial");
    const chunksBefore = await first.deps.meta.countChunks();
    await first.deps.close();
    await Bun.sleep(30);

    const second = gateway(dataDir);
    try {
      await until(() => !existsSync(blobPath(dataDir, pinned.blob)) && !existsSync(blobPath(dataDir, "unregistered-blob"))
        && readdirSync(join(dataDir, "chunks", ".tmp")).length === 0);
      expect(await second.deps.meta.countChunks()).toBe(chunksBefore - 1);
      expect(md5Hex(await second.c.bytes("bkt", "kept"))).toBe(md5Hex(data));
    } finally {
      await second.deps.close();
    }
  });

  it("keeps the uploads of the running process (its sessions are not stale)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "s3edge-boot-"));
    dirs.push(dataDir);
    const g = gateway(dataDir, 10);
    try {
      await g.c.createBucket("bkt");
      const live = await storeChunk(g.deps, "bkt/live", randomBytes(4000, 4));
      await Bun.sleep(100); // several GC passes
      expect(existsSync(blobPath(dataDir, live.blob))).toBe(true);
      await g.deps.meta.releaseSession("bkt/live");
      await until(() => !existsSync(blobPath(dataDir, live.blob)));
    } finally {
      await g.deps.close();
    }
  });

  // A blob is named (its intent committed) before its first byte, so at start any unnamed file
  // written before it is garbage: one left by a delete a power cut undid (old), or a blob whose
  // intent a power cut lost (a minute old) — no 24 h wait.
  it.each([["two days", 2 * DAY], ["a minute", 60_000]])("sweeps on start an unnamed blob file last written %s before it", async (_n, ms) => {
    const dataDir = mkdtempSync(join(tmpdir(), "s3edge-boot-"));
    dirs.push(dataDir);
    mkdirSync(join(dataDir, "chunks", "or"), { recursive: true });
    writeFileSync(blobPath(dataDir, "orphan-file"), "no record names it");
    age(blobPath(dataDir, "orphan-file"), ms);
    const g = gateway(dataDir);
    try {
      await until(() => !existsSync(blobPath(dataDir, "orphan-file")));
    } finally {
      await g.deps.close();
    }
  });
});

describe("fs BlobStore: sweepOrphans", () => {
  it("removes an old unnamed file; keeps young ones and those a chunk row, intent or tombstone names", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "s3edge-orphans-"));
    dirs.push(dataDir);
    const driver = createBunSqliteDriver(join(dataDir, "meta.sqlite"), { fsync: false });
    const meta = createSqlMetaStore(driver, { now: () => Date.now() });
    const blobs = createFsBlobStore(join(dataDir, "chunks"));
    const put = async (key: string) => { await blobs.put(key, randomBytes(10, 9), { size: 10 }); age(blobPath(dataDir, key), 2 * DAY); };
    await put("old-unnamed");
    await put("old-chunk");
    await meta.registerChunk("b/s", "a".repeat(64), "old-chunk", 10);
    await put("old-intent");
    await meta.intendBlob("b/s", "old-intent");
    await put("old-tombstone");
    await meta.intendBlob("b/gone", "old-tombstone");
    await meta.releaseSession("b/gone");
    expect(await meta.collectGarbage({ staleSessionsBefore: 0, limit: 500 })).toEqual(["old-tombstone"]); // not deleted yet
    await blobs.put("young-unnamed", randomBytes(10, 9), { size: 10 });

    expect(await blobs.sweepOrphans(Date.now() - DAY, (keys) => meta.unnamedBlobs(keys))).toBe(1);
    const left = (await blobs.list()).keys.sort();
    expect(left).toEqual(["old-chunk", "old-intent", "old-tombstone", "young-unnamed"]);
    await driver.close();
  });
});
