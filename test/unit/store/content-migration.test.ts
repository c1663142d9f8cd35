// Instant upload's columns (content_sha256, content_md5) and index are added by column presence
// (schema.ts migrateSchema): a file written before them opens, its objects have no content (not
// findable), new writes are findable, and the lookup uses the index, not a scan of the bucket.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { SCHEMA } from "../../../src/store/sql/schema.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-content-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const SHA = "ab".repeat(32);

describe("content columns migration", () => {
  it("an older file gains the columns and the index; old objects have no content, new ones are found", async () => {
    const path = join(root, "meta.sqlite");
    const old = new Database(path, { create: true });
    // The tables as they were before the content columns: today's SCHEMA has them (new files are
    // made with every column, the inline data last), so they are dropped again.
    old.exec(SCHEMA);
    for (const t of ["objects", "object_versions"]) for (const c of ["content_sha256", "content_md5"]) old.exec(`ALTER TABLE ${t} DROP COLUMN ${c}`);
    old.exec(`INSERT INTO buckets VALUES ('b1', 'o', 'us-east-1', 1);
      INSERT INTO objects (bucket, key, version_id, size, etag, last_modified, headers, tags, storage_class, inline)
      VALUES ('b1', 'old', 'null', 2, '"e"', 1, '{}', '{}', 'STANDARD', X'6869')`);
    expect(old.query("PRAGMA table_info(objects)").all().map((c: any) => c.name)).not.toContain("content_sha256");
    old.close();
    for (let open = 0; open < 2; open++) { // twice: idempotent
      const driver = createBunSqliteDriver(path, { fsync: false });
      const s = createSqlMetaStore(driver, { now: () => 5 });
      expect((await s.getObject("b1", "old"))?.content).toBeUndefined();
      if (open === 0) {
        const base = (await s.getObject("b1", "old"))!;
        expect(await s.putObject({ ...base, key: "new", content: { sha256: SHA, md5: "cd".repeat(16) } }, {})).toEqual({ ok: true });
      }
      expect((await s.findObjectsByContent("b1", SHA, 2, 5)).map((o) => o.key)).toEqual(["new"]);
      const plan = driver.all("EXPLAIN QUERY PLAN SELECT * FROM objects INDEXED BY objects_by_content WHERE bucket = ? AND content_sha256 = ? AND size = ?", ["b1", SHA, 2]);
      expect(String(plan[0].detail)).toContain("objects_by_content");
      for (const t of ["objects", "object_versions"]) {
        expect(driver.all(`PRAGMA table_info(${t})`).map((c) => c.name)).toEqual(expect.arrayContaining(["content_sha256", "content_md5"]));
      }
      driver.close();
    }
  });
});
