// Unit-test deps: in-memory blobs, SQLite metadata in memory, a settable clock.
import { createApp } from "../../../src/app.ts";
import { DEFAULT_CONFIG, type Config, type Deps } from "../../../src/deps.ts";
import { createSqlMetaStore } from "../../../src/store/sql/meta-store.ts";
import { createMemoryBlobStore } from "../../../src/store/memory/blob-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";

export function memoryDeps(config: Partial<Config> = {}) {
  let now = Date.now();
  const clock = { now: () => now };
  const blobs = createMemoryBlobStore();
  const deps: Deps = {
    blobs,
    meta: createSqlMetaStore(createBunSqliteDriver(":memory:"), { now: clock.now }),
    hasher: bunHasher,
    clock,
    config: { ...DEFAULT_CONFIG, rootUser: "AKIDTEST", rootPassword: "secretsecret", chunkSize: 64 * 1024, inlineLimit: 1024, ...config },
    log: { info() {}, warn() {}, error: (m, f) => console.error(m, f) },
    background: () => {},
  };
  return { deps, blobs, setNow: (t: number) => { now = t; }, app: createApp(deps) };
}
