// The MetaStore contract (test/contract/meta-store.ts) against the PostgreSQL store, and the
// races SQLite's single writer hides (postgres-races.ts), on a real PostgreSQL started once for
// the file (test/e2e/servers.ts). The store and its peer are two nodes: two connection pools.
// Contract cases share one migrated schema, emptied before each (a fresh schema costs ~250 ms
// of DDL: 70 cases would take 20 s); each race case gets a fresh schema of its own.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { META_STORE_CONTRACT, type ContractTools } from "../../contract/meta-store.ts";
import { missing, startPostgres, type TestServer } from "../../e2e/servers.ts";
import type { MetaStore } from "../../../src/store/types.ts";
import { connectPostgres } from "../../../src/store/postgres/client.ts";
import { createPostgresMetaStore } from "../../../src/store/postgres/meta-store.ts";
import type { Pg } from "../../../src/store/postgres/tx.ts";
import { MetaStoreUnavailable } from "../../../src/store/postgres/unavailable.ts";
import { object } from "../../contract/meta-store/tools.ts";
import { POSTGRES_RACES, type PgNodes } from "./postgres-races.ts";
import { POSTGRES_IAM } from "./postgres-iam.ts";
import { POSTGRES_SHARED } from "./postgres-shared.ts";

const absent = missing("postgres");
const skipNote = absent ? ` (skipped: ${absent} is not installed; scripts/test-deps.sh installs PostgreSQL)` : "";

let server: TestServer | undefined;
let url = "";
let admin: Pg;
beforeAll(async () => {
  if (absent) return;
  server = await startPostgres();
  url = `postgres://${server.user}:${server.password}@127.0.0.1:${server.port}/${server.database}`;
  admin = connectPostgres(url, { max: 1 });
}, 60_000);
afterAll(async () => {
  await admin?.end({ timeout: 1 });
  await server?.destroy();
});

const TABLES = ["buckets", "bucket_configs", "objects", "object_versions", "uploads", "completed_uploads", "parts", "chunks",
  "sessions", "pins", "blob_intents", "blob_tombstones", "event_outbox", "event_targets", "event_counts"];

let schemas = 0;
/** A fresh schema and `n` pools on it (each a node), with one settable clock. */
async function nodes(): Promise<PgNodes> {
  const schema = `case_${++schemas}`;
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  let now = Date.now();
  const clock = { now: () => now, advance: (ms: number) => { now += ms; } };
  const pools: Pg[] = [];
  return {
    url, schema, clock,
    async node() {
      const sql = connectPostgres(url, { schema, max: 4 });
      pools.push(sql);
      return { sql, store: await createPostgresMetaStore(sql, { now: clock.now }) };
    },
    async close() { await Promise.all(pools.map((p) => p.end({ timeout: 1 }))); },
  };
}

describe.skipIf(!!absent)(`MetaStore contract: PostgreSQL (two pools)${skipNote}`, () => {
  let shared: PgNodes;
  let pools: Pg[];
  beforeAll(async () => {
    shared = await nodes();
    pools = [(await shared.node()).sql, (await shared.node()).sql];
  });
  afterAll(() => shared?.close());
  for (const c of META_STORE_CONTRACT) {
    it(c.name, async () => {
      await pools[0].unsafe(TABLES.map((t) => `DELETE FROM ${t};`).join("\n"));
      let now = Date.now();
      const clock = { now: () => now, advance: (ms: number) => { now += ms; } };
      const [a, b] = await Promise.all(pools.map((p) => createPostgresMetaStore(p, { now: clock.now })));
      const tools: ContractTools & { peer: MetaStore } = { ...clock, peer: b };
      await c.run(a, tools);
    });
  }
});

describe.skipIf(!!absent)(`PostgreSQL MetaStore: races between nodes; IamStore; queues, KMS keys and the leader lease${skipNote}`, () => {
  for (const c of [...POSTGRES_RACES, ...POSTGRES_IAM, ...POSTGRES_SHARED]) it(c.name, async () => {
    const n = await nodes();
    try {
      await c.run(n);
    } finally {
      await n.close();
    }
  }, 20_000);
});

// Last: it stops the file's server.
describe.skipIf(!!absent)(`PostgreSQL MetaStore: the database goes away and comes back${skipNote}`, () => {
  it("calls fail with MetaStoreUnavailable (S3 503 ServiceUnavailable) while it is down, then work again", async () => {
    const n = await nodes();
    try {
      const { store } = await n.node();
      expect(await store.createBucket({ name: "b1", owner: "o", region: "us-east-1", created: 1 })).toEqual({ ok: true });
      await server!.stop();
      for (const call of [() => store.getBucketState("b1"), () => store.putObject(object("b1", "k"), {}), () => store.leaseEvents({ now: 0, leaseMs: 1, limit: 1 })]) {
        const e = await call().then(() => null, (x: unknown) => x);
        expect(e).toBeInstanceOf(MetaStoreUnavailable);
        expect((e as MetaStoreUnavailable).code).toBe("ServiceUnavailable");
      }
      await server!.start();
      expect((await store.getBucketState("b1"))?.bucket.name).toBe("b1");
      expect(await store.putObject(object("b1", "k"), {})).toEqual({ ok: true });
    } finally {
      await n.close();
    }
  }, 30_000);
});
