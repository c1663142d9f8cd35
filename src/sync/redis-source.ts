// The third event source: a Redis list the gateway's Redis target fills in MinIO's access
// format (RPUSH of `[{"Event":[record],"EventTime":…}]`). Read as a reliable queue: each
// entry is moved atomically to a processing list (LMOVE), applied, then removed from it; a
// daemon killed in between finds it there at its next start and puts it back in front, so
// an entry is applied at least once and never lost.
import { parseEventBody, type ObjectEvent } from "./events.ts";
import type { SyncEngine } from "./engine.ts";
import { bySequencer, type RunOptions } from "./runner.ts";

/** The few list commands the source needs (Bun's RedisClient in src/cli/sync-redis.ts). */
export interface RedisList {
  /** LMOVE from → to, LEFT → RIGHT; BLMOVE with a timeout when waitSeconds > 0. null: empty. */
  move(from: string, to: string, waitSeconds: number): Promise<string | null>;
  /** LMOVE from → to, RIGHT → LEFT: the newest of `from` back to the head of `to`. */
  moveBack(from: string, to: string): Promise<string | null>;
  /** LREM list 1 value. */
  remove(list: string, value: string): Promise<void>;
  /** RPUSH list value. */
  push(list: string, value: string): Promise<void>;
}

/** The object events of one access-format entry (a JSON array of {Event: [records]}). */
export function parseAccessEntry(entry: string): ObjectEvent[] {
  let doc: unknown;
  try { doc = JSON.parse(entry); } catch { return []; }
  if (!Array.isArray(doc)) return [];
  const records = doc.flatMap((e) => (e && typeof e === "object" && Array.isArray((e as { Event?: unknown }).Event) ? (e as { Event: unknown[] }).Event : []));
  return parseEventBody(JSON.stringify({ Records: records }));
}

/** What a daemon killed mid-batch left in `processing` goes back to the head of `key`, in order. */
export async function requeueProcessing(list: RedisList, key: string, processing: string): Promise<number> {
  let n = 0;
  while ((await list.moveBack(processing, key)) !== null) n++;
  return n;
}

/** Follows the list until aborted (or, with `once`, until it is empty). */
export async function runRedisList(engine: SyncEngine, list: RedisList, o: RunOptions & { key: string; processing: string; batch: number }): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const back = await requeueProcessing(list, o.key, o.processing);
  if (back) o.log.info(`redis: ${back} entries of an interrupted run are back on ${o.key}`);
  let failures = 0;
  while (!o.signal.aborted) {
    const entries: string[] = [];
    try {
      const first = await list.move(o.key, o.processing, o.once ? 0 : Math.max(1, o.waitSeconds ?? 5));
      if (first !== null) {
        entries.push(first);
        while (entries.length < o.batch) {
          const next = await list.move(o.key, o.processing, 0);
          if (next === null) break;
          entries.push(next);
        }
      }
      failures = 0;
    } catch (e) {
      if (o.signal.aborted) break;
      failures++;
      const ms = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
      o.log.warn(`redis: ${e instanceof Error ? e.message : String(e)}; again in ${ms} ms`);
      await sleep(ms);
      continue;
    }
    if (entries.length === 0) {
      if (o.once) break;
      continue;
    }
    await applyEntries(engine, list, entries, o);
    o.onBatch?.();
  }
}

/** Applied in sequencer order per key; an entry leaves the processing list once all its records applied. */
async function applyEntries(engine: SyncEngine, list: RedisList, entries: string[], o: RunOptions & { key: string; processing: string }) {
  const all = entries.flatMap((entry) => parseAccessEntry(entry).filter((e) => e.bucket === o.bucket).map((e) => ({ entry, e })));
  all.sort(bySequencer);
  const bad = new Set<string>();
  await Promise.all(all.map(({ entry, e }) => engine.apply(e).catch((err) => {
    bad.add(entry);
    o.log.warn(`${e.kind} ${e.key} failed: ${err instanceof Error ? err.message : String(err)}`);
  })));
  for (const entry of entries) {
    try {
      // A failed entry goes to the back of the list (pushed before it leaves the processing
      // list: a crash in between repeats it, never drops it).
      if (bad.has(entry)) await list.push(o.key, entry);
      await list.remove(o.processing, entry);
    } catch (err) {
      o.log.warn(`redis: ${err instanceof Error ? err.message : String(err)} (the entry stays in ${o.processing} for the next start)`);
    }
  }
}
