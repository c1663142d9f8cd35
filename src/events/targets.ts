// Notification targets, configured MinIO-style by variables (env on Bun, vars on Workers),
// `MINIO_NOTIFY_<TYPE>_<KEY>_<ID>` (S3EDGE_NOTIFY_* too; without _<ID> the target id is "_"):
//   WEBHOOK  ENABLE ENDPOINT AUTH_TOKEN
//   REDIS    ENABLE ADDRESS KEY FORMAT PASSWORD USER
//   POSTGRES ENABLE CONNECTION_STRING TABLE FORMAT (or HOST PORT USERNAME PASSWORD DATABASE) MAX_OPEN_CONNECTIONS
//   MYSQL    ENABLE DSN_STRING TABLE FORMAT (or HOST PORT USERNAME PASSWORD DATABASE) MAX_OPEN_CONNECTIONS
//   AMQP     ENABLE URL EXCHANGE EXCHANGE_TYPE ROUTING_KEY DELIVERY_MODE MANDATORY DURABLE INTERNAL NO_WAIT AUTO_DELETED
// and for every type QUEUE_LIMIT MAX_RETRIES TTL_SECONDS (QUEUE_DIR, COMMENT accepted and unused:
// the outbox is the queue). Each is addressed by the ARN arn:minio:sqs:<region>:<ID>:<type>
// with type webhook, redis, postgresql (MinIO's name, not "postgres"), mysql or amqp
// (specs/minio-admin.md §5.5, §10.1).
import { ConfigError } from "../config-error.ts";
import type { TopicTarget } from "./topics.ts";
import type { SqsQueueTarget } from "./sqs-queues.ts";

interface TargetBase {
  id: string;
  /** Messages waiting before writes that would add more are refused (SlowDown). */
  queueLimit: number;
  /** Delivery attempts before a message is dropped (and logged as lost). */
  maxRetries: number;
  /** Age after which an undelivered message is dropped. */
  ttlMs: number;
  /** The keys `mc admin config set` gave (events/targets-kv.ts), printed back by `config get`; absent for env targets. */
  kv?: Record<string, string>;
}

export interface WebhookTarget extends TargetBase {
  type: "webhook";
  endpoint: string;
  authToken?: string;
}

/** MinIO's two table/hash layouts: one entry per object (namespace) or an append-only log (access). */
export type TargetFormat = "namespace" | "access";

export interface RedisTarget extends TargetBase {
  type: "redis";
  host: string;
  port: number;
  db: number;
  tls: boolean;
  user?: string;
  password?: string;
  /** The hash (namespace) or list (access) written to. */
  key: string;
  format: TargetFormat;
}

export interface SqlConnection {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** Unix socket path instead of host:port (MySQL `unix(…)` DSNs; PostgreSQL host=/dir). */
  socket?: string;
  /** PostgreSQL sslmode (disable | prefer | require | verify-ca | verify-full); MySQL tls=true → "require". */
  ssl: string;
}

export interface PostgresTarget extends TargetBase, SqlConnection {
  type: "postgresql";
  table: string;
  format: TargetFormat;
  maxOpenConnections: number;
}

export interface MysqlTarget extends TargetBase, SqlConnection {
  type: "mysql";
  table: string;
  format: TargetFormat;
  maxOpenConnections: number;
}

export interface AmqpTarget extends TargetBase {
  type: "amqp";
  /** amqp:// or amqps:// with credentials and vhost. */
  url: string;
  /** "" = the default exchange (routing key = queue name), never declared. */
  exchange: string;
  exchangeType: string;
  routingKey: string;
  /** 2 = persistent (the default here, so a broker restart keeps queued events), 1 = transient. */
  deliveryMode: 1 | 2;
  /** An unroutable message is returned by the broker and counts as a failed send. */
  mandatory: boolean;
  durable: boolean;
  internal: boolean;
  noWait: boolean;
  autoDeleted: boolean;
}

/** TopicTarget: a Ceph/SNS topic (events/topics.ts), created by the SNS API, never from variables. */
/** SqsQueueTarget: one of the gateway's own SQS queues (events/sqs-queues.ts), created by the SQS API. */
export type NotifyTarget = WebhookTarget | RedisTarget | PostgresTarget | MysqlTarget | AmqpTarget | TopicTarget | SqsQueueTarget;
export type TargetType = NotifyTarget["type"];

export const DEFAULT_QUEUE_LIMIT = 100_000;
const DEFAULT_MAX_RETRIES = 10;
const DEFAULT_TTL_MS = 24 * 3600 * 1000;

const COMMON = ["ENABLE", "QUEUE_LIMIT", "MAX_RETRIES", "TTL_SECONDS", "QUEUE_DIR", "COMMENT"];
const SQL_KEYS = ["TABLE", "FORMAT", "HOST", "PORT", "USERNAME", "PASSWORD", "DATABASE", "MAX_OPEN_CONNECTIONS"];

/** Per variable prefix: its ARN type, MinIO sub-system name and keys (longest first, so EXCHANGE_TYPE_1 is not EXCHANGE with id TYPE_1). */
const KINDS: Record<"WEBHOOK" | "REDIS" | "POSTGRES" | "MYSQL" | "AMQP", { type: TargetType; subsys: string; keys: string[] }> = {
  WEBHOOK: { type: "webhook", subsys: "notify_webhook", keys: [...COMMON, "ENDPOINT", "AUTH_TOKEN", "CLIENT_CERT", "CLIENT_KEY"] },
  REDIS: { type: "redis", subsys: "notify_redis", keys: [...COMMON, "ADDRESS", "KEY", "FORMAT", "PASSWORD", "USER"] },
  POSTGRES: { type: "postgresql", subsys: "notify_postgres", keys: [...COMMON, ...SQL_KEYS, "CONNECTION_STRING"] },
  MYSQL: { type: "mysql", subsys: "notify_mysql", keys: [...COMMON, ...SQL_KEYS, "DSN_STRING"] },
  AMQP: {
    type: "amqp", subsys: "notify_amqp",
    keys: [...COMMON, "URL", "EXCHANGE", "EXCHANGE_TYPE", "ROUTING_KEY", "DELIVERY_MODE", "MANDATORY", "DURABLE", "INTERNAL", "NO_WAIT", "AUTO_DELETED", "PUBLISHER_CONFIRMS"],
  },
};
type Kind = keyof typeof KINDS;
for (const k of Object.values(KINDS)) k.keys.sort((a, b) => b.length - a.length);

const PREFIX = /^(?:MINIO|S3EDGE)_NOTIFY_(WEBHOOK|REDIS|POSTGRES|MYSQL|AMQP)_(.+)$/;
const ON = new Set(["on", "true", "1", "yes", "enable", "enabled"]);
const OFF = new Set(["off", "false", "0", "no", "disable", "disabled"]);
/** Interpolated into SQL as an identifier, so letters, digits and '_' only (MinIO's rule too). */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** One target's variables: the value and the variable's name (for the error line). */
type Vars = Map<string, { value: string; name: string }>;

/**
 * Targets from variables. A target that is enabled but unusable is a ConfigError (one line per
 * bad variable, all of them at once), not a delivery failure later.
 */
export function targetsFromEnv(env: Record<string, unknown>): Record<string, NotifyTarget> {
  const byTarget = new Map<string, { kind: Kind; id: string; vars: Vars }>();
  for (const [name, value] of Object.entries(env)) {
    const m = PREFIX.exec(name);
    if (!m || typeof value !== "string") continue;
    const kind = m[1] as Kind;
    const rest = m[2];
    const key = KINDS[kind].keys.find((k) => rest === k || rest.startsWith(`${k}_`));
    if (!key) continue; // not a setting of this sub-system (MinIO ignores those too)
    const id = rest === key ? "_" : rest.slice(key.length + 1);
    const tk = `${kind}:${id}`;
    if (!byTarget.has(tk)) byTarget.set(tk, { kind, id, vars: new Map() });
    const vars = byTarget.get(tk)!.vars;
    // S3EDGE_* wins over MINIO_* for the same setting (the rule of config.ts).
    if (!vars.has(key) || name.startsWith("S3EDGE_")) vars.set(key, { value, name });
  }
  const out: Record<string, NotifyTarget> = {};
  const problems: string[] = [];
  for (const { kind, id, vars } of byTarget.values()) {
    if (!ON.has((vars.get("ENABLE")?.value ?? "").trim().toLowerCase())) continue;
    const r = reader(kind, id, vars, problems);
    const before = problems.length;
    const base: TargetBase = {
      id,
      queueLimit: r.count("QUEUE_LIMIT", DEFAULT_QUEUE_LIMIT),
      maxRetries: r.count("MAX_RETRIES", DEFAULT_MAX_RETRIES),
      ttlMs: r.count("TTL_SECONDS", DEFAULT_TTL_MS / 1000) * 1000,
    };
    const t = BUILD[kind](base, r);
    if (t && problems.length === before) out[`${id}:${t.type}`] = t;
  }
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return out;
}

type Reader = ReturnType<typeof reader>;

function reader(kind: Kind, id: string, vars: Vars, problems: string[]) {
  const { subsys } = KINDS[kind];
  const varName = (key: string) => vars.get(key)?.name ?? `MINIO_NOTIFY_${kind}_${key}${id === "_" ? "" : `_${id}`}`;
  const bad = (key: string, why: string) => { problems.push(`${varName(key)}: ${why}`); };
  const str = (key: string) => {
    const v = vars.get(key)?.value.trim();
    return v ? v : undefined;
  };
  return {
    subsys, bad, str,
    /** Raw value (passwords keep their spaces). */
    raw: (key: string) => vars.get(key)?.value || undefined,
    required(key: string, what: string): string | undefined {
      const v = str(key);
      if (v === undefined) bad(key, `must be set for ${subsys}:${id} (${what})`);
      return v;
    },
    /** 0 or unset = the default (MinIO's queue_limit=0 means "default"). */
    count(key: string, fallback: number): number {
      const v = str(key);
      if (v === undefined || v === "0") return fallback;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) { bad(key, "must be a whole number"); return fallback; }
      return n;
    },
    flag(key: string, fallback: boolean): boolean {
      const v = str(key)?.toLowerCase();
      if (v === undefined) return fallback;
      if (ON.has(v)) return true;
      if (OFF.has(v)) return false;
      bad(key, "must be on or off");
      return fallback;
    },
    format(): TargetFormat {
      const v = (str("FORMAT") ?? "namespace").toLowerCase();
      if (v === "namespace" || v === "access") return v;
      bad("FORMAT", "must be namespace or access");
      return "namespace";
    },
    table(): string {
      const v = str("TABLE");
      if (v === undefined) bad("TABLE", `must be set for ${subsys}:${id} (the table events are written to; created when missing)`);
      else if (!TABLE_NAME.test(v)) bad("TABLE", "must be letters, digits and '_' (at most 63, not starting with a digit)");
      return v ?? "";
    },
    port(key: string, fallback: number): number {
      const v = str(key);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) { bad(key, "must be a port number (1-65535)"); return fallback; }
      return n;
    },
  };
}

const BUILD: Record<Kind, (base: TargetBase, r: Reader) => NotifyTarget | null> = {
  WEBHOOK(base, r) {
    const endpoint = r.required("ENDPOINT", "the URL events are POSTed to");
    if (!endpoint) return null;
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      r.bad("ENDPOINT", "is not a valid URL");
      return null;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") { r.bad("ENDPOINT", "must be an http or https URL"); return null; }
    return { type: "webhook", ...base, endpoint, authToken: r.raw("AUTH_TOKEN") };
  },
  REDIS(base, r) {
    const address = r.required("ADDRESS", "HOST:PORT of the Redis server, e.g. 127.0.0.1:6379");
    const key = r.required("KEY", "the Redis key of the hash or list events are written to");
    const format = r.format();
    if (!address || !key) return null;
    const a = parseRedisAddress(address);
    if (!a) { r.bad("ADDRESS", "must be HOST:PORT[/DB] or redis://[user:password@]host:port[/db]"); return null; }
    const user = r.str("USER") ?? a.user;
    const password = r.raw("PASSWORD") ?? a.password;
    return { type: "redis", ...base, host: a.host, port: a.port, db: a.db, tls: a.tls, ...(user ? { user } : {}), ...(password ? { password } : {}), key, format };
  },
  POSTGRES(base, r) {
    const table = r.table();
    const format = r.format();
    const cs = r.str("CONNECTION_STRING");
    let conn: Partial<SqlConnection> = {};
    if (cs) {
      const parsed = parsePostgresConnectionString(cs);
      if (typeof parsed === "string") { r.bad("CONNECTION_STRING", parsed); return null; }
      conn = parsed;
    }
    const c = sqlConnection(r, conn, 5432, "postgres");
    if (!c) return null;
    return { type: "postgresql", ...base, ...c, table, format, maxOpenConnections: r.count("MAX_OPEN_CONNECTIONS", 2) };
  },
  MYSQL(base, r) {
    const table = r.table();
    const format = r.format();
    const dsn = r.str("DSN_STRING");
    let conn: Partial<SqlConnection> = {};
    if (dsn) {
      const parsed = parseMysqlDsn(dsn);
      if (typeof parsed === "string") { r.bad("DSN_STRING", parsed); return null; }
      conn = parsed;
    }
    const c = sqlConnection(r, conn, 3306, "root");
    if (!c) return null;
    if (!c.database) { r.bad(dsn ? "DSN_STRING" : "DATABASE", "must name a database (user:password@tcp(host:port)/database)"); return null; }
    return { type: "mysql", ...base, ...c, table, format, maxOpenConnections: r.count("MAX_OPEN_CONNECTIONS", 2) };
  },
  AMQP(base, r) {
    const url = r.required("URL", "the broker, e.g. amqp://user:password@127.0.0.1:5672/vhost");
    if (!url) return null;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      r.bad("URL", "is not a valid URL (amqp://user:password@host:5672/vhost)");
      return null;
    }
    if (u.protocol !== "amqp:" && u.protocol !== "amqps:") { r.bad("URL", "must be amqp:// or amqps://"); return null; }
    const exchange = r.str("EXCHANGE") ?? "";
    const exchangeType = (r.str("EXCHANGE_TYPE") ?? "direct").toLowerCase();
    if (!/^(direct|fanout|topic|headers|x-[a-z0-9-]+)$/.test(exchangeType)) r.bad("EXCHANGE_TYPE", "must be direct, fanout, topic, headers (or a plugin's x-… type)");
    const mode = r.str("DELIVERY_MODE") ?? "2";
    if (mode !== "1" && mode !== "2" && mode !== "0") r.bad("DELIVERY_MODE", "must be 1 (transient) or 2 (persistent)");
    // Publisher confirms are always on: an event counts as delivered only once the broker took it.
    r.flag("PUBLISHER_CONFIRMS", true);
    return {
      type: "amqp", ...base, url, exchange, exchangeType, routingKey: r.str("ROUTING_KEY") ?? "",
      deliveryMode: mode === "1" ? 1 : 2,
      mandatory: r.flag("MANDATORY", true), durable: r.flag("DURABLE", false), internal: r.flag("INTERNAL", false),
      noWait: r.flag("NO_WAIT", false), autoDeleted: r.flag("AUTO_DELETED", false),
    };
  },
};

/** The connection from the string's fields, with HOST/PORT/USERNAME/PASSWORD/DATABASE (MinIO's older keys) filling or overriding them. */
function sqlConnection(r: Reader, from: Partial<SqlConnection>, defaultPort: number, defaultUser: string): SqlConnection | null {
  const host = r.str("HOST") ?? from.host;
  const socket = r.str("HOST") ? undefined : from.socket;
  if (!host && !socket) {
    const key = r.subsys === "notify_mysql" ? "DSN_STRING" : "CONNECTION_STRING";
    r.bad(key, `must be set for ${r.subsys} (or HOST, PORT, USERNAME, PASSWORD, DATABASE): it names the database server`);
    return null;
  }
  return {
    host: host ?? "localhost",
    port: r.port("PORT", from.port ?? defaultPort),
    user: r.str("USERNAME") ?? from.user ?? defaultUser,
    ...((r.raw("PASSWORD") ?? from.password) ? { password: r.raw("PASSWORD") ?? from.password } : {}),
    database: r.str("DATABASE") ?? from.database ?? "",
    ...(socket ? { socket } : {}),
    ssl: from.ssl ?? "disable",
  };
}

/** `host:port[/db]` (MinIO, JuiceFS) or a redis:// / rediss:// URL. */
export function parseRedisAddress(s: string): { host: string; port: number; db: number; tls: boolean; user?: string; password?: string } | null {
  if (/^rediss?:\/\//i.test(s)) {
    let u: URL;
    try { u = new URL(s); } catch { return null; }
    const db = u.pathname.replace(/^\//, "") || "0";
    const port = Number(u.port || 6379);
    if (!/^\d+$/.test(db) || !u.hostname) return null;
    return {
      host: u.hostname.replace(/^\[|\]$/g, ""), port, db: Number(db), tls: u.protocol === "rediss:",
      ...(u.username ? { user: decodeURIComponent(u.username) } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    };
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})(?:\/(\d+))?$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1].replace(/^\[|\]$/g, ""), port, db: Number(m[3] ?? 0), tls: false };
}

/** A postgres:// URL or libpq's `key=value …` form (what MinIO documents: "host=… port=… user=… dbname=… sslmode=disable"). */
export function parsePostgresConnectionString(s: string): Partial<SqlConnection> | string {
  if (/^postgres(ql)?:\/\//i.test(s)) {
    let u: URL;
    try { u = new URL(s); } catch { return "is not a valid postgres:// URL"; }
    const q = u.searchParams;
    return {
      ...(u.hostname ? { host: decodeURIComponent(u.hostname) } : {}), ...(u.port ? { port: Number(u.port) } : {}),
      ...(u.username ? { user: decodeURIComponent(u.username) } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.pathname.length > 1 ? { database: decodeURIComponent(u.pathname.slice(1)) } : {}),
      ...(q.get("sslmode") ? { ssl: q.get("sslmode")! } : {}),
      ...(q.get("host")?.startsWith("/") ? { socket: q.get("host")! } : {}),
    };
  }
  const out: Partial<SqlConnection> = {};
  // key=value pairs; a value may be single-quoted with \' and \\ escapes (libpq's rules).
  const re = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) {
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
    end = re.lastIndex;
    switch (m[1]) {
      case "host": if (v.startsWith("/")) out.socket = v; else out.host = v; break;
      case "port": {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 65535) return `port '${v}' is not a port number`;
        out.port = n;
        break;
      }
      case "user": out.user = v; break;
      case "password": out.password = v; break;
      case "dbname": out.database = v; break;
      case "sslmode":
        if (!/^(disable|allow|prefer|require|verify-ca|verify-full)$/.test(v)) return `sslmode '${v}' is not one of disable, prefer, require, verify-ca, verify-full`;
        out.ssl = v;
        break;
      default: break; // connect_timeout, application_name, …: the client's defaults
    }
  }
  if (s.slice(end).trim() !== "") return "must be a postgres:// URL or 'host=… port=… user=… password=… dbname=… sslmode=…'";
  return out;
}

/** Go's MySQL DSN, as MinIO takes it: `user:password@tcp(host:port)/database[?tls=true]` (or unix(/path)). */
export function parseMysqlDsn(s: string): Partial<SqlConnection> | string {
  const slash = s.lastIndexOf("/");
  if (slash < 0) return "must be user:password@tcp(host:port)/database";
  const [dbPart, query = ""] = s.slice(slash + 1).split("?", 2);
  const head = s.slice(0, slash);
  const at = head.lastIndexOf("@");
  const creds = at >= 0 ? head.slice(0, at) : "";
  const addr = at >= 0 ? head.slice(at + 1) : head;
  const out: Partial<SqlConnection> = {};
  if (creds) {
    const colon = creds.indexOf(":");
    out.user = colon >= 0 ? creds.slice(0, colon) : creds;
    if (colon >= 0) out.password = creds.slice(colon + 1);
  }
  const tcp = /^tcp\((.*)\)$/.exec(addr);
  const unix = /^unix\((.*)\)$/.exec(addr);
  if (tcp) {
    const hp = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(tcp[1]);
    if (!hp) return `address '${tcp[1]}' must be host:port`;
    out.host = hp[1].replace(/^\[|\]$/g, "");
    if (hp[2]) {
      const n = Number(hp[2]);
      if (n < 1 || n > 65535) return `port '${hp[2]}' is not a port number`;
      out.port = n;
    }
  } else if (unix) out.socket = unix[1];
  else if (addr === "") out.host = "127.0.0.1";
  else return `address '${addr}' must be tcp(host:port) or unix(/path)`;
  out.database = decodeURIComponent(dbPart);
  const tls = new URLSearchParams(query).get("tls");
  if (tls && tls !== "false") out.ssl = tls === "skip-verify" ? "prefer" : "require";
  return out;
}

export interface Arn { region: string; id: string; type: string }

/** `arn:minio:sqs:<region>:<id>:<type>`: six fields, the last two non-empty. */
export function parseArn(arn: string): Arn | null {
  const f = arn.split(":");
  if (f.length !== 6 || f[0] !== "arn" || f[1] !== "minio" || f[2] !== "sqs" || !f[4] || !f[5]) return null;
  return { region: f[3], id: f[4], type: f[5] };
}
