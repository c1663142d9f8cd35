// An embedded store made before the rowid layout (objects WITHOUT ROWID, the data column mid-record,
// later columns appended) works as it is, and `s3edge upgrade-store` rewrites its object tables into
// SCHEMA's layout with every row, version and index intact; a second run has nothing to do.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Database } from "bun:sqlite";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { outdatedObjectTables, upgradeObjectTables } from "../../../src/store/sql/table-layout.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import type { ObjectRecord } from "../../../src/store/types.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-layout-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The two tables as schema version 2 created them (the later columns come from migrateSchema).
const OLD = `
CREATE TABLE objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, last_modified INTEGER NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL,
  checksum TEXT, parts TEXT, storage_class TEXT NOT NULL, inline BLOB, manifest TEXT,
  delete_marker INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE object_versions (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, last_modified INTEGER NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL,
  checksum TEXT, parts TEXT, storage_class TEXT NOT NULL, inline BLOB, manifest TEXT,
  delete_marker INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL, noncurrent_since INTEGER NOT NULL
);`;

const SHA = "cd".repeat(32);
const obj = (key: string, versionId: string, byte: number, extra: Partial<ObjectRecord> = {}): ObjectRecord => ({
  bucket: "b1", key, versionId, size: 4096, etag: `"e${byte}"`, lastModified: 1000 + byte, headers: { "content-type": "text/plain" },
  tags: { t: String(byte) }, storageClass: "STANDARD", inline: new Uint8Array(4096).fill(byte), ...extra,
});

async function contents(dir: string) {
  const driver = createBunSqliteDriver(join(dir, "meta.sqlite"), { fsync: false });
  const s = createSqlMetaStore(driver, { now: () => 5000 });
  const cur = await s.getObject("b1", "k1");
  const versions = await s.listObjectVersions("b1", { prefix: "", start: "", inclusive: false, limit: 100 });
  const found = (await s.findObjectsByContent("b1", SHA, 4096, 5000)).map((o) => o.key);
  const plan = driver.all("EXPLAIN QUERY PLAN SELECT * FROM objects INDEXED BY objects_by_content WHERE bucket = ? AND content_sha256 = ? AND size = ?", ["b1", SHA, 4096]);
  const outdated = outdatedObjectTables(driver);
  await driver.close();
  return {
    current: [cur?.versionId, cur?.inline?.[0], cur?.inline?.length, cur?.tags, cur?.retention, cur?.legalHold],
    versions: versions.map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker]),
    found, indexUsed: String(plan[0]?.detail).includes("objects_by_content"), outdated,
  };
}

describe("object table layout", () => {
  it("an older file works, is upgraded in place with every row and index, and a second run does nothing", async () => {
    const dir = join(root, "data");
    mkdirSync(dir);
    const old = new Database(join(dir, "meta.sqlite"), { create: true });
    old.exec(OLD);
    old.close();
    {
      const driver = createBunSqliteDriver(join(dir, "meta.sqlite"), { fsync: false });
      const s = createSqlMetaStore(driver, { now: () => 5000 });
      await s.createBucket({ name: "b1", owner: "o", region: "us-east-1", created: 1 });
      expect(await s.putObject(obj("k1", "v1aaaaaaaaaaaaaaaa", 1), {})).toEqual({ ok: true });
      expect(await s.putObject(obj("k1", "v2aaaaaaaaaaaaaaaa", 2, {
        retention: { mode: "GOVERNANCE", until: 9_000_000 }, legalHold: true, content: { sha256: SHA, md5: "ab".repeat(16) },
      }), {})).toEqual({ ok: true });
      expect(await s.putObject(obj("k2", "null", 3), {})).toEqual({ ok: true });
      expect((await s.deleteObject("b1", "k2", undefined, undefined, { marker: { versionId: "dm0aaaaaaaaaaaaaaaa", lastModified: 4000 } })).ok).toBe(true);
      await driver.close();
    }
    const before = await contents(dir);
    expect(before.outdated).toEqual(["objects", "object_versions"]);
    expect(before.current).toEqual(["v2aaaaaaaaaaaaaaaa", 2, 4096, { t: "2" }, { mode: "GOVERNANCE", until: 9_000_000 }, true]);
    expect(before.versions).toEqual([
      ["k1", "v2aaaaaaaaaaaaaaaa", true, false], ["k1", "v1aaaaaaaaaaaaaaaa", false, false],
      ["k2", "dm0aaaaaaaaaaaaaaaa", true, true], ["k2", "null", false, false],
    ]);
    expect(before.found).toEqual(["k1"]);

    const cli = resolve(import.meta.dir, "../../../src/cli/main.ts");
    const run = () => Bun.spawnSync([process.execPath, cli, "upgrade-store", "--data", dir], { stdout: "pipe", stderr: "pipe" });
    const first = run();
    expect([first.exitCode, first.stdout.toString()]).toEqual([0, expect.stringContaining("upgraded objects, object_versions")]);
    const after = await contents(dir);
    expect(after).toEqual({ ...before, outdated: [], indexUsed: true });
    const second = run();
    expect([second.exitCode, second.stdout.toString()]).toEqual([0, expect.stringContaining("nothing to do")]);

    // The new layout, as a new file has it: a rowid objects table whose last column is the data.
    const db = new Database(join(dir, "meta.sqlite"));
    const sql = String((db.query("SELECT sql FROM sqlite_master WHERE name = 'objects'").get() as { sql: string }).sql);
    expect(sql).not.toMatch(/WITHOUT ROWID/i);
    db.close();
  });

  it("refuses a directory without a store and unknown arguments (exit 2)", () => {
    const cli = resolve(import.meta.dir, "../../../src/cli/main.ts");
    expect(Bun.spawnSync([process.execPath, cli, "upgrade-store", "--data", join(root, "none")], { stderr: "pipe" }).exitCode).toBe(2);
    expect(Bun.spawnSync([process.execPath, cli, "upgrade-store", "--bogus"], { stderr: "pipe" }).exitCode).toBe(2);
  });
});
