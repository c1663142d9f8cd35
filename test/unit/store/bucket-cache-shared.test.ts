// The SQL store's bucket-state cache with several processes on one database (--workers): two
// Bun SQLite connections on one file stand for two processes. A bucket created, reconfigured or
// deleted through one is seen by the other at its next lookup; a single process (no dataVersion)
// runs no statement for a cached state, and a shared one one PRAGMA.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import type { SqlDriver } from "../../../src/store/sql/driver.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-bucket-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const now = () => 1_000;
const bucket = (name: string) => ({ name, owner: "o", region: "us-east-1", created: 0 });

/** The driver with every statement counted (PRAGMA data_version among them). */
function counted(d: SqlDriver) {
  const c = { n: 0 };
  const wrapped: SqlDriver = {
    exec: (sql) => { c.n++; d.exec(sql); },
    all: (sql, p) => { c.n++; return d.all(sql, p); },
    run: (sql, p) => { c.n++; return d.run(sql, p); },
    transaction: (fn) => d.transaction(fn),
    dataVersion: d.dataVersion && (() => { c.n++; return d.dataVersion!(); }),
  };
  return { c, wrapped };
}

describe("bucket state cache across processes", () => {
  const path = join(root, "meta.sqlite");
  const da = createBunSqliteDriver(path, { fsync: false, shared: true });
  const db = createBunSqliteDriver(path, { fsync: false, shared: true });
  const a = createSqlMetaStore(da, { now });
  const b = createSqlMetaStore(db, { now });
  afterAll(async () => { await da.close(); await db.close(); });

  it("sees another process's create, config change and delete at once", async () => {
    expect(await b.getBucketState("x")).toBeNull();
    expect((await a.createBucket(bucket("x"))).ok).toBe(true);
    expect((await b.getBucketState("x"))?.bucket.name).toBe("x");
    expect((await b.getBucketState("x"))?.configs).toEqual({}); // cached now
    await a.putBucketConfig("x", "versioning", "Enabled");
    expect((await b.getBucketState("x"))?.configs).toEqual({ versioning: "Enabled" });
    expect((await a.deleteBucket("x")).ok).toBe(true);
    expect(await b.getBucketState("x")).toBeNull();
    // and the other way round, after b had it cached
    await b.createBucket(bucket("y"));
    expect((await a.getBucketState("y"))?.bucket.name).toBe("y");
    await b.deleteBucket("y");
    expect(await a.getBucketState("y")).toBeNull();
  });

  it("a cached state costs one PRAGMA when shared, nothing in a single process", async () => {
    const one = createBunSqliteDriver(join(root, "single.sqlite"), { fsync: false });
    expect(one.dataVersion).toBeUndefined();
    const single = counted(one);
    const s = createSqlMetaStore(single.wrapped, { now });
    await s.createBucket(bucket("z"));
    await s.getBucketState("z");
    single.c.n = 0;
    for (let i = 0; i < 10; i++) await s.getBucketState("z");
    expect(single.c.n).toBe(0);
    await one.close();

    const shared = counted(createBunSqliteDriver(path, { fsync: false, shared: true }));
    const t = createSqlMetaStore(shared.wrapped, { now });
    await t.createBucket(bucket("w"));
    await t.getBucketState("w");
    shared.c.n = 0;
    for (let i = 0; i < 10; i++) await t.getBucketState("w");
    expect(shared.c.n).toBe(10);
  });
});
