// A node's view of the IAM state (one per createApp: a Bun process, a Worker isolate), read for
// every signed request by the credential lookup and the authorizer, so it is a cache.
//
// Freshness (issue 13): the view is reloaded
//  - at once after a write through this node's IamStore (invalidatingIamStore wraps the one the
//    admin API gets), so a user disabled here is refused here by the next request;
//  - when the refresh interval (--refresh-iam-interval, 5m) has passed: then the version stamp
//    is read, and the snapshot only if the stamp moved;
//  - when a request names an access key the view does not know, at most once a second: the
//    stamp is read, so a user just added on another node signs in without waiting.
// The stamp is deliberately not read on every request: on Workers it is a Durable Object round
// trip per request, which would put IAM on every request's latency; a change made on another
// node is honoured within the interval (or at once for a new key), as on MinIO.
import type { IamGroup, IamServiceAccount, IamStore, IamUser } from "./store.ts";
import { IAM_STORE_METHODS } from "./store.ts";
import { parsePolicy, type PolicyDocument } from "./policy-document.ts";

export interface IamView {
  version: number;
  users: ReadonlyMap<string, IamUser>;
  groups: ReadonlyMap<string, IamGroup>;
  serviceAccounts: ReadonlyMap<string, IamServiceAccount>;
  /** Parsed policies by name; one that does not parse grants nothing and is absent. */
  policies: ReadonlyMap<string, PolicyDocument>;
  /** Parsed session policies by service-account key; null: present but unparsable (denies all). */
  sessionPolicies: ReadonlyMap<string, PolicyDocument | null>;
}

export interface IamCache {
  /** The view, reloaded first when it is due (interval passed, or invalidated). */
  view(): Promise<IamView>;
  /** The view after an unknown access key: the stamp is re-read if not done within a second. */
  viewForMiss(): Promise<IamView>;
  /** Marks the view stale: the next view() reloads the snapshot. */
  invalidate(): void;
}

/** How often an unknown access key may make the cache read the version stamp. */
const MISS_CHECK_MS = 1000;

function buildView(s: Awaited<ReturnType<IamStore["snapshot"]>>): IamView {
  const policies = new Map<string, PolicyDocument>();
  for (const p of s.policies) {
    try {
      policies.set(p.name, parsePolicy(p.document, "identity"));
    } catch {
      // Stored before the grammar was checked, or by another tool: it grants nothing.
    }
  }
  const sessionPolicies = new Map<string, PolicyDocument | null>();
  for (const a of s.serviceAccounts) {
    if (a.sessionPolicy === undefined) continue;
    try {
      sessionPolicies.set(a.accessKey, parsePolicy(a.sessionPolicy, "identity"));
    } catch {
      sessionPolicies.set(a.accessKey, null);
    }
  }
  return {
    version: s.version,
    users: new Map(s.users.map((u) => [u.accessKey, u])),
    groups: new Map(s.groups.map((g) => [g.name, g])),
    serviceAccounts: new Map(s.serviceAccounts.map((a) => [a.accessKey, a])),
    policies,
    sessionPolicies,
  };
}

export function createIamCache(opts: { store: IamStore; now: () => number; refreshMs: number }): IamCache {
  const { store, now, refreshMs } = opts;
  let current: IamView | null = null;
  let checkedAt = 0; // when the stamp was last compared (or the snapshot loaded)
  let missCheckedAt = -Infinity;
  // Bumped by invalidate(); a view loaded for an older generation may predate a local write.
  let gen = 0;
  let loadedGen = -1;
  let inflight: { p: Promise<IamView>; gen: number } | null = null;

  /** One load per generation; requests arriving meanwhile share it, a newer generation waits its turn. */
  function refresh(force: boolean): Promise<IamView> {
    if (inflight && inflight.gen === gen) return inflight.p;
    const prev = inflight?.p;
    const myGen = gen;
    const p = (async () => {
      if (prev) await prev.catch(() => {});
      const started = now();
      if (!force && current && loadedGen === myGen && (await store.version()) === current.version) {
        checkedAt = started;
        return current;
      }
      const loaded = buildView(await store.snapshot());
      current = loaded;
      loadedGen = myGen;
      checkedAt = started;
      return loaded;
    })();
    const entry = { p, gen: myGen };
    inflight = entry;
    p.then(() => {}, () => {}).finally(() => { if (inflight === entry) inflight = null; });
    return p;
  }

  const view = async (): Promise<IamView> => {
    if (!current || loadedGen !== gen) return refresh(true);
    if (now() - checkedAt >= refreshMs) return refresh(false);
    return current;
  };

  return {
    view,
    async viewForMiss() {
      const v = await view();
      if (now() - missCheckedAt < MISS_CHECK_MS) return v;
      missCheckedAt = now();
      return refresh(false);
    },
    invalidate() { gen++; },
  };
}

const READS = new Set<string>(["version", "snapshot"]);
const isRead = (name: string) => READS.has(name) || name.startsWith("get") || name.startsWith("list");

/** The IamStore with every write followed by `onWrite` (the cache's invalidate), committed or not. */
export function invalidatingIamStore(store: IamStore, onWrite: () => void): IamStore {
  const wrapped = {} as Record<string, unknown>;
  const s = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of IAM_STORE_METHODS) {
    wrapped[name] = isRead(name)
      ? (...a: unknown[]) => s[name](...a)
      : async (...a: unknown[]) => {
        try {
          return await s[name](...a);
        } finally {
          onWrite();
        }
      };
  }
  return wrapped as unknown as IamStore;
}
