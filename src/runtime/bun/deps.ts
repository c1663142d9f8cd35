// Builds Deps for Bun: filesystem chunks + bun:sqlite metadata (the embedded default store).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Deps, Logger } from "../../deps.ts";
import { DEFAULT_CONFIG, type Config } from "../../config.ts";
import { createSqlMetaStore } from "../../store/sql/meta-store.ts";
import { createFsBlobStore } from "./fs-blob-store.ts";
import { createBunSqliteDriver } from "./sqlite-driver.ts";
import { bunHasher, bunSyncDigests } from "./hasher.ts";
import { installSyncDigests } from "../../util/hash.ts";
import { collectGarbage } from "../../store/gc.ts";
import { createMd5Pool } from "./md5-pool.ts";
import { startLocalQueue } from "./local-queue.ts";

export const consoleLogger = (quiet = false): Logger => ({
  info: (m, f) => { if (!quiet) console.log(m, f ? JSON.stringify(f) : ""); },
  warn: (m, f) => console.warn(m, f ? JSON.stringify(f) : ""),
  error: (m, f) => console.error(m, f ? JSON.stringify(f) : ""),
});

export function createBunDeps(opts: {
  dataDir: string; config?: Partial<Config>; log?: Logger; gcIntervalMs?: number; md5Workers?: number; eventPollMs?: number;
}): Deps & { close(): Promise<void> } {
  mkdirSync(opts.dataDir, { recursive: true });
  const driver = createBunSqliteDriver(join(opts.dataDir, "meta.sqlite"));
  const clock = { now: () => Date.now() };
  const config = { ...DEFAULT_CONFIG, ...opts.config };
  const log = opts.log ?? consoleLogger();
  installSyncDigests(bunSyncDigests);
  const md5Pool = createMd5Pool(opts.md5Workers ?? navigator.hardwareConcurrency ?? 1);
  const blobs = createFsBlobStore(join(opts.dataDir, "chunks"));
  const deps: Deps = {
    blobs,
    meta: createSqlMetaStore(driver, { now: clock.now }),
    hasher: bunHasher,
    bulkMd5: opts.md5Workers === 0 ? undefined : md5Pool.hasher,
    clock,
    config,
    log,
    background: (p) => { p.catch((e) => log.error("background task failed", { error: String(e) })); },
  };
  let running = false;
  const gc = setInterval(() => {
    if (running) return;
    running = true;
    // Temp files of puts a crash cut off go with the same age rule as abandoned upload sessions.
    Promise.all([collectGarbage(deps), blobs.sweepTemp(clock.now() - config.sessionTtlMs)])
      .catch((e) => log.error("gc failed", { error: String(e) })).finally(() => { running = false; });
  }, opts.gcIntervalMs ?? 30_000);
  const events = startLocalQueue(deps.meta, { targets: config.notifyTargets, now: clock.now, log, via: "local" }, { pollMs: opts.eventPollMs });
  return {
    ...deps,
    async close() {
      clearInterval(gc);
      await events.stop();
      md5Pool.close();
      driver.close();
    },
  };
}
