// MinIO's server-config KV text for the notify_* sub-systems (specs/minio-admin.md §5.5), what
// `mc admin config get|set|reset ALIAS notify_<type>[:ID] k=v …` sends and reads: the help
// tables, parsing a `set` line, printing a target, and turning keys into a NotifyTarget with the
// very rules the MINIO_NOTIFY_* variables follow (targetsFromEnv), so both front ends agree.
import { ConfigError } from "../config-error.ts";
import { targetsFromEnv, type NotifyTarget } from "./targets.ts";

/** The MinIO-style targets (not SNS topics or the gateway's own SQS queues). */
export type MinioTarget = Extract<NotifyTarget, { type: "webhook" | "redis" | "postgresql" | "mysql" | "amqp" | "kafka" }>;

export interface KeyHelp {
  key: string;
  description: string;
  optional: boolean;
  /** MinIO's help types: url, string, path, number, on|off, address, sentence. */
  type: string;
  /** Printed for a key never set (MinIO's default KVS). */
  default: string;
  /** Printed by `get` even when unset (MinIO's default order); the others only once set. */
  listed?: boolean;
}

export interface NotifySubsystem {
  name: string;
  /** The ARN type the targets get (postgresql, not postgres). */
  type: MinioTarget["type"];
  /** The variable family (MINIO_NOTIFY_<ENV>_<KEY>_<ID>). */
  env: string;
  description: string;
  keys: KeyHelp[];
}

const k = (key: string, description: string, type: string, opts: { optional?: boolean; default?: string; listed?: boolean } = {}): KeyHelp =>
  ({ key, description, optional: opts.optional ?? true, type, default: opts.default ?? "", ...(opts.listed === false ? {} : { listed: true }) });

const ENABLE = k("enable", "enable or disable the target", "on|off", { default: "off" });
const QUEUE = [
  k("queue_limit", "maximum limit for undelivered messages, defaults to '100000'", "number", { default: "0" }),
  k("queue_dir", "accepted and unused: s3edge queues events in its metadata store (the outbox)", "path"),
];
const TAIL = [
  k("max_retries", "s3edge: delivery attempts before an event is dropped, defaults to '10'", "number", { listed: false }),
  k("ttl_seconds", "s3edge: age after which an undelivered event is dropped, defaults to '86400'", "number", { listed: false }),
  k("comment", "optionally add a comment to this setting", "sentence", { listed: false }),
];
const FORMAT = k("format", "'namespace' reflects current bucket/object list and 'access' reflects a journal of object operations, defaults to 'namespace'", "namespace*|access", { optional: false, default: "namespace" });

export const NOTIFY_SUBSYSTEMS: readonly NotifySubsystem[] = [
  {
    name: "notify_webhook", type: "webhook", env: "WEBHOOK", description: "publish bucket notifications to webhook endpoints",
    keys: [
      ENABLE,
      k("endpoint", "webhook server endpoint e.g. http://localhost:8080/minio/events", "url", { optional: false }),
      k("auth_token", "opaque string or JWT authorization token", "string"),
      ...QUEUE,
      k("client_cert", "accepted and unused: client certificates are not sent", "string"),
      k("client_key", "accepted and unused: client certificates are not sent", "string"),
      ...TAIL,
    ],
  },
  {
    name: "notify_redis", type: "redis", env: "REDIS", description: "publish bucket notifications to Redis datastores",
    keys: [
      ENABLE, FORMAT,
      k("address", "Redis server's address. For example: `localhost:6379`", "address", { optional: false }),
      k("key", "Redis key to store/update events, key is auto-created", "string", { optional: false }),
      k("password", "Redis server password", "string"),
      k("user", "Redis server user (ACL)", "string", { listed: false }),
      ...QUEUE, ...TAIL,
    ],
  },
  {
    name: "notify_postgres", type: "postgresql", env: "POSTGRES", description: "publish bucket notifications to Postgres databases",
    keys: [
      ENABLE, FORMAT,
      k("connection_string", "Postgres server connection-string e.g. \"host=localhost port=5432 dbname=minio_events user=postgres password=password sslmode=disable\"", "string", { optional: false }),
      k("table", "DB table name to store/update events, table is auto-created", "string", { optional: false }),
      ...QUEUE,
      k("max_open_connections", "To set the maximum number of open connections to the database. The value is set to `2` by default.", "number", { default: "2" }),
      ...TAIL,
    ],
  },
  {
    name: "notify_mysql", type: "mysql", env: "MYSQL", description: "publish bucket notifications to MySQL databases",
    keys: [
      ENABLE, FORMAT,
      k("dsn_string", "MySQL data-source-name connection string e.g. \"<user>:<password>@tcp(<host>:<port>)/<database>\"", "string", { optional: false }),
      k("table", "DB table name to store/update events, table is auto-created", "string", { optional: false }),
      ...QUEUE,
      k("max_open_connections", "To set the maximum number of open connections to the database. The value is set to `2` by default.", "number", { default: "2" }),
      ...TAIL,
    ],
  },
  {
    name: "notify_amqp", type: "amqp", env: "AMQP", description: "publish bucket notifications to AMQP endpoints",
    keys: [
      ENABLE,
      k("url", "AMQP server endpoint e.g. `amqp://myuser:mypassword@localhost:5672`", "url", { optional: false }),
      k("exchange", "name of the AMQP exchange", "string"),
      k("exchange_type", "AMQP exchange type", "string", { default: "direct" }),
      k("routing_key", "routing key for publishing", "string"),
      k("mandatory", "quietly ignore undelivered messages when set to 'off', returns error if 'on'", "on|off", { default: "on" }),
      k("durable", "persist queue across broker restarts when set to 'on'", "on|off", { default: "off" }),
      k("no_wait", "non-blocking message delivery when set to 'on'", "on|off", { default: "off" }),
      k("internal", "set to 'on' for exchange to be not used directly by publishers, but only when bound to other exchanges", "on|off", { default: "off" }),
      k("auto_deleted", "auto delete queue when set to 'on', when there are no consumers", "on|off", { default: "off" }),
      k("delivery_mode", "set to '1' for non-persistent or '2' for persistent queue", "number", { default: "2" }),
      k("publisher_confirms", "always on here: an event counts as delivered once the broker confirmed it", "on|off", { default: "on" }),
      ...QUEUE, ...TAIL,
    ],
  },
  {
    name: "notify_kafka", type: "kafka", env: "KAFKA", description: "publish bucket notifications to Kafka endpoints",
    keys: [
      ENABLE,
      k("topic", "Kafka topic used for bucket notifications", "string", { optional: false }),
      k("brokers", "comma separated list of Kafka broker addresses", "csv", { optional: false }),
      k("sasl_username", "username for SASL/PLAIN or SASL/SCRAM authentication", "string"),
      k("sasl_password", "password for SASL/PLAIN or SASL/SCRAM authentication", "string"),
      k("sasl_mechanism", "sasl authentication mechanism, default 'plain'", "string", { default: "plain" }),
      k("tls_client_auth", "accepted and unused: s3edge sends the client certificate whenever one is set", "string", { default: "0" }),
      k("sasl", "set to 'on' to enable SASL authentication (on when sasl_username is set)", "on|off", { default: "off" }),
      k("tls", "set to 'on' to enable TLS", "on|off", { default: "off" }),
      k("tls_skip_verify", "trust server TLS without verification", "on|off", { default: "off" }),
      k("client_tls_cert", "path to client certificate for mTLS auth", "path"),
      k("client_tls_key", "path to client key for mTLS auth", "path"),
      ...QUEUE,
      k("version", "specify the version of the Kafka cluster; unused: the client negotiates with ApiVersions", "string"),
      k("batch_size", "accepted and unused: s3edge sends one event at a time, in commit order", "number", { listed: false }),
      k("batch_commit_timeout", "accepted and unused", "duration", { listed: false }),
      k("producer_compression_codec", "only 'none' here", "none", { listed: false }),
      k("producer_compression_level", "accepted and unused", "number", { listed: false }),
      ...TAIL,
    ],
  },
];

/** What MinIO lists and s3edge refuses (no driver here). */
const UNSUPPORTED = ["notify_mqtt", "notify_nats", "notify_nsq", "notify_elasticsearch"];

export const subsystem = (name: string): NotifySubsystem | undefined => NOTIFY_SUBSYSTEMS.find((s) => s.name === name);
export const subsystemOfType = (type: string): NotifySubsystem | undefined => NOTIFY_SUBSYSTEMS.find((s) => s.type === type);

/** Why a sub-system name cannot be configured here (null: it can). */
export function unknownSubsystem(name: string): string | null {
  if (subsystem(name)) return null;
  if (UNSUPPORTED.includes(name)) return `sub-system '${name}' is not supported by s3edge (targets: ${NOTIFY_SUBSYSTEMS.map((s) => s.name).join(", ")})`;
  return `unknown sub-system '${name}'`;
}

export interface KvLine { subsys: string; /** "_" for the default target. */ id: string; kv: Record<string, string> }

const unquote = (v: string) => (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v);

/**
 * One `set` line, as MinIO's server cuts it: the first token names `subsys[:target]`; the rest
 * is cut where a known key of that sub-system starts (`<key>=` at the start or after a blank),
 * each piece split at its first `=`, values trimmed and unquoted once. Unknown keys stay inside
 * the value before them (MinIO ignores them the same way).
 */
export function parseKvLine(line: string): KvLine | string {
  const text = line.trim();
  const sp = text.search(/\s/);
  const head = sp < 0 ? text : text.slice(0, sp);
  const rest = sp < 0 ? "" : text.slice(sp + 1);
  const [subsys, id = "_", extra] = head.split(":");
  if (extra !== undefined || id === "") return `'${head}' must be <sub-system>[:<target>]`;
  const bad = unknownSubsystem(subsys);
  if (bad) return bad;
  if (!/^[^\s:]{1,64}$/.test(id)) return `target name '${id}' must be 1 to 64 characters without blanks or ':'`;
  const keys = subsystem(subsys)!.keys.map((x) => x.key).sort((a, b) => b.length - a.length);
  const re = new RegExp(`(?:^|\\s)(${keys.join("|")})=`, "g");
  const starts: { key: string; at: number; value: number }[] = [];
  for (let m; (m = re.exec(rest));) {
    const value = m.index + m[0].length;
    starts.push({ key: m[1], at: m.index, value });
    // A quoted value (`connection_string="host=… port=…"`, from config import or a quoting shell) ends at its quote.
    const q = rest[value];
    if (q === '"' || q === "'") {
      const close = rest.indexOf(q, value + 1);
      if (close > 0) re.lastIndex = close + 1;
    }
  }
  if (rest.trim() && (!starts.length || rest.slice(0, starts[0].at).trim())) {
    return `'${rest.slice(0, starts[0]?.at ?? rest.length).trim()}' is not a key=value of ${subsys} (keys: ${keys.join(", ")})`;
  }
  const kv: Record<string, string> = {};
  starts.forEach((s, i) => { kv[s.key] = unquote(rest.slice(s.value, starts[i + 1]?.at ?? rest.length).trim()); });
  return { subsys, id, kv };
}

/** The lines of a `set-config-kv` body (blank lines and `#` comments skipped, as config import sends them). */
export function parseKvText(text: string): KvLine[] | string {
  const out: KvLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || raw.trim().startsWith("#")) continue;
    const l = parseKvLine(raw);
    if (typeof l === "string") return l;
    out.push(l);
  }
  return out.length ? out : "no configuration given";
}

/**
 * The target these keys describe (enable defaults to on, as MinIO implies it on `set`), built
 * by targetsFromEnv; null when disabled; a string says why it cannot be used.
 */
export function targetFromKv(line: KvLine): MinioTarget | null | string {
  const s = subsystem(line.subsys)!;
  const kv = { enable: "on", ...line.kv };
  const suffix = line.id === "_" ? "" : `_${line.id}`;
  const env: Record<string, string> = {};
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(kv)) {
    if (value === "") continue;
    const name = `MINIO_NOTIFY_${s.env}_${key.toUpperCase()}${suffix}`;
    env[name] = value;
    keyOf.set(name, key);
  }
  if (env[`MINIO_NOTIFY_${s.env}_ENABLE${suffix}`] === undefined) return null;
  let built: Record<string, NotifyTarget>;
  try {
    built = targetsFromEnv(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // Said in the sub-system's own words: `key` of `notify_webhook:1`, not a variable name.
    return e.message.split("\n").map((m) => m.replace(/^(\S+): /, (x, name: string) => {
      const key = keyOf.get(name) ?? name.slice(`MINIO_NOTIFY_${s.env}_`.length, suffix ? -suffix.length : undefined).toLowerCase();
      return `${line.subsys}${suffix ? `:${line.id}` : ""} '${key}' `;
    })).join("; ");
  }
  const t = built[`${line.id}:${s.type}`] as MinioTarget | undefined;
  if (!t) return null; // enable=off
  return { ...t, kv: stripDefaults(line.kv) };
}

const stripDefaults = (kv: Record<string, string>) => Object.fromEntries(Object.entries(kv).filter(([key, v]) => key !== "enable" || v !== "on"));

/** The keys a target was configured with (stored ones carry them; env ones are read back from their fields). */
export function kvOfTarget(t: NotifyTarget): Record<string, string> {
  if (t.type === "sns" || t.type === "sqs") return {};
  if (t.kv) return t.kv;
  const kv: Record<string, string> = { queue_limit: String(t.queueLimit), max_retries: String(t.maxRetries), ttl_seconds: String(t.ttlMs / 1000) };
  switch (t.type) {
    case "webhook":
      return { ...kv, endpoint: t.endpoint, ...(t.authToken ? { auth_token: t.authToken } : {}) };
    case "redis":
      return { ...kv, format: t.format, address: `${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}${t.db ? `/${t.db}` : ""}`, key: t.key, ...(t.password ? { password: t.password } : {}), ...(t.user ? { user: t.user } : {}) };
    case "postgresql":
      return {
        ...kv, format: t.format, table: t.table, max_open_connections: String(t.maxOpenConnections),
        connection_string: `host=${t.socket ?? t.host} port=${t.port} user=${t.user}${t.password ? " password=***" : ""} dbname=${t.database} sslmode=${t.ssl}`,
      };
    case "mysql":
      return {
        ...kv, format: t.format, table: t.table, max_open_connections: String(t.maxOpenConnections),
        dsn_string: `${t.user}${t.password ? ":***" : ""}@${t.socket ? `unix(${t.socket})` : `tcp(${t.host}:${t.port})`}/${t.database}`,
      };
    case "amqp": {
      const on = (b: boolean) => (b ? "on" : "off");
      return {
        ...kv, url: t.url, exchange: t.exchange, exchange_type: t.exchangeType, routing_key: t.routingKey, mandatory: on(t.mandatory),
        durable: on(t.durable), no_wait: on(t.noWait), internal: on(t.internal), auto_deleted: on(t.autoDeleted), delivery_mode: String(t.deliveryMode),
      };
    }
    case "kafka":
      return {
        ...kv, brokers: t.brokers.join(","), topic: t.topic, tls: t.tls ? "on" : "off", tls_skip_verify: t.tlsSkipVerify ? "on" : "off",
        ...(t.sasl ? { sasl: "on", sasl_username: t.sasl.username, sasl_password: "***", sasl_mechanism: t.sasl.mechanism } : {}),
        ...(t.clientTlsCert ? { client_tls_cert: t.clientTlsCert, client_tls_key: t.clientTlsKey ?? "" } : {}),
      };
  }
}

const quoteIfBlank = (v: string) => (/\s/.test(v) ? `"${v}"` : v);

/** One `get-config-kv` line: listed keys in MinIO's order with defaults, then the others set; `enable=on` left out. */
export function formatKvLine(subsys: string, id: string, kv: Record<string, string>, enabled: boolean): string {
  const s = subsystem(subsys)!;
  const parts: string[] = [];
  for (const key of s.keys) {
    if (key.key === "enable") { if (!enabled) parts.push("enable=off "); continue; }
    const v = kv[key.key];
    if (v === undefined && !key.listed) continue;
    parts.push(`${key.key}=${quoteIfBlank(v ?? key.default)} `);
  }
  return `${id === "_" ? subsys : `${subsys}:${id}`} ${parts.join("")}`;
}

/** madmin's Help for a sub-system, exactly its five fields (the 2021 mc refuses unknown ones). */
export function subsystemHelp(s: NotifySubsystem, opts: { key?: string; env?: boolean } = {}) {
  const keys = opts.key ? s.keys.filter((x) => x.key === opts.key) : s.keys;
  return {
    subSys: s.name, description: s.description, multipleTargets: true,
    keysHelp: keys.map((x) => ({
      key: opts.env ? `MINIO_${s.name.toUpperCase()}_${x.key.toUpperCase()}` : x.key,
      description: x.description, optional: x.optional, type: x.type, multipleTargets: false,
    })),
  };
}

/** The help of `subSys=""`: one entry per sub-system. */
export function allSubsystemsHelp() {
  return {
    subSys: "", description: "", multipleTargets: false,
    keysHelp: NOTIFY_SUBSYSTEMS.map((s) => ({ key: s.name, description: s.description, optional: false, type: "", multipleTargets: true })),
  };
}
