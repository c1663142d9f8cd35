// Notification targets from two sources behind one registry: the variables (MINIO_NOTIFY_*,
// read-only, source "env") and a store (added and removed at run time, source "store"; later
// `mc admin config set notify_webhook:ID …`). An env target wins: it cannot be replaced or
// removed at run time, and a stored one under the same key is hidden while the variable is set.
//
// Reads in the request path (validation, event creation, delivery) go through `resolve`, cached
// per process or isolate: env keys never touch the store; stored targets come from a snapshot
// that is reloaded only when the store's version stamp moved, and that stamp is checked at most
// every `refreshMs` — or at once when a key is missing (a target just added on another node or
// isolate is found on first use, never dropped as unknown). A change made through this registry
// is seen here at once; a removal or change made elsewhere within `refreshMs`.
import type { NotifyTarget } from "./targets.ts";
import { topicKey, type TopicTarget } from "./topics.ts";

/** The persisted half (SQLite on Bun in meta.sqlite, the IamShard Durable Object on Workers). */
export interface TargetStore {
  /** Grows with every committed put or remove. */
  targetsVersion(): Promise<number>;
  /** The MinIO-style targets and the SNS topics (their own table), read together. */
  listTargets(): Promise<{ version: number; targets: NotifyTarget[]; topics: TopicTarget[] }>;
  /** Adds or replaces the target under its key; returns the new version. */
  putTarget(target: NotifyTarget): Promise<number>;
  /** The new version, or null when no target had that key (nothing changed). */
  removeTarget(key: string): Promise<number | null>;
  /** Adds or replaces an SNS topic by name; returns the new version. */
  putTopic(topic: TopicTarget): Promise<number>;
  /** The new version, or null when there was no such topic. */
  removeTopic(name: string): Promise<number | null>;
}

/** The TargetStore's members, for forwarding (runtime/workers/), checked complete by the compiler. */
export const TARGET_STORE_METHODS = ["targetsVersion", "listTargets", "putTarget", "removeTarget", "putTopic", "removeTopic"] as const satisfies readonly (keyof TargetStore)[];
const _complete: Exclude<keyof TargetStore, (typeof TARGET_STORE_METHODS)[number]> extends never ? true : never = true;
void _complete;

export interface RegisteredTarget { key: string; source: "env" | "store"; target: NotifyTarget }

export type TargetWrite =
  | { ok: true; version: number }
  /** EnvTarget: configured by variables (read-only); InvalidTarget: unusable here (the reason says why). */
  | { ok: false; error: "EnvTarget" | "InvalidTarget" | "NoSuchTarget"; message: string };

/** The targets for these keys (unknown keys absent): what the request path and delivery need. */
export interface TargetLookup {
  resolve(keys: Iterable<string>): Promise<Readonly<Record<string, NotifyTarget>>>;
}

export interface TargetRegistry extends TargetLookup {
  /** Env targets first, then stored ones (read from the store). */
  list(): Promise<RegisteredTarget[]>;
  /** By key `<id>:<type>`, the ARN's last two fields ("1:webhook"). */
  get(key: string): Promise<RegisteredTarget | null>;
  /** Adds or replaces a stored target; never an env target's key. */
  put(target: NotifyTarget): Promise<TargetWrite>;
  remove(key: string): Promise<TargetWrite>;
  /** The store's version stamp (env targets never change while running). */
  version(): Promise<number>;
  /** SNS topics (events/topics.ts), by name; they resolve as `<name>:sns` and are not in list(). */
  listTopics(): Promise<TopicTarget[]>;
  getTopic(name: string): Promise<TopicTarget | null>;
  putTopic(topic: TopicTarget): Promise<number>;
  /** False when there was no such topic. */
  removeTopic(name: string): Promise<boolean>;
}

export const targetKey = (t: Pick<NotifyTarget, "id" | "type">) => `${t.id}:${t.type}`;

const TARGET_ID = /^[^\s:]{1,64}$/;
const count = (v: unknown, min: number) => typeof v === "number" && Number.isSafeInteger(v) && v >= min;
const port = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
const text = (v: unknown) => typeof v === "string";
const optionalText = (v: unknown) => v === undefined || typeof v === "string";
/** Interpolated into SQL as an identifier (targets.ts TABLE_NAME, MinIO's rule). */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const FORMATS = new Set(["namespace", "access"]);
const SSL_MODES = new Set(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);

/** The socket targets' fields (what targetsFromEnv builds): why a stored one would fail at delivery, or null. */
function socketTargetProblem(t: Exclude<NotifyTarget, { type: "webhook" | "sns" | "sqs" }>): string | null {
  const name = `notify_${t.type === "postgresql" ? "postgres" : t.type}:${t.id}`;
  switch (t.type) {
    case "redis":
      if (!text(t.host) || !t.host) return `${name}: 'address' must name a host`;
      if (!port(t.port)) return `${name}: 'address' must have a port (1-65535)`;
      if (!count(t.db, 0)) return `${name}: the database number must be a whole number`;
      if (typeof t.tls !== "boolean") return `${name}: tls must be true or false`;
      if (!text(t.key) || !t.key) return `${name}: 'key' must be set (the hash or list events are written to)`;
      if (!FORMATS.has(t.format)) return `${name}: 'format' must be namespace or access`;
      if (!optionalText(t.user) || !optionalText(t.password)) return `${name}: user and password must be text`;
      return null;
    case "postgresql":
    case "mysql":
      if ((!text(t.host) || !t.host) && !t.socket) return `${name}: the connection must name a host or a socket`;
      if (!port(t.port)) return `${name}: the port must be 1-65535`;
      if (!text(t.user) || !optionalText(t.password) || !optionalText(t.socket)) return `${name}: user, password and socket must be text`;
      if (!text(t.database) || (t.type === "mysql" && !t.database)) return `${name}: the connection must name a database`;
      if (!SSL_MODES.has(t.ssl)) return `${name}: sslmode must be one of ${[...SSL_MODES].join(", ")}`;
      if (!text(t.table) || !TABLE_NAME.test(t.table)) return `${name}: 'table' must be letters, digits and '_' (at most 63, not starting with a digit)`;
      if (!FORMATS.has(t.format)) return `${name}: 'format' must be namespace or access`;
      if (!count(t.maxOpenConnections, 1)) return `${name}: 'max_open_connections' must be a whole number above 0`;
      return null;
    case "amqp": {
      let url: URL;
      try { url = new URL(t.url); } catch { return `${name}: 'url' is not a valid URL (amqp://user:password@host:5672/vhost)`; }
      if (url.protocol !== "amqp:" && url.protocol !== "amqps:") return `${name}: 'url' must be amqp:// or amqps://`;
      if (!text(t.exchange) || !text(t.routingKey)) return `${name}: 'exchange' and 'routing_key' must be text`;
      if (!text(t.exchangeType) || !/^(direct|fanout|topic|headers|x-[a-z0-9-]+)$/.test(t.exchangeType)) return `${name}: 'exchange_type' must be direct, fanout, topic or headers`;
      if (t.deliveryMode !== 1 && t.deliveryMode !== 2) return `${name}: 'delivery_mode' must be 1 or 2`;
      for (const f of ["mandatory", "durable", "internal", "noWait", "autoDeleted"] as const) {
        if (typeof t[f] !== "boolean") return `${name}: ${f} must be true or false`;
      }
      return null;
    }
    case "kafka":
      if (!Array.isArray(t.brokers) || !t.brokers.length || !t.brokers.every((b) => text(b) && /^.+:\d{1,5}$/.test(b))) return `${name}: 'brokers' must be HOST:PORT[,HOST:PORT…]`;
      if (!text(t.topic) || !/^[A-Za-z0-9._-]{1,249}$/.test(t.topic)) return `${name}: 'topic' must be 1 to 249 letters, digits, '.', '_' or '-'`;
      if (typeof t.tls !== "boolean" || typeof t.tlsSkipVerify !== "boolean") return `${name}: tls and tls_skip_verify must be true or false`;
      if (t.sasl !== undefined && (typeof t.sasl !== "object" || t.sasl === null || !["plain", "scram-sha-256", "scram-sha-512"].includes(t.sasl.mechanism) || !text(t.sasl.username) || !text(t.sasl.password))) return `${name}: sasl needs a mechanism (plain, sha256, sha512), a username and a password`;
      if (!optionalText(t.clientTlsCert) || !optionalText(t.clientTlsKey)) return `${name}: client_tls_cert and client_tls_key must be text`;
      return null;
  }
}

/** Why a target cannot be stored (null: it can): the checks targetsFromEnv makes of variables. */
export function targetProblem(t: NotifyTarget): string | null {
  if (!t || typeof t !== "object") return "a target is an object";
  if (typeof t.id !== "string" || !TARGET_ID.test(t.id)) return "target id must be 1 to 64 characters without blanks or ':'";
  switch (t.type) {
    case "webhook": {
      let url: URL;
      try {
        url = new URL(t.endpoint);
      } catch {
        return `notify_webhook:${t.id}: 'endpoint' is not a valid URL`;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") return `notify_webhook:${t.id}: 'endpoint' must be http or https`;
      if (t.authToken !== undefined && typeof t.authToken !== "string") return `notify_webhook:${t.id}: 'auth_token' must be text`;
      break;
    }
    case "redis":
    case "postgresql":
    case "mysql":
    case "amqp":
    case "kafka": {
      const p = socketTargetProblem(t);
      if (p) return p;
      break;
    }
    default:
      return `unknown target type '${(t as { type?: unknown }).type}'`;
  }
  if (!count(t.queueLimit, 1)) return `${t.type}:${t.id}: queue_limit must be a whole number above 0`;
  if (!count(t.maxRetries, 1)) return `${t.type}:${t.id}: max_retries must be a whole number above 0`;
  if (!count(t.ttlMs, 1)) return `${t.type}:${t.id}: the TTL must be a whole number of milliseconds above 0`;
  return null;
}

interface Snapshot { version: number; stored: Map<string, NotifyTarget>; topics: Map<string, TopicTarget>; checkedAt: number }

export function createTargetRegistry(opts: {
  env: Readonly<Record<string, NotifyTarget>>;
  store: TargetStore;
  now: () => number;
  /** How long a snapshot is used before its version is checked again (default 5 s). */
  refreshMs?: number;
  /** A runtime's own refusal of a target (e.g. no queue to deliver through); null accepts. */
  accept?: (t: NotifyTarget) => string | null;
}): TargetRegistry {
  const { env, store, now } = opts;
  const refreshMs = opts.refreshMs ?? 5000;
  let snap: Snapshot | undefined;
  /** A write made here committed this version: an older snapshot is stale whatever its age. */
  let minVersion = 0;
  let loading: Promise<Snapshot> | undefined;

  const fetchSnapshot = async (): Promise<Snapshot> => {
    try {
      const checkedAt = now();
      if (snap && snap.version >= minVersion) {
        const v = await store.targetsVersion();
        if (v === snap.version) return (snap = { ...snap, checkedAt });
      }
      const { version, targets, topics } = await store.listTargets();
      const stored = new Map<string, NotifyTarget>(targets.map((t) => [targetKey(t), t]));
      for (const t of topics ?? []) stored.set(topicKey(t.id), t);
      return (snap = { version, stored, topics: new Map((topics ?? []).map((t) => [t.id, t])), checkedAt });
    } finally {
      loading = undefined;
    }
  };
  const load = async (): Promise<Snapshot> => {
    // One load at a time, shared by concurrent callers; one that began before a write made here
    // may miss it, so then once more.
    const s = await (loading ??= fetchSnapshot());
    return s.version >= minVersion ? s : (loading ??= fetchSnapshot());
  };
  const fresh = (s: Snapshot | undefined): s is Snapshot => !!s && s.version >= minVersion && now() - s.checkedAt < refreshMs;

  const resolve = async (keys: Iterable<string>): Promise<Record<string, NotifyTarget>> => {
    const out: Record<string, NotifyTarget> = {};
    const rest: string[] = [];
    for (const k of keys) {
      if (Object.hasOwn(env, k)) out[k] = env[k];
      else rest.push(k);
    }
    if (rest.length === 0) return out;
    let s = fresh(snap) ? snap : undefined;
    // A key a cached snapshot does not know may have been added elsewhere since: look again.
    // (So a rule naming a gone target costs a version read per matching event; cheap, and rare.)
    if (!s || rest.some((k) => !s!.stored.has(k))) s = await load();
    for (const k of rest) {
      const t = s.stored.get(k);
      if (t) out[k] = t;
    }
    return out;
  };

  return {
    resolve,
    async list() {
      const s = await load();
      return [
        ...Object.entries(env).map(([key, target]) => ({ key, source: "env" as const, target })),
        ...[...s.stored].filter(([key, t]) => !Object.hasOwn(env, key) && t.type !== "sns").map(([key, target]) => ({ key, source: "store" as const, target })),
      ];
    },
    async get(key) {
      if (Object.hasOwn(env, key)) return { key, source: "env", target: env[key] };
      const t = (await resolve([key]))[key];
      return t ? { key, source: "store", target: t } : null;
    },
    async put(target) {
      const problem = targetProblem(target);
      if (problem) return { ok: false, error: "InvalidTarget", message: problem };
      const key = targetKey(target);
      if (Object.hasOwn(env, key)) return envTarget(key);
      const refused = opts.accept?.(target);
      if (refused) return { ok: false, error: "InvalidTarget", message: refused };
      const version = await store.putTarget(target);
      minVersion = Math.max(minVersion, version);
      return { ok: true, version };
    },
    async remove(key) {
      if (Object.hasOwn(env, key)) return envTarget(key);
      const version = await store.removeTarget(key);
      if (version === null) return { ok: false, error: "NoSuchTarget", message: `no stored target '${key}'` };
      minVersion = Math.max(minVersion, version);
      return { ok: true, version };
    },
    version: () => store.targetsVersion(),
    async listTopics() {
      return [...(await load()).topics.values()];
    },
    async getTopic(name) {
      const t = (await resolve([topicKey(name)]))[topicKey(name)];
      return t?.type === "sns" ? t : null;
    },
    async putTopic(topic) {
      const version = await store.putTopic(topic);
      minVersion = Math.max(minVersion, version);
      return version;
    },
    async removeTopic(name) {
      const version = await store.removeTopic(name);
      if (version === null) return false;
      minVersion = Math.max(minVersion, version);
      return true;
    },
  };
}

const envTarget = (key: string): TargetWrite => ({
  ok: false, error: "EnvTarget", message: `target '${key}' is configured by environment variables and cannot be changed at run time`,
});
