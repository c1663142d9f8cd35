// Notification targets, configured MinIO-style by variables (env on Bun, vars on Workers),
// `MINIO_NOTIFY_<TYPE>_<KEY>_<ID>` (S3EDGE_NOTIFY_* too; without _<ID> the target id is "_"):
//   WEBHOOK  ENABLE ENDPOINT AUTH_TOKEN
//   REDIS    ENABLE ADDRESS KEY FORMAT PASSWORD USER
//   POSTGRES ENABLE CONNECTION_STRING TABLE FORMAT (or HOST PORT USERNAME PASSWORD DATABASE) MAX_OPEN_CONNECTIONS
//   MYSQL    ENABLE DSN_STRING TABLE FORMAT (or HOST PORT USERNAME PASSWORD DATABASE) MAX_OPEN_CONNECTIONS
//   AMQP     ENABLE URL EXCHANGE EXCHANGE_TYPE ROUTING_KEY DELIVERY_MODE MANDATORY DURABLE INTERNAL NO_WAIT AUTO_DELETED
//   KAFKA    ENABLE BROKERS TOPIC SASL SASL_USERNAME SASL_PASSWORD SASL_MECHANISM TLS TLS_SKIP_VERIFY CLIENT_TLS_CERT CLIENT_TLS_KEY VERSION
// and for every type QUEUE_LIMIT MAX_RETRIES TTL_SECONDS (QUEUE_DIR, COMMENT accepted and unused:
// the outbox is the queue). Each is addressed by the ARN arn:minio:sqs:<region>:<ID>:<type>
// with type webhook, redis, postgresql (MinIO's name, not "postgres"), mysql, amqp or kafka
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

export interface KafkaTarget extends TargetBase {
  type: "kafka";
  /** host:port of the bootstrap brokers (the client learns the rest from Metadata). */
  brokers: string[];
  topic: string;
  /** SASL over the connection (MinIO's sha256/sha512 are SCRAM-SHA-256/512). */
  sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
  tls: boolean;
  tlsSkipVerify: boolean;
  /** PEM files of a client certificate (MinIO's client_tls_cert/key). */
  clientTlsCert?: string;
  clientTlsKey?: string;
}

/** TopicTarget: a Ceph/SNS topic (events/topics.ts), created by the SNS API, never from variables. */
/** SqsQueueTarget: one of the gateway's own SQS queues (events/sqs-queues.ts), created by the SQS API. */
export type NotifyTarget = WebhookTarget | RedisTarget | PostgresTarget | MysqlTarget | AmqpTarget | KafkaTarget | TopicTarget | SqsQueueTarget;
export type TargetType = NotifyTarget["type"];

export const DEFAULT_QUEUE_LIMIT = 100_000;
const DEFAULT_MAX_RETRIES = 10;
const DEFAULT_TTL_MS = 24 * 3600 * 1000;

const COMMON = ["ENABLE", "QUEUE_LIMIT", "MAX_RETRIES", "TTL_SECONDS", "QUEUE_DIR", "COMMENT"];
const SQL_KEYS = ["TABLE", "FORMAT", "HOST", "PORT", "USERNAME", "PASSWORD", "DATABASE", "MAX_OPEN_CONNECTIONS"];

/** Per variable prefix: its ARN type, MinIO sub-system name and keys (longest first, so EXCHANGE_TYPE_1 is not EXCHANGE with id TYPE_1). */
const KINDS: Record<"WEBHOOK" | "REDIS" | "POSTGRES" | "MYSQL" | "AMQP" | "KAFKA", { type: TargetType; subsys: string; keys: string[] }> = {
  KAFKA: {
    type: "kafka", subsys: "notify_kafka",
    keys: [...COMMON, "BROKERS", "TOPIC", "SASL", "SASL_USERNAME", "SASL_PASSWORD", "SASL_MECHANISM", "TLS", "TLS_SKIP_VERIFY", "TLS_CLIENT_AUTH",
      "CLIENT_TLS_CERT", "CLIENT_TLS_KEY", "VERSION", "BATCH_SIZE", "BATCH_COMMIT_TIMEOUT", "PRODUCER_COMPRESSION_CODEC", "PRODUCER_COMPRESSION_LEVEL"],
  },
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

const PREFIX = /^(?:MINIO|S3EDGE)_NOTIFY_(WEBHOOK|REDIS|POSTGRES|MYSQL|AMQP|KAFKA)_(.+)$/;
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
  KAFKA: kafkaTarget,
  WEBHOOK(base, r) {
    const endpoint = r.required("ENDPOINT", "the URL events are POSTed to");
    const web = { invalid: "is not a valid URL", scheme: "must be an http or https URL" };
    if (!endpoint || !urlOf(r, "ENDPOINT", endpoint, ["http:", "https:"], web)) return null;
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
  POSTGRES: sqlTarget({ type: "postgresql", stringKey: "CONNECTION_STRING", parse: parsePostgresConnectionString, port: 5432, user: "postgres" }),
  MYSQL: sqlTarget({ type: "mysql", stringKey: "DSN_STRING", parse: parseMysqlDsn, port: 3306, user: "root", needsDatabase: true }),
  AMQP(base, r) {
    const url = r.required("URL", "the broker, e.g. amqp://user:password@127.0.0.1:5672/vhost");
    const amqp = { invalid: "is not a valid URL (amqp://user:password@host:5672/vhost)", scheme: "must be amqp:// or amqps://" };
    if (!url || !urlOf(r, "URL", url, ["amqp:", "amqps:"], amqp)) return null;
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

/** `value` (of `key`) as a URL with one of `protocols`; otherwise the reader is told why, and null. */
function urlOf(r: Reader, key: string, value: string, protocols: readonly string[], why: { invalid: string; scheme: string }): URL | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    r.bad(key, why.invalid);
    return null;
  }
  if (!protocols.includes(u.protocol)) { r.bad(key, why.scheme); return null; }
  return u;
}

/**
 * POSTGRES and MYSQL: a table, a format and a connection, from MinIO's connection string
 * (`stringKey`) and its older per-field keys; `needsDatabase`: the connection must name one (MySQL).
 */
function sqlTarget(spec: {
  type: "postgresql" | "mysql"; stringKey: string; parse: (s: string) => Partial<SqlConnection> | string;
  port: number; user: string; needsDatabase?: boolean;
}) {
  return (base: TargetBase, r: Reader): PostgresTarget | MysqlTarget | null => {
    const table = r.table();
    const format = r.format();
    const s = r.str(spec.stringKey);
    let conn: Partial<SqlConnection> = {};
    if (s) {
      const parsed = spec.parse(s);
      if (typeof parsed === "string") { r.bad(spec.stringKey, parsed); return null; }
      conn = parsed;
    }
    const c = sqlConnection(r, spec.stringKey, conn, spec.port, spec.user);
    if (!c) return null;
    if (spec.needsDatabase && !c.database) { r.bad(s ? spec.stringKey : "DATABASE", "must name a database (user:password@tcp(host:port)/database)"); return null; }
    return { type: spec.type, ...base, ...c, table, format, maxOpenConnections: r.count("MAX_OPEN_CONNECTIONS", 2) };
  };
}

/** The connection from the string's fields, with HOST/PORT/USERNAME/PASSWORD/DATABASE (MinIO's older keys) filling or overriding them. */
function sqlConnection(r: Reader, stringKey: string, from: Partial<SqlConnection>, defaultPort: number, defaultUser: string): SqlConnection | null {
  const host = r.str("HOST") ?? from.host;
  const socket = r.str("HOST") ? undefined : from.socket;
  if (!host && !socket) {
    r.bad(stringKey, `must be set for ${r.subsys} (or HOST, PORT, USERNAME, PASSWORD, DATABASE): it names the database server`);
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

type KafkaSasl = NonNullable<KafkaTarget["sasl"]>["mechanism"];
const KAFKA_SASL_MECHANISMS: Record<string, KafkaSasl | undefined> = {
  plain: "plain", sha256: "scram-sha-256", sha512: "scram-sha-512", "scram-sha-256": "scram-sha-256", "scram-sha-512": "scram-sha-512",
};

/**
 * KAFKA (MinIO's keys): brokers and topic required; SASL on when asked (`sasl=on`) or when a
 * username is given; MinIO's mechanism names plain|sha256|sha512. VERSION is checked and unused
 * (the client negotiates versions with ApiVersions); batching keys are accepted and unused (the
 * outbox sends one record at a time, in commit order); compression is refused but for none.
 */
function kafkaTarget(base: TargetBase, r: Reader): KafkaTarget | null {
  const list = r.required("BROKERS", "comma-separated HOST:PORT of the Kafka brokers, e.g. 127.0.0.1:9092");
  const topic = r.required("TOPIC", "the Kafka topic events are produced to");
  const brokers = list ? parseKafkaBrokers(list) : null;
  if (list && typeof brokers === "string") r.bad("BROKERS", brokers);
  // Kafka's rule for topic names: at most 249 of [A-Za-z0-9._-].
  if (topic && !/^[A-Za-z0-9._-]{1,249}$/.test(topic)) r.bad("TOPIC", "must be 1 to 249 letters, digits, '.', '_' or '-'");
  const version = r.str("VERSION");
  if (version && !/^\d+\.\d+\.\d+(\.\d+)?$/.test(version)) r.bad("VERSION", "must be a Kafka version such as 2.8.0");
  const codec = (r.str("PRODUCER_COMPRESSION_CODEC") ?? "none").toLowerCase();
  if (codec !== "none") r.bad("PRODUCER_COMPRESSION_CODEC", "only 'none' is supported by s3edge (events are sent one at a time, uncompressed)");
  r.count("BATCH_SIZE", 1);
  const username = r.str("SASL_USERNAME");
  const password = r.raw("SASL_PASSWORD") ?? "";
  const saslOn = r.flag("SASL", username !== undefined);
  const mech = (r.str("SASL_MECHANISM") ?? "plain").toLowerCase();
  const mechanism = KAFKA_SASL_MECHANISMS[mech];
  if (!mechanism) r.bad("SASL_MECHANISM", "must be plain, sha256 or sha512");
  if (saslOn && !username) r.bad("SASL_USERNAME", "must be set when sasl is on");
  const cert = r.str("CLIENT_TLS_CERT"), key = r.str("CLIENT_TLS_KEY");
  if (!cert !== !key) r.bad(cert ? "CLIENT_TLS_KEY" : "CLIENT_TLS_CERT", "client_tls_cert and client_tls_key go together");
  const tls = r.flag("TLS", false), tlsSkipVerify = r.flag("TLS_SKIP_VERIFY", false);
  if (!list || !topic || typeof brokers === "string" || !brokers) return null;
  return {
    type: "kafka", ...base, brokers, topic,
    ...(saslOn && username && mechanism ? { sasl: { mechanism, username, password } } : {}),
    tls, tlsSkipVerify,
    ...(cert && key ? { clientTlsCert: cert, clientTlsKey: key } : {}),
  };
}

/** `host:port,host:port` (a bare host gets Kafka's 9092; IPv6 in brackets) → the list, or why not. */
export function parseKafkaBrokers(s: string): string[] | string {
  const out: string[] = [];
  for (const raw of s.split(",")) {
    const b = raw.trim();
    if (!b) continue;
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(b);
    if (!m) return `'${b}' must be HOST:PORT`;
    const port = m[2] ? Number(m[2]) : 9092;
    if (port < 1 || port > 65535) return `'${b}': ${port} is not a port number`;
    out.push(`${m[1]}:${port}`);
  }
  return out.length ? out : "must name at least one broker (HOST:PORT)";
}
