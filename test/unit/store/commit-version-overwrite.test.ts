// commitVersion writes a key's current row by UPDATE (SQLite then overwrites a row of unchanged
// size in place): every column of the new version is written, so nothing of the version it
// replaces or demotes survives on the current row — lock, legal hold, SSE, content hashes —
// while the demoted version keeps its own. Real bun:sqlite store.
import { describe, expect, it } from "bun:test";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import type { ObjectRecord } from "../../../src/store/types.ts";
import { WRITTEN_COLUMNS } from "../../../src/store/sql/tables.ts";

const base = (versionId: string, extra: Partial<ObjectRecord> = {}): ObjectRecord => ({
  bucket: "b", key: "k", versionId, size: 4, etag: `"${versionId}"`, lastModified: 1000, headers: { "content-type": "text/plain" },
  tags: { t: versionId }, storageClass: "STANDARD", inline: new TextEncoder().encode(versionId.slice(0, 4).padEnd(4, "x")), ...extra,
});
const locked: Partial<ObjectRecord> = {
  retention: { mode: "GOVERNANCE", until: 9e12 }, legalHold: true, sse: { mode: "SSE-S3", keyId: "k1", wrappedKey: "AAAA" },
  content: { sha256: "a".repeat(64), md5: "b".repeat(32) },
};

async function store() {
  const meta = createSqlMetaStore(createBunSqliteDriver(":memory:"), { now: () => 1000 });
  await meta.createBucket({ name: "b", owner: "o", region: "us-east-1", created: 1 });
  return meta;
}

describe("commitVersion overwrites the current row whole", () => {
  it("the null version replaced by a plain one loses the lock, legal hold, SSE and content of the old", async () => {
    const meta = await store();
    expect((await meta.putObject(base("null", locked), {})).ok).toBe(true);
    const first = await meta.getObject("b", "k");
    expect([first?.retention?.mode, first?.legalHold, first?.sse?.mode, first?.content?.md5]).toEqual(["GOVERNANCE", true, "SSE-S3", "b".repeat(32)]);
    expect((await meta.putObject(base("null"), {})).ok).toBe(true);
    const now = await meta.getObject("b", "k");
    expect(now).toMatchObject({ versionId: "null", etag: '"null"', tags: { t: "null" } });
    expect([now?.retention, now?.legalHold, now?.sse, now?.content]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("a new version over a locked one: the new current row is plain, the demoted one keeps its lock; the other way round too", async () => {
    const meta = await store();
    expect((await meta.putObject(base("v1".padEnd(32, "1"), locked), {})).ok).toBe(true);
    expect((await meta.putObject(base("v2".padEnd(32, "2")), {})).ok).toBe(true);
    const cur = await meta.getObject("b", "k");
    expect(cur?.versionId).toBe("v2".padEnd(32, "2"));
    expect([cur?.retention, cur?.legalHold, cur?.sse, new TextDecoder().decode(cur?.inline)]).toEqual([undefined, undefined, undefined, "v222"]);
    const old = await meta.getObject("b", "k", "v1".padEnd(32, "1"));
    expect([old?.retention?.mode, old?.legalHold, old?.sse?.mode, new TextDecoder().decode(old?.inline)]).toEqual(["GOVERNANCE", true, "SSE-S3", "v111"]);
    expect((await meta.putObject(base("v3".padEnd(32, "3"), locked), {})).ok).toBe(true);
    expect((await meta.getObject("b", "k"))?.retention?.mode).toBe("GOVERNANCE");
    const versions = await meta.listObjectVersions("b", { prefix: "", start: "", inclusive: true, limit: 10 });
    expect(versions.map((v) => [v.versionId.slice(0, 2), v.isLatest])).toEqual([["v3", true], ["v2", false], ["v1", false]]);
  });
});

describe("commitVersion's column list", () => {
  it("names every column of objects but its key: a column added later and left out would carry one version's value onto the next", () => {
    const db = createBunSqliteDriver(":memory:");
    createSqlMetaStore(db, { now: () => 1000 });
    const columns = db.all("PRAGMA table_info(objects)").map((c) => String(c.name)).filter((c) => c !== "bucket" && c !== "key").sort();
    expect([...WRITTEN_COLUMNS].sort()).toEqual(columns);
  });
});
