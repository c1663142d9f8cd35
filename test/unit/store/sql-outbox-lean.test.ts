// The lean SQLite outbox (store/sql/event-outbox.ts): seq is the rowid (max + 1, above what the
// target deleted and the relay handed on; a seq comes back only once its target was forgotten)
// and id has no index on Bun. A settle finds leased rows by seq and id together, so a late
// settle never takes a newer row that reused the seq; an old file is rebuilt, its rows kept.
import { afterAll, describe, expect, it } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import type { ObjectRecord, OutboxEvent } from "../../../src/store/types.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-outbox-lean-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const obj = (key: string): ObjectRecord => ({
  bucket: "b", key, versionId: "null", size: 1, etag: '"e"', lastModified: 1, headers: {}, tags: {}, storageClass: "STANDARD", inline: new Uint8Array([1]),
} as ObjectRecord);
const ev = (id: string, target = "T:webhook"): OutboxEvent[] => [{ id, bucket: "b", target, record: "{}", created: 1, limit: 100 }];

function open(name: string, opts: { outboxById?: boolean } = {}) {
  const driver = createBunSqliteDriver(join(root, name), { fsync: false });
  const s = createSqlMetaStore(driver, { now: () => 1, ...opts });
  return { driver, s };
}

describe("lean SQLite outbox", () => {
  it("has no AUTOINCREMENT and no id index on Bun; the Durable Object's store indexes id", () => {
    const { driver } = open("lean.sqlite");
    expect(String(driver.all("SELECT sql FROM sqlite_schema WHERE name = 'event_outbox'")[0].sql)).not.toMatch(/AUTOINCREMENT|UNIQUE/i);
    expect(driver.all("PRAGMA index_list(event_outbox)").map((i) => i.name)).toEqual(["event_outbox_by_target"]);
    const byId = open("by-id.sqlite", { outboxById: true });
    expect(byId.driver.all("PRAGMA index_list(event_outbox)").map((i) => i.name).sort()).toEqual(["event_outbox_by_id", "event_outbox_by_target"]);
  });

  it("a late settle of a row whose seq was reused leaves the newer row alone", async () => {
    const { driver, s } = open("reuse.sqlite");
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    expect(await s.putObject(obj("k1"), { events: ev("old") })).toEqual({ ok: true });
    const [leased] = await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 10 });
    expect(leased.id).toBe("old");
    // Another connection (a new leader after --workers failover) delivers and deletes it meanwhile.
    const other = createSqlMetaStore(driver, { now: () => 1 });
    await other.settleEvents("b", { done: ["old"] });
    expect(await other.leaseEvents({ now: 10, leaseMs: 1000, limit: 10 })).toEqual([]); // nothing waits: T forgotten
    expect(await s.putObject(obj("k2"), { events: ev("new") })).toEqual({ ok: true });
    expect(driver.all("SELECT seq, id FROM event_outbox")).toEqual([{ seq: 1, id: "new" }]);
    await s.settleEvents("b", { done: ["old"] }); // the first leader's settle, late
    expect(await s.countEvents()).toEqual({ "T:webhook": 1 });
    // One change event waits, not zero: a second one is over a limit of 1.
    expect(await s.putObject(obj("k3"), { events: [{ ...ev("over")[0], limit: 1 }] })).toEqual({ ok: false, reason: "SlowDown" });
    // Rows leased here are found by seq; rows leased elsewhere by id.
    const [again] = await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 10 });
    await s.settleEvents("b", { done: [], failed: [again.id] });
    expect(driver.all("SELECT id, attempts, visible_at FROM event_outbox")).toEqual([{ id: "new", attempts: 1, visible_at: 0 }]);
  });

  it("a new row's seq stays above the relay's mark: it is relayed while older ones wait for their consumer", async () => {
    const { driver, s } = open("relay.sqlite", { outboxById: true });
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    for (const id of ["e1", "e2", "e3"]) expect(await s.putObject(obj(id), { events: ev(id) })).toEqual({ ok: true });
    expect((await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 10, relay: true })).map((m) => m.id)).toEqual(["e1", "e2", "e3"]);
    // The consumer settles the two newest; e1 stays relayed and leased.
    await s.settleEvents("b", { done: ["e2", "e3"] });
    expect(await s.putObject(obj("e4"), { events: ev("e4") })).toEqual({ ok: true });
    expect(driver.all("SELECT seq FROM event_outbox WHERE id = 'e4'")).toEqual([{ seq: 4 }]);
    expect((await s.leaseEvents({ now: 20, leaseMs: 1000, limit: 10, relay: true })).map((m) => m.id)).toEqual(["e4"]);
    expect(await s.leaseEvents({ now: 30, leaseMs: 1000, limit: 10, relay: true })).toEqual([]);
  });

  it("an access event over the limit is dropped, its row with it", async () => {
    const { driver, s } = open("access.sqlite");
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    const full = (id: string): OutboxEvent[] => [{ id, bucket: "b", target: "T:webhook", record: "{}", created: 1, limit: 1 }];
    expect(await s.appendEvents("b", full("a1"))).toBe(true);
    expect(await s.appendEvents("b", full("a2"))).toBe(false);
    expect(driver.all("SELECT id FROM event_outbox")).toEqual([{ id: "a1" }]);
    expect(await s.countEvents()).toEqual({ "T:webhook": 1 });
    // Access events never count toward the limit of change events.
    expect(await s.putObject(obj("k"), { events: full("c1") })).toEqual({ ok: true });
  });

  it("rebuilds a file of the AUTOINCREMENT table with its rows, seq and state kept", async () => {
    const file = join(root, "old.sqlite");
    const old = new Database(file, { create: true });
    old.exec(`CREATE TABLE event_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, bucket TEXT NOT NULL, target TEXT NOT NULL,
      record TEXT NOT NULL, created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL,
      access INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX event_outbox_by_target ON event_outbox (target);
      INSERT INTO event_outbox (seq, id, bucket, target, record, created, attempts, visible_at, access) VALUES
        (7, 'x', 'b', 'T:webhook', '{"a":1}', 10, 2, 0, 0), (9, 'y', 'b', 'T:webhook', '{}', 20, 0, 0, 1);`);
    old.close();
    const { driver, s } = open("old.sqlite");
    expect(String(driver.all("SELECT sql FROM sqlite_schema WHERE name = 'event_outbox'")[0].sql)).not.toMatch(/AUTOINCREMENT|UNIQUE/i);
    expect(driver.all("PRAGMA index_list(event_outbox)").map((i) => i.name)).toEqual(["event_outbox_by_target"]);
    expect(driver.all("SELECT seq, id, record, attempts, access FROM event_outbox ORDER BY seq")).toEqual([
      { seq: 7, id: "x", record: '{"a":1}', attempts: 2, access: 0 }, { seq: 9, id: "y", record: "{}", attempts: 0, access: 1 },
    ]);
    // Numbered per target in seq order (writeEvents' running totals).
    expect(driver.all("SELECT ord_changes, ord_events FROM event_outbox ORDER BY seq")).toEqual([{ ord_changes: 1, ord_events: 1 }, { ord_changes: 1, ord_events: 2 }]);
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    expect(await s.putObject(obj("k"), { events: ev("z") })).toEqual({ ok: true });
    expect((await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 10 })).map((m) => [m.id, m.attempts])).toEqual([["x", 2], ["y", 0], ["z", 0]]);
    await driver.close();
    // Opening it again finds it done.
    const again = open("old.sqlite");
    expect(again.driver.all("SELECT id FROM event_outbox ORDER BY seq").map((r) => r.id)).toEqual(["x", "y", "z"]);
    await again.driver.close();
  });
});
