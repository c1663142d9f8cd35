// What each target type writes for one event record, as MinIO writes it (specs/minio-admin.md
// §10.5): pure functions from a record to the command, statement or message, so the runtime
// drivers (src/runtime/bun/targets/) only move bytes.
//
// Namespace format keeps one entry per object (`<bucket>/<key>`): ObjectRemoved:Delete removes
// it, every other event replaces it. Both are idempotent and keyed by object, and the outbox
// delivers a socket target's messages in commit order, one at a time (events/deliver.ts; only
// webhooks get a window of sends, and never two for one object), so a redelivery
// after a crash replays a suffix in order and the entry ends as if each event applied once.
// Access format appends one entry per event: at least once.
import type { AmqpTarget, MysqlTarget, PostgresTarget, RedisTarget } from "../targets.ts";

export type EventRecord = Record<string, unknown>;

interface RecordShape { eventName?: string; eventTime?: string; s3: { bucket: { name: string }; object: { key: string } } }

/** `<bucket>/<key>` with the record's form-encoded key decoded (MinIO's namespace key and webhook `Key`). */
export function objectPath(record: EventRecord): string {
  const s3 = (record as unknown as RecordShape).s3;
  let key = s3.object.key.replace(/\+/g, " ");
  try { key = decodeURIComponent(key); } catch { /* a key that is not valid percent-encoding stays as sent */ }
  return `${s3.bucket.name}/${key}`;
}

/** MinIO removes the namespace entry for ObjectRemoved:Delete only (a delete marker replaces it). */
export const removesEntry = (record: EventRecord) => record.eventName === "s3:ObjectRemoved:Delete";

/** The namespace value and SQL event_data: `{"Records":[record]}`. */
export const recordsJson = (record: EventRecord) => JSON.stringify({ Records: [record] });

/** The webhook and AMQP body: `{"EventName","Key","Records":[record]}`. */
export const logJson = (record: EventRecord) => JSON.stringify({ EventName: record.eventName, Key: objectPath(record), Records: [record] });

const eventTime = (record: EventRecord) => String((record as unknown as RecordShape).eventTime ?? "");

/** The one Redis command for an event: HSET/HDEL of `<bucket>/<key>` in the hash, or RPUSH of `[{"Event":[record],"EventTime":…}]`. */
export function redisCommand(t: Pick<RedisTarget, "key" | "format">, record: EventRecord): [string, ...string[]] {
  if (t.format === "access") return ["RPUSH", t.key, JSON.stringify([{ Event: [record], EventTime: eventTime(record) }])];
  return removesEntry(record) ? ["HDEL", t.key, objectPath(record)] : ["HSET", t.key, objectPath(record), recordsJson(record)];
}

export type SqlDialect = "postgres" | "mysql";
export interface SqlStatement { text: string; params: string[] }

// The table name was checked to be [A-Za-z_][A-Za-z0-9_]* (events/targets.ts), so it is safe to interpolate.
/** MinIO's DDL, made idempotent (IF NOT EXISTS), so a first delivery creates a missing table. */
export function createTableSql(dialect: SqlDialect, table: string, format: "namespace" | "access"): string {
  if (dialect === "postgres") {
    return format === "namespace"
      ? `CREATE TABLE IF NOT EXISTS ${table} (key VARCHAR PRIMARY KEY, value JSONB)`
      : `CREATE TABLE IF NOT EXISTS ${table} (event_time TIMESTAMP WITH TIME ZONE NOT NULL, event_data JSONB)`;
  }
  // Keys up to 1024 characters fit a VARCHAR(3072) but not an index on it (3072 bytes at most,
  // 4 per utf8mb4 character): MinIO keys the row by a stored SHA-256 of the name. MinIO makes it
  // the PRIMARY KEY, which MariaDB refuses on a generated column; a UNIQUE key does the same job
  // for ON DUPLICATE KEY UPDATE on both.
  return format === "namespace"
    ? `CREATE TABLE IF NOT EXISTS ${table} (key_name VARCHAR(3072) NOT NULL, key_hash CHAR(64) GENERATED ALWAYS AS (SHA2(key_name, 256)) STORED, value JSON, UNIQUE KEY (key_hash)) CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC`
    : `CREATE TABLE IF NOT EXISTS ${table} (event_time DATETIME NOT NULL, event_data JSON) ROW_FORMAT = DYNAMIC`;
}

/**
 * The statement one event becomes: upsert or delete by object (namespace), or an insert (access).
 * The JSON goes in as text cast to JSONB (`$2::text::jsonb`): a client that types parameters from
 * the server's description (postgres.js) would otherwise store the text as a JSON string.
 */
export function sqlWrite(dialect: SqlDialect, t: Pick<PostgresTarget | MysqlTarget, "table" | "format">, record: EventRecord): SqlStatement {
  const pg = dialect === "postgres";
  if (t.format === "access") {
    const time = eventTime(record);
    return pg
      ? { text: `INSERT INTO ${t.table} (event_time, event_data) VALUES ($1::timestamptz, $2::text::jsonb)`, params: [time, recordsJson(record)] }
      : { text: `INSERT INTO ${t.table} (event_time, event_data) VALUES (?, ?)`, params: [mysqlDatetime(time), recordsJson(record)] };
  }
  const key = objectPath(record);
  if (removesEntry(record)) {
    return pg
      ? { text: `DELETE FROM ${t.table} WHERE key = $1`, params: [key] }
      : { text: `DELETE FROM ${t.table} WHERE key_hash = SHA2(?, 256)`, params: [key] };
  }
  return pg
    ? { text: `INSERT INTO ${t.table} (key, value) VALUES ($1, $2::text::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, params: [key, recordsJson(record)] }
    : { text: `INSERT INTO ${t.table} (key_name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)`, params: [key, recordsJson(record)] };
}

/** `2026-11-24T10:00:00.123Z` → `2026-11-24 10:00:00.123` (a DATETIME literal, UTC). */
export function mysqlDatetime(iso: string): string {
  return iso.replace("T", " ").replace(/Z$/, "");
}

export interface AmqpPublish {
  exchange: string;
  routingKey: string;
  body: string;
  options: { contentType: "application/json"; deliveryMode: 1 | 2; mandatory: boolean; messageId: string };
}

/** One publish per event, the body as MinIO's AMQP target sends it. `messageId` ties a broker return to its publish. */
export function amqpPublish(t: Pick<AmqpTarget, "exchange" | "routingKey" | "deliveryMode" | "mandatory">, record: EventRecord, messageId: string): AmqpPublish {
  return {
    exchange: t.exchange, routingKey: t.routingKey, body: logJson(record),
    options: { contentType: "application/json", deliveryMode: t.deliveryMode, mandatory: t.mandatory, messageId },
  };
}

/** One Kafka record per event, as MinIO's kafka target produces it: key `<bucket>/<key>`, value `{"EventName","Key","Records":[record]}`. */
export function kafkaMessage(record: EventRecord): { key: string; value: string } {
  return { key: objectPath(record), value: logJson(record) };
}
