// Unit-test deps: in-memory blobs, SQLite metadata in memory, a settable clock.
import { createApp } from "../../../src/app.ts";
import type { Deps } from "../../../src/deps.ts";
import { DEFAULT_CONFIG, type Config } from "../../../src/config.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createShardedMetaStore } from "../../../src/store/sharded/meta-store.ts";
import type { MetaStore } from "../../../src/store/types.ts";
import { createMemoryBlobStore } from "../../../src/store/memory/blob-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";
import { createSqlIamStore } from "../../../src/iam/sql-store.ts";
import { createSqlTargetStore } from "../../../src/events/sql-target-store.ts";
import { createTargetRegistry } from "../../../src/events/target-registry.ts";
import { createSqlKmsKeyStore } from "../../../src/sse/key-store.ts";

/**
 * `sharded`: metadata as on Workers, one SQLite store per bucket plus a catalog
 * (createShardedMetaStore), each shard its own in-memory database, listed in `shards`.
 */
export function memoryDeps(config: Partial<Config> = {}, opts: { sharded?: boolean } = {}) {
  let now = Date.now();
  const clock = { now: () => now };
  const blobs = createMemoryBlobStore();
  const shards = new Map<string, MetaStore>();
  const sqlStore = () => createSqlMetaStore(createBunSqliteDriver(":memory:"), { now: clock.now });
  const shard = (name: string) => {
    let s = shards.get(name);
    if (!s) shards.set(name, (s = sqlStore()));
    return s;
  };
  const full: Config = { ...DEFAULT_CONFIG, rootUser: "AKIDTEST", rootPassword: "secretsecret", chunkSize: 64 * 1024, inlineLimit: 1024, ...config };
  // IAM and stored targets share one in-memory database, as they share meta.sqlite on Bun.
  const stateDb = createBunSqliteDriver(":memory:");
  const deps: Deps = {
    blobs,
    meta: opts.sharded ? createShardedMetaStore(shard) : sqlStore(),
    iam: createSqlIamStore(stateDb, { now: clock.now }),
    targets: createTargetRegistry({ env: full.notifyTargets, store: createSqlTargetStore(stateDb, { now: clock.now }), now: clock.now }),
    kmsKeys: createSqlKmsKeyStore(stateDb),
    hasher: bunHasher,
    clock,
    config: full,
    log: { info() {}, warn() {}, error: (m, f) => console.error(m, f) },
    background: () => {},
  };
  return { deps, blobs, shards, setNow: (t: number) => { now = t; }, app: createApp(deps) };
}
