// The SQLite outbox keeps each target's waiting events counted in event_targets (store/sql/
// event-outbox.ts), so the queue-limit check is a key lookup and not a COUNT over the backlog:
// the counts follow writes and settles (a settle repeated counts once), and every open counts
// afresh, so a file from before the counts (or any drift) is corrected.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import type { ObjectRecord, OutboxEvent } from "../../../src/store/types.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-outbox-counts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const obj = (key: string): ObjectRecord => ({
  bucket: "b", key, versionId: "null", size: 1, etag: '"e"', lastModified: 1, headers: {}, tags: {}, storageClass: "STANDARD", inline: new Uint8Array([1]),
} as ObjectRecord);
const ev = (target: string, limit: number): OutboxEvent[] => [{ id: crypto.randomUUID(), bucket: "b", target, record: "{}", created: 1, limit }];

describe("outbox counts per target", () => {
  it("the limit holds from the counts; settles count down once; an open recounts", async () => {
    const path = join(root, "meta.sqlite");
    let driver = createBunSqliteDriver(path, { fsync: false });
    let s = createSqlMetaStore(driver, { now: () => 1 });
    driver.run("INSERT INTO buckets VALUES ('b', 'o', 'us-east-1', 1)");
    for (let i = 0; i < 3; i++) expect(await s.putObject(obj(`k${i}`), { events: ev("T:webhook", 3) })).toEqual({ ok: true });
    expect(await s.putObject(obj("full"), { events: ev("T:webhook", 3) })).toEqual({ ok: false, reason: "SlowDown" });
    // Access events fill what is left of the limit of events of any kind, and never refuse a write.
    expect(await s.appendEvents("b", ev("T:webhook", 4))).toBe(true);
    expect(await s.appendEvents("b", ev("T:webhook", 4))).toBe(false);
    expect(await s.putObject(obj("other"), { events: ev("U:webhook", 3) })).toEqual({ ok: true });
    const counts = () => driver.all("SELECT target, changes, events FROM event_targets ORDER BY target");
    expect(counts()).toEqual([{ target: "T:webhook", changes: 3, events: 4 }, { target: "U:webhook", changes: 1, events: 1 }]);

    const leased = await s.leaseEvents({ now: 10, leaseMs: 1000, limit: 2, perTarget: 2 });
    expect(leased.map((m) => m.target)).toEqual(["T:webhook", "T:webhook"]);
    const done = { done: leased.map((m) => m.id), targets: [{ target: "T:webhook", failures: 0, retryAt: 0 }] };
    await s.settleEvents("b", done);
    await s.settleEvents("b", done); // again: the rows are gone, nothing more counts down
    expect(counts()).toEqual([{ target: "T:webhook", changes: 1, events: 2 }, { target: "U:webhook", changes: 1, events: 1 }]);
    expect(await s.putObject(obj("room"), { events: ev("T:webhook", 3) })).toEqual({ ok: true });
    expect(await s.countEvents()).toEqual({ "T:webhook": 3, "U:webhook": 1 });

    // Drift (or a file from before the counts) is corrected at the next open.
    driver.run("UPDATE event_targets SET changes = 999, events = 0");
    await driver.close();
    driver = createBunSqliteDriver(path, { fsync: false });
    s = createSqlMetaStore(driver, { now: () => 1 });
    expect(counts()).toEqual([{ target: "T:webhook", changes: 2, events: 3 }, { target: "U:webhook", changes: 1, events: 1 }]);
    await driver.close();
  });
});
