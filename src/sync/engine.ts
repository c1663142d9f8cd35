// The sync engine (issue 16), runtime-neutral: applies object events to the sinks, ordered per
// key, and reconciles the sinks with the bucket (resync).
//
// An event is a cue to bring one key up to date, not a payload: ObjectCreated downloads the
// object as it is now (gone since: nothing to do), ObjectRemoved deletes only if the object is
// still gone. So a replay after a crash, a duplicate, or an old event arriving late cannot undo
// newer content; the sequencer check only spares the work of an event older than one applied.
import type { ObjectEvent } from "./events.ts";
import { compareSequencers } from "./events.ts";
import { HttpError, type RemoteObject, type S3Client } from "./s3-client.ts";
import type { HeldEntry, Sink } from "./sinks.ts";

export interface SyncStats {
  files: number;
  bytes: number;
  dirs: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  refused: number;
  stale: number;
  failed: number;
}

export const emptyStats = (): SyncStats => ({ files: 0, bytes: 0, dirs: 0, deleted: 0, unchanged: 0, skipped: 0, refused: 0, stale: 0, failed: 0 });

export interface SyncLog { info(msg: string): void; warn(msg: string): void }

export interface EngineOptions {
  source: S3Client;
  sinks: Sink[];
  concurrency: number;
  log: SyncLog;
  /** Attempts per operation (default 5) and the first backoff (default 200 ms, doubling, at most 5 s). */
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A failure worth retrying: network errors, throttling, server errors. */
const transient = (e: unknown) => !(e instanceof HttpError) || e.status >= 500 || e.status === 429 || e.status === 408;

export function createSemaphore(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function createSyncEngine(opts: EngineOptions) {
  const { source, sinks, log } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const attempts = opts.attempts ?? 5;
  const backoff = opts.backoffMs ?? 200;
  const stats = emptyStats();
  const limit = createSemaphore(opts.concurrency);
  const chains = new Map<string, Promise<void>>();
  const applied = new Map<string, string>();
  /** Bytes of downloads in flight (the progress line's rate counts them as they finish). */

  async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (i >= attempts || !transient(e)) throw e;
        const ms = Math.min(5000, backoff * 2 ** (i - 1));
        log.warn(`${what}: ${e instanceof Error ? e.message : String(e)}; retry ${i}/${attempts - 1} in ${ms} ms`);
        await sleep(ms);
      }
    }
  }

  /** Downloads the object as it is now into the sink's entry; false when it is gone. */
  async function fetchInto(sink: Sink, id: string, key: string): Promise<boolean> {
    return retry(`download ${key}`, async () => {
      const obj = await source.get(key);
      if (!obj) return false;
      stats.bytes += await sink.write(id, obj);
      stats.files++;
      return true;
    });
  }

  async function applyToSink(sink: Sink, ev: ObjectEvent): Promise<void> {
    const p = sink.place(ev.key);
    if (p.kind === "unmapped") { stats.skipped++; return; }
    if (p.kind === "refused") {
      stats.refused++;
      log.warn(`refused key ${JSON.stringify(ev.key)}: ${p.reason}`);
      return;
    }
    if (ev.kind === "created") {
      if (p.kind === "dir") { await sink.mkdir(p.id); stats.dirs++; return; }
      await fetchInto(sink, p.id, ev.key);
      return;
    }
    // Removed: only while the key is still gone (a re-created object keeps its file).
    if (p.kind === "file" && (await retry(`head ${ev.key}`, () => source.head(ev.key)))) return;
    await retry(`remove ${ev.key}`, () => sink.remove(p.id));
    stats.deleted++;
  }

  /** Applies one event after the earlier events of its key; rejects when a sink failed for good. */
  function apply(ev: ObjectEvent): Promise<void> {
    const prev = chains.get(ev.key) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(() => limit(async () => {
      const last = applied.get(ev.key);
      if (ev.sequencer && last && compareSequencers(ev.sequencer, last) < 0) { stats.stale++; return; }
      try {
        for (const s of sinks) await applyToSink(s, ev);
      } catch (e) {
        stats.failed++;
        throw e;
      }
      if (ev.sequencer) {
        if (applied.size > 100_000) applied.clear();
        applied.set(ev.key, ev.sequencer);
      }
    }));
    chains.set(ev.key, run);
    run.finally(() => { if (chains.get(ev.key) === run) chains.delete(ev.key); }).catch(() => {});
    return run;
  }

  /**
   * Brings every sink up to date with the bucket: what is missing or differs is downloaded,
   * what the bucket no longer has is deleted (unless `keepExtras`).
   */
  async function resync(o: { keepExtras?: boolean } = {}): Promise<void> {
    for (const sink of sinks) {
      const wanted = new Map<string, { key: string; remote: RemoteObject; dir: boolean }>();
      for (const prefix of sink.prefixes()) {
        for await (const r of source.list(prefix)) {
          const p = sink.place(r.key);
          if (p.kind === "unmapped") continue;
          if (p.kind === "refused") { stats.refused++; log.warn(`refused key ${JSON.stringify(r.key)}: ${p.reason}`); continue; }
          wanted.set(p.id, { key: r.key, remote: r, dir: p.kind === "dir" });
        }
      }
      const held = new Map<string, HeldEntry>();
      for await (const e of sink.inventory()) held.set(e.id, e);
      const jobs: Promise<void>[] = [];
      const failed = (what: string) => (e: unknown) => { stats.failed++; log.warn(`${what}: ${e instanceof Error ? e.message : String(e)}`); };
      for (const [id, w] of wanted) {
        jobs.push(limit(async () => {
          if (w.dir) { await sink.mkdir(id); stats.dirs++; return; }
          const have = held.get(id);
          if (have && (await sink.same(have, w.remote))) { stats.unchanged++; return; }
          await fetchInto(sink, id, w.key);
        }).catch(failed(`download ${w.key}`)));
      }
      if (!o.keepExtras) {
        for (const id of held.keys()) {
          if (wanted.has(id)) continue;
          jobs.push(limit(async () => { await retry(`remove ${id}`, () => sink.remove(id)); stats.deleted++; }).catch(failed(`remove ${id}`)));
        }
      }
      await Promise.all(jobs);
    }
  }

  /** Resolves when every event handed to apply() so far is done. */
  async function idle(): Promise<void> {
    while (chains.size) await Promise.allSettled([...chains.values()]);
  }

  return { apply, resync, idle, stats };
}

export type SyncEngine = ReturnType<typeof createSyncEngine>;
