// The MetaStore contract (test/contract/meta-store.ts) against every Bun-side MetaStore: the
// SQLite store in memory and on a file (with a second connection as the peer), and the
// bucket-sharded store over per-shard SQLite stores (Workers' shape). One fresh store per case.
// The Durable Object store runs the same cases on workerd: test/workers/meta-store-contract.test.ts.
import { afterAll, describe, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { META_STORE_CONTRACT, missingCapabilities, type ContractTools } from "../../contract/meta-store.ts";
import type { MetaStore } from "../../../src/store/types.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createShardedMetaStore } from "../../../src/store/sharded/meta-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";

interface Opened { store: MetaStore; tools: ContractTools; close(): Promise<void> }

const root = mkdtempSync(join(tmpdir(), "s3edge-contract-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A settable clock, as the stores take it (`now`). */
function clock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

let files = 0;
const BACKENDS: { name: string; open(): Opened }[] = [
  {
    name: "SQLite in memory",
    open() {
      const c = clock();
      const db = createBunSqliteDriver(":memory:");
      return { store: createSqlMetaStore(db, { now: c.now }), tools: c, close: () => db.close() };
    },
  },
  {
    name: "SQLite file (two connections)",
    open() {
      const c = clock();
      const path = join(root, `meta-${++files}.sqlite`);
      const db = createBunSqliteDriver(path);
      const store = createSqlMetaStore(db, { now: c.now });
      const other = createBunSqliteDriver(path);
      const peer = createSqlMetaStore(other, { now: c.now });
      return { store, tools: { ...c, peer }, close: async () => { await other.close(); await db.close(); } };
    },
  },
  {
    name: "sharded (SQLite shards in memory)",
    open() {
      const c = clock();
      const shards = new Map<string, { store: MetaStore; close(): Promise<void> }>();
      const open = (name: string) => {
        let s = shards.get(name);
        if (!s) {
          const db = createBunSqliteDriver(":memory:");
          shards.set(name, (s = { store: createSqlMetaStore(db, { now: c.now }), close: () => db.close() }));
        }
        return s.store;
      };
      // The peer routes to the same shards, as a second Worker isolate reaches the same objects.
      return {
        store: createShardedMetaStore(open), tools: { ...c, peer: createShardedMetaStore(open) },
        close: async () => { for (const s of shards.values()) await s.close(); },
      };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`MetaStore contract: ${backend.name}`, () => {
    for (const c of META_STORE_CONTRACT) {
      // Every Bun backend takes a clock; a case needing what a backend lacks is reported skipped.
      const skip = missingCapabilities(c, { advance: () => {} }).length > 0;
      (skip ? it.skip : it)(c.name, async () => {
        const { store, tools, close } = backend.open();
        try {
          await c.run(store, tools);
        } finally {
          await close();
        }
      });
    }
  });
}
