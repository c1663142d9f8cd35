// Group commit (tx-group.ts) on a real WAL file: transactions begun in one turn share a commit
// (fewer WAL frames than one commit each), a throw undoes only its own changes and reaches only
// its caller, nothing is visible to another connection before the shared COMMIT, and a failure
// that rolls the whole transaction back (a full database) still commits everyone else's work.
import { afterAll, describe, expect, it } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunSqliteDriver } from "../../../../src/runtime/bun/sqlite-driver.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-txgroup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const walFrames = (db: ReturnType<typeof createBunSqliteDriver>) =>
  Number(db.all<{ log: number }>("PRAGMA wal_checkpoint(PASSIVE)")[0]!.log);

const open = (name: string) => {
  const db = createBunSqliteDriver(join(root, name), { fsync: false });
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  return db;
};

describe("Bun SQLite driver: group commit", () => {
  it("commits transactions begun in one turn together: fewer WAL frames than one commit each", async () => {
    const frames: number[] = [];
    for (const together of [false, true]) {
      const db = open(`frames-${together}.sqlite`);
      db.exec("PRAGMA wal_autocheckpoint = 0");
      db.all("PRAGMA wal_checkpoint(TRUNCATE)"); // the next commit writes the WAL's first frame
      if (together) await Promise.all(Array.from({ length: 16 }, (_, i) => db.group!(() => db.run("INSERT INTO t VALUES (?, ?)", [i, new Uint8Array(100)]))));
      else for (let i = 0; i < 16; i++) await db.group!(() => db.run("INSERT INTO t VALUES (?, ?)", [i, new Uint8Array(100)]));
      frames.push(walFrames(db));
      expect(db.all("SELECT COUNT(*) AS n FROM t")[0]!.n).toBe(16);
      await db.close();
    }
    // 16 separate commits write the table's leaf 16 times; one shared commit writes it once.
    expect(frames[0]!).toBeGreaterThanOrEqual(16);
    expect(frames[1]!).toBeLessThanOrEqual(3);
  });

  it("undoes only a failing transaction, rejects only its caller, and shows nothing before the commit", async () => {
    const path = "savepoints.sqlite";
    const db = open(path);
    const other = new Database(join(root, path), { readonly: true });
    const seenInside: number[] = [];
    const results = await Promise.allSettled([
      db.group!(() => { db.run("INSERT INTO t VALUES (1, x'01')"); return "one"; }),
      db.group!(() => { db.run("INSERT INTO t VALUES (2, x'02')"); throw new Error("refused"); }),
      db.group!(() => {
        db.run("INSERT INTO t VALUES (3, x'03')");
        // The first one's row is visible here (same connection, same transaction), not to another connection.
        seenInside.push(...db.all<{ k: number }>("SELECT k FROM t ORDER BY k").map((r) => r.k));
        seenInside.push(-1, ...other.query("SELECT k FROM t ORDER BY k").all().map((r) => (r as { k: number }).k));
        return "three";
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[0] as PromiseFulfilledResult<string>).value).toBe("one");
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toBe("refused");
    expect(seenInside).toEqual([1, 3, -1]);
    expect(other.query("SELECT k FROM t ORDER BY k").all()).toEqual([{ k: 1 }, { k: 3 }]);
    other.close();
    await db.close();
  });

  it("a failure that ends the whole transaction (database full) still commits the others", async () => {
    const db = open("full.sqlite");
    db.run("INSERT INTO t VALUES (0, ?)", [new Uint8Array(100)]);
    const pages = db.all<{ page_count: number }>("PRAGMA page_count")[0]!.page_count;
    db.exec(`PRAGMA max_page_count = ${pages + 2}`);
    const results = await Promise.allSettled([
      db.group!(() => db.run("INSERT INTO t VALUES (1, ?)", [new Uint8Array(10)])),
      db.group!(() => db.run("INSERT INTO t VALUES (2, ?)", [new Uint8Array(1 << 20)])), // needs ~256 pages
      db.group!(() => db.run("INSERT INTO t VALUES (3, ?)", [new Uint8Array(10)])),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/full/i);
    expect(db.all("SELECT k FROM t ORDER BY k")).toEqual([{ k: 0 }, { k: 1 }, { k: 3 }]);
    await db.close();
  });

  it("runs a transaction begun alone at once, in its own commit", async () => {
    const db = open("alone.sqlite");
    expect(await db.group!(() => db.run("INSERT INTO t VALUES (1, x'01')").changes)).toBe(1);
    await expect(db.group!(() => { throw new Error("no"); })).rejects.toThrow("no");
    expect(db.all("SELECT k FROM t")).toEqual([{ k: 1 }]);
    await db.close();
  });
});
