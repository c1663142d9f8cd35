// A data directory written before object versions (schema version 1: objects keyed by bucket and
// key, no delete_marker/seq, no object_versions) opens with today's store: its objects are each
// key's current null version, and versioned writes, markers and listings work on top of them.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-migrate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The objects table and bucket rows exactly as schema version 1 created them.
const V1 = `
CREATE TABLE buckets (name TEXT PRIMARY KEY, owner TEXT NOT NULL, region TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, last_modified INTEGER NOT NULL, headers TEXT NOT NULL, tags TEXT NOT NULL,
  checksum TEXT, parts TEXT, storage_class TEXT NOT NULL, inline BLOB, manifest TEXT,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
INSERT INTO buckets VALUES ('b1', 'o', 'us-east-1', 1);
INSERT INTO objects VALUES ('b1', 'old', 'null', 3, '"e-old"', 1000, '{"content-type":"text/plain"}', '{}', NULL, NULL, 'STANDARD', X'6F6C64', NULL);
`;

describe("schema migration 1 → 2", () => {
  it("keeps version-1 objects as current null versions and versions on top of them", async () => {
    const path = join(root, "meta.sqlite");
    const old = new Database(path, { create: true });
    old.exec(V1);
    old.close();

    for (let open = 0; open < 2; open++) {
      // Opened twice: the migration is idempotent.
      const driver = createBunSqliteDriver(path, { fsync: false });
      const s = createSqlMetaStore(driver, { now: () => 5000 });
      if (open === 0) {
        const cur = await s.getObject("b1", "old");
        expect([cur?.versionId, cur?.deleteMarker, new TextDecoder().decode(cur?.inline)]).toEqual(["null", undefined, "old"]);
        expect((await s.listObjects("b1", { prefix: "", start: "", inclusive: false, limit: 10 })).map((o) => o.key)).toEqual(["old"]);
        const base = { ...cur!, etag: '"e-new"', lastModified: 2000 };
        expect(await s.putObject({ ...base, versionId: "idNew0000000000000000" }, {})).toEqual({ ok: true });
        expect((await s.deleteObject("b1", "old", undefined, undefined, { marker: { versionId: "dm00000000000000000000", lastModified: 3000 } })).ok).toBe(true);
      }
      const rows = await s.listObjectVersions("b1", { prefix: "", start: "", inclusive: false, limit: 10 });
      expect(rows.map((r) => [r.versionId, r.isLatest, r.deleteMarker])).toEqual([
        ["dm00000000000000000000", true, true], ["idNew0000000000000000", false, false], ["null", false, false],
      ]);
      expect(await s.deleteBucket("b1")).toEqual({ ok: false, reason: "BucketNotEmpty" });
      await driver.close();
    }
  });
});
