// The SQLite outbox counts each target's waiting events without a write of its own on the PUT
// path (store/sql/event-outbox.ts writeEvents): rows carry running totals, settles keep what
// they deleted. The queue limit must hold exactly however rows leave (in order, out of order,
// the newest first, settled twice), a file from before the totals is numbered at open, and a
// target's seqs never come back below what it deleted or the relay handed on.
import { afterAll, describe, expect, it } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import type { MetaStore, ObjectRecord, OutboxEvent } from "../../../src/store/types.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-outbox-counts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const obj = (key: string): ObjectRecord => ({
  bucket: "b", key, versionId: "null", size: 1, etag: '"e"', lastModified: 1, headers: {}, tags: {}, storageClass: "STANDARD", inline: new Uint8Array([1]),
} as ObjectRecord);
const ev = (target: string, limit: number): OutboxEvent[] => [{ id: crypto.randomUUID(), bucket: "b", target, record: "{}", created: 1, limit }];

/** How many more change events `target` takes under `limit` (each taken one stays). */
async function room(s: MetaStore, target: string, limit: number): Promise<number> {
  let n = 0;
  while ((await s.putObject(obj(`r${crypto.randomUUID()}`), { events: ev(target, limit) })).ok) n++;
  return n;
}

const open = (path: string) => {
  const driver = createBunSqliteDriver(path, { fsync: false });
  const s = createSqlMetaStore(driver, { now: () => 1 });
  return { driver, s };
};

describe("outbox counts per target", () => {
  it("the limit holds from the running totals; settles count once, in any order", async () => {
    const { driver, s } = open(join(root, "a.sqlite"));
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    for (let i = 0; i < 3; i++) expect(await s.putObject(obj(`k${i}`), { events: ev("T:webhook", 3) })).toEqual({ ok: true });
    expect(await s.putObject(obj("full"), { events: ev("T:webhook", 3) })).toEqual({ ok: false, reason: "SlowDown" });
    // Access events fill what is left of the limit of events of any kind, and never refuse a write.
    expect(await s.appendEvents("b", ev("T:webhook", 4))).toBe(true);
    expect(await s.appendEvents("b", ev("T:webhook", 4))).toBe(false);
    expect(await s.putObject(obj("other"), { events: ev("U:webhook", 3) })).toEqual({ ok: true });
    expect(await s.countEvents()).toEqual({ "T:webhook": 4, "U:webhook": 1 });

    const leased = await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 4, perTarget: 4 });
    expect(leased.map((m) => m.target)).toEqual(["T:webhook", "T:webhook", "T:webhook", "T:webhook"]);
    // The newest two first (a window whose first sends failed): the oldest two stay.
    const done = { done: leased.slice(2).map((m) => m.id), failed: leased.slice(0, 2).map((m) => m.id), targets: [{ target: "T:webhook", failures: 1, retryAt: 0 }] };
    await s.settleEvents("b", done);
    await s.settleEvents("b", { done: done.done }); // again: the rows are gone, nothing more counts
    // Two change events wait (the access event went): one more fits under 3.
    expect(await room(s, "T:webhook", 3)).toBe(1);
    expect(await s.countEvents()).toEqual({ "T:webhook": 3, "U:webhook": 1 });
    // Everything goes: the target starts over with the whole limit.
    const rest = await s.leaseEvents({ now: 2000, leaseMs: 1000, limit: 10, perTarget: 10 });
    await s.settleEvents("b", { done: rest.map((m) => m.id) });
    expect(await s.countEvents()).toEqual({});
    expect(await room(s, "T:webhook", 3)).toBe(3);
    expect(await room(s, "U:webhook", 3)).toBe(3);
    await driver.close();
  });

  it("a target's seqs stay above what it deleted and what the relay handed on", async () => {
    const { driver, s } = open(join(root, "b.sqlite"));
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    for (let i = 0; i < 3; i++) await s.putObject(obj(`k${i}`), { events: [...ev("T:webhook", 100), ...ev("U:webhook", 100)] });
    const seqs = () => driver.all<{ target: string; seq: number }>("SELECT target, seq FROM event_outbox ORDER BY seq");
    const topT = Math.max(...seqs().filter((r) => r.target === "T:webhook").map((r) => r.seq));
    // T's newest row (the table's newest but one) is delivered, and U's newest: max + 1 would come back.
    const t = await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 100, perTarget: 100 });
    await s.settleEvents("b", { done: t.filter((m) => m.target === "U:webhook").map((m) => m.id) });
    const lastT = t.filter((m) => m.target === "T:webhook").at(-1)!;
    await s.settleEvents("b", { done: [lastT.id], released: t.filter((m) => m.target === "T:webhook" && m !== lastT).map((m) => m.id) });
    driver.run("UPDATE event_targets SET relayed = ? WHERE target = 'U:webhook'", [topT + 5]);
    await s.putObject(obj("n"), { events: [...ev("T:webhook", 100), ...ev("U:webhook", 100)] });
    const after = seqs();
    expect(after.find((r) => r.target === "T:webhook" && r.seq > topT)).toBeDefined();
    expect(after.filter((r) => r.target === "U:webhook").map((r) => r.seq)).toEqual([topT + 6]);
    await driver.close();
  });

  it("a file from before the running totals is numbered at open", async () => {
    const path = join(root, "old.sqlite");
    let { driver, s } = open(path);
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    for (let i = 0; i < 3; i++) await s.putObject(obj(`k${i}`), { events: ev("T:webhook", 10) });
    await s.appendEvents("b", ev("T:webhook", 10));
    await driver.close();
    // The layout of before: no totals in rows, counts kept in event_targets.
    const raw = new Database(path);
    raw.exec(`ALTER TABLE event_outbox DROP COLUMN ord_changes; ALTER TABLE event_outbox DROP COLUMN ord_events;
      CREATE TABLE et_old (target TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, retry_at INTEGER NOT NULL DEFAULT 0,
        changes INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0, relayed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      INSERT INTO et_old (target, changes, events) VALUES ('T:webhook', 3, 4);
      DROP TABLE event_targets; ALTER TABLE et_old RENAME TO event_targets;`);
    raw.close();
    ({ driver, s } = open(path));
    expect(driver.all("SELECT ord_changes, ord_events FROM event_outbox ORDER BY seq")).toEqual([
      { ord_changes: 1, ord_events: 1 }, { ord_changes: 2, ord_events: 2 }, { ord_changes: 3, ord_events: 3 }, { ord_changes: 3, ord_events: 4 },
    ]);
    expect(await room(s, "T:webhook", 5)).toBe(2);
    await driver.close();
    // Opening again changes nothing.
    ({ driver, s } = open(path));
    expect(await room(s, "T:webhook", 5)).toBe(0);
    await driver.close();
  });
});
