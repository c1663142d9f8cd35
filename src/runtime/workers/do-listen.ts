// The isolate's side of `mc watch` on Workers (listen-hub.ts, docs/listen.md): streams are
// opened at the ListenHub objects, and events published to them when someone listens.
import type { ListenEvent, ListenSeam } from "../../events/listen.ts";
import type { ListenHub } from "./listen-hub.ts";
import type { MetaStore } from "../../store/types.ts";

/** The bucket config a ListenHub sets while its bucket has listeners. */
export const LISTEN_CONFIG = "listen";

/** How long an isolate trusts what it last heard of the all-bucket hub. */
const ROOT_TTL_MS = 2000;

export function createDoListen(ns: DurableObjectNamespace<ListenHub>, meta: Pick<MetaStore, "getBucketState">, now = () => Date.now()): ListenSeam {
  const hub = (bucket: string) => ns.get(ns.idFromName(`listen:${bucket}`));
  let root = { active: false, checkedAt: -Infinity };
  let refreshing: Promise<boolean> | undefined;
  const refreshRoot = () => (refreshing ??= hub("").listeners()
    .then((n) => { root = { active: n > 0, checkedAt: now() }; return root.active; })
    .catch(() => root.active)
    .finally(() => { refreshing = undefined; }));
  // Stale while revalidating: after the first answer, no request waits for the root hub.
  const rootActive = async () => {
    if (now() - root.checkedAt < ROOT_TTL_MS) return root.active;
    if (root.checkedAt === -Infinity) return refreshRoot();
    void refreshRoot();
    return root.active;
  };
  /** The buckets last seen marked, so publish calls only the hubs that have streams. */
  const marked = new Map<string, boolean>();

  return {
    async wanted(bucket, configs) {
      // Bucket operations (create, delete) come without configs: read them (rare calls).
      const c = configs ?? (bucket ? (await meta.getBucketState(bucket))?.configs : undefined);
      const m = !!c?.[LISTEN_CONFIG];
      if (marked.size > 10_000) marked.clear();
      marked.set(bucket, m);
      return (await rootActive()) || m;
    },
    async publish(events) {
      const byBucket = new Map<string, ListenEvent[]>();
      for (const e of events) byBucket.set(e.bucket, [...(byBucket.get(e.bucket) ?? []), e]);
      const calls: Promise<unknown>[] = [];
      for (const [bucket, evs] of byBucket) if (marked.get(bucket)) calls.push(hub(bucket).publish(evs));
      if (root.active) calls.push(hub("").publish(events).then((n) => { root = { active: n > 0, checkedAt: now() }; }));
      await Promise.all(calls);
    },
    async open(filter, signal) {
      const res = await hub(filter.bucket).fetch("https://listen-hub/", { method: "POST", body: JSON.stringify(filter), signal });
      if (!filter.bucket) root = { active: true, checkedAt: now() };
      return res.body!;
    },
  };
}
