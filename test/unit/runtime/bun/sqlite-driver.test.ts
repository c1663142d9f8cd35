// The Bun SQLite driver's durability barrier, on a real file: durable() fdatasyncs the WAL file
// SQLite writes (the same inode), shared by commits in flight, and follows the WAL when its file
// is replaced.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunSqliteDriver } from "../../../../src/runtime/bun/sqlite-driver.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-sqlite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The real fdatasync, recording the inode of each file it flushed. */
function observedSync() {
  const inodes: number[] = [];
  return {
    inodes,
    syncWal: async (fh: FileHandle) => {
      inodes.push((await fh.stat()).ino);
      await fh.datasync();
    },
  };
}

describe("Bun SQLite driver: durable()", () => {
  it("fdatasyncs the WAL file itself, once for commits that wait together", async () => {
    const path = join(root, "a.sqlite");
    const obs = observedSync();
    const db = createBunSqliteDriver(path, { syncWal: obs.syncWal });
    db.exec("CREATE TABLE t (x INTEGER)");
    await db.durable!();
    const first = obs.inodes.length;
    expect(first).toBe(1);
    expect(obs.inodes[0]).toBe(statSync(`${path}-wal`).ino);
    const waits = [];
    for (let i = 0; i < 16; i++) {
      db.run("INSERT INTO t VALUES (?)", [i]);
      waits.push(db.durable!());
    }
    await Promise.all(waits);
    // The first waiter starts a flush; the 15 who committed while it ran share one more.
    expect(obs.inodes.length - first).toBeLessThanOrEqual(2);
    expect(obs.inodes.length - first).toBeGreaterThanOrEqual(1);
    await db.durable!(); // nothing new: no flush
    expect(obs.inodes.length - first).toBeLessThanOrEqual(2);
    await db.close();
  });

  it("keeps flushing the WAL in use across a checkpoint and after the file is replaced", async () => {
    const path = join(root, "b.sqlite");
    const obs = observedSync();
    const db = createBunSqliteDriver(path, { syncWal: obs.syncWal });
    db.exec("CREATE TABLE t (x BLOB)");
    db.run("INSERT INTO t VALUES (?)", [new Uint8Array(1000)]);
    await db.durable!();
    const before = statSync(`${path}-wal`).ino;
    // A checkpoint rewinds the WAL in place (same file)…
    db.all("PRAGMA wal_checkpoint(TRUNCATE)");
    db.run("INSERT INTO t VALUES (?)", [new Uint8Array(1000)]);
    await db.durable!();
    expect(statSync(`${path}-wal`).ino).toBe(before);
    // …a journal-mode round trip deletes it and SQLite creates another: the barrier follows.
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec("PRAGMA journal_mode = WAL");
    db.run("INSERT INTO t VALUES (?)", [new Uint8Array(1000)]);
    await db.durable!();
    const after = statSync(`${path}-wal`).ino;
    expect(obs.inodes.at(-1)).toBe(after);
    expect(obs.inodes.every((ino) => ino === before || ino === after)).toBe(true);
    await db.close();
  });

  it("has no barrier with fsync off or in memory", async () => {
    const off = createBunSqliteDriver(join(root, "c.sqlite"), { fsync: false });
    expect(off.durable).toBeUndefined();
    await off.close();
    expect(createBunSqliteDriver(":memory:").durable).toBeUndefined();
  });
});

describe("Bun SQLite driver: checkpoints", () => {
  it("lets the WAL grow past SQLite's default 1000 pages before a checkpoint, and a reopen reads it all", async () => {
    const path = join(root, "ckpt.sqlite");
    const db = createBunSqliteDriver(path, { fsync: false });
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    const blob = new Uint8Array(3000).fill(1);
    // ~1 page per row: 2000 commits are twice the default threshold, half of ours.
    for (let i = 0; i < 2000; i++) db.run("INSERT INTO t (b) VALUES (?)", [blob]);
    const frames = (statSync(`${path}-wal`).size - 32) / (4096 + 24);
    expect(frames).toBeGreaterThan(1500);
    expect(frames).toBeLessThan(4100);
    await db.close();
    const again = createBunSqliteDriver(path, { fsync: false });
    expect(again.all("SELECT count(*) AS n FROM t")[0]!.n).toBe(2000);
    await again.close();
  });
});

describe("Bun SQLite driver: checkpoint thread", () => {
  it("copies the WAL into the database file from its own thread, below SQLite's own mark", async () => {
    const path = join(root, "thread.sqlite");
    const db = createBunSqliteDriver(path, { fsync: false, checkpointThread: true });
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    const blob = new Uint8Array(3000).fill(2);
    const before = statSync(path).size;
    // ~2500 pages: below the automatic checkpoint's mark (4000), so only the thread copies them.
    for (let i = 0; i < 2500; i++) db.run("INSERT INTO t (b) VALUES (?)", [blob]);
    const deadline = Date.now() + 5000;
    while (statSync(path).size < before + 500 * 4096 && Date.now() < deadline) await Bun.sleep(20);
    expect(statSync(path).size).toBeGreaterThan(before + 500 * 4096);
    // Writes go on while it works; all of them are there after a close and a reopen.
    for (let i = 0; i < 1000; i++) db.run("INSERT INTO t (b) VALUES (?)", [blob]);
    await db.close();
    const again = createBunSqliteDriver(path, { fsync: false });
    expect(again.all("SELECT count(*) AS n FROM t")[0]!.n).toBe(3500);
    expect(again.all("PRAGMA integrity_check")[0]!.integrity_check).toBe("ok");
    await again.close();
  });

  it("starts its thread only once the connection has written a few hundred times", async () => {
    const path = join(root, "little.sqlite");
    const db = createBunSqliteDriver(path, { fsync: false, checkpointThread: true });
    db.exec("CREATE TABLE t (x INTEGER)");
    const threads = () => readdirSync("/proc/self/task").length;
    const before = threads();
    for (let i = 0; i < 100; i++) db.run("INSERT INTO t VALUES (?)", [i]);
    await Bun.sleep(50);
    expect(threads()).toBe(before);
    for (let i = 0; i < 400; i++) db.run("INSERT INTO t VALUES (?)", [i]);
    const deadline = Date.now() + 5000;
    while (threads() === before && Date.now() < deadline) await Bun.sleep(10);
    expect(threads()).toBeGreaterThan(before);
    await db.close();
  });
});
