// MINIO_NOTIFY_* variables → targets: every MinIO key name, ids, defaults, one ConfigError line per bad variable.
import { describe, expect, it } from "bun:test";
import { parseMysqlDsn, parsePostgresConnectionString, parseRedisAddress, targetsFromEnv } from "../../../src/events/targets.ts";
import { ConfigError } from "../../../src/config.ts";
import { targetRefusal } from "../../../src/events/targets/drivers.ts";

const problems = (env: Record<string, string>): string[] => {
  try { targetsFromEnv(env); } catch (e) { if (e instanceof ConfigError) return e.message.split("\n"); throw e; }
  return [];
};

describe("targetsFromEnv: socket targets", () => {
  it("reads a Redis target under MinIO's names, S3EDGE_ winning, address with a db", () => {
    const t = targetsFromEnv({
      MINIO_NOTIFY_REDIS_ENABLE_PRIMARY: "on", MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY: "127.0.0.1:6379/1", MINIO_NOTIFY_REDIS_KEY_PRIMARY: "bucketevents",
      MINIO_NOTIFY_REDIS_FORMAT_PRIMARY: "access", MINIO_NOTIFY_REDIS_PASSWORD_PRIMARY: "x", S3EDGE_NOTIFY_REDIS_PASSWORD_PRIMARY: "yoursecret",
      MINIO_NOTIFY_REDIS_QUEUE_LIMIT_PRIMARY: "1000", MINIO_NOTIFY_REDIS_QUEUE_DIR_PRIMARY: "/ignored",
    });
    expect(t["PRIMARY:redis"]).toEqual({
      type: "redis", id: "PRIMARY", host: "127.0.0.1", port: 6379, db: 1, tls: false, password: "yoursecret", key: "bucketevents", format: "access",
      queueLimit: 1000, maxRetries: 10, ttlMs: 86_400_000,
    });
  });
  it("reads PostgreSQL (ARN type postgresql) from libpq key=value or a URL, and MySQL from Go's DSN or HOST/PORT/…", () => {
    const t = targetsFromEnv({
      MINIO_NOTIFY_POSTGRES_ENABLE: "on", MINIO_NOTIFY_POSTGRES_TABLE: "minioevents",
      MINIO_NOTIFY_POSTGRES_CONNECTION_STRING: "host=db.example port=4222 user=minio password='p w' dbname=events sslmode=require",
      MINIO_NOTIFY_POSTGRES_ENABLE_2: "on", MINIO_NOTIFY_POSTGRES_TABLE_2: "t2", MINIO_NOTIFY_POSTGRES_FORMAT_2: "access",
      MINIO_NOTIFY_POSTGRES_CONNECTION_STRING_2: "postgres://u:p%40@127.0.0.1/db",
      MINIO_NOTIFY_MYSQL_ENABLE_myinstance: "on", MINIO_NOTIFY_MYSQL_TABLE_myinstance: "minio_images",
      MINIO_NOTIFY_MYSQL_DSN_STRING_myinstance: "root:12@34@tcp(172.17.0.1:3306)/miniodb", MINIO_NOTIFY_MYSQL_MAX_OPEN_CONNECTIONS_myinstance: "4",
      MINIO_NOTIFY_MYSQL_ENABLE_H: "on", MINIO_NOTIFY_MYSQL_TABLE_H: "t", MINIO_NOTIFY_MYSQL_HOST_H: "10.0.0.1", MINIO_NOTIFY_MYSQL_PORT_H: "3307",
      MINIO_NOTIFY_MYSQL_USERNAME_H: "u", MINIO_NOTIFY_MYSQL_PASSWORD_H: "p", MINIO_NOTIFY_MYSQL_DATABASE_H: "d",
    });
    expect(Object.keys(t).sort()).toEqual(["2:postgresql", "H:mysql", "_:postgresql", "myinstance:mysql"]);
    expect(t["_:postgresql"]).toMatchObject({ host: "db.example", port: 4222, user: "minio", password: "p w", database: "events", ssl: "require", table: "minioevents", format: "namespace", maxOpenConnections: 2 });
    expect(t["2:postgresql"]).toMatchObject({ host: "127.0.0.1", port: 5432, user: "u", password: "p@", database: "db", ssl: "disable", format: "access" });
    expect(t["myinstance:mysql"]).toMatchObject({ host: "172.17.0.1", port: 3306, user: "root", password: "12@34", database: "miniodb", table: "minio_images", maxOpenConnections: 4 });
    expect(t["H:mysql"]).toMatchObject({ host: "10.0.0.1", port: 3307, user: "u", password: "p", database: "d" });
  });
  it("reads AMQP with MinIO's keys (EXCHANGE_TYPE is not EXCHANGE of id TYPE_…), persistent and mandatory by default", () => {
    const t = targetsFromEnv({
      MINIO_NOTIFY_AMQP_ENABLE_1: "on", MINIO_NOTIFY_AMQP_URL_1: "amqp://guest:guest@127.0.0.1:5672", MINIO_NOTIFY_AMQP_EXCHANGE_1: "bucketevents",
      MINIO_NOTIFY_AMQP_EXCHANGE_TYPE_1: "fanout", MINIO_NOTIFY_AMQP_ROUTING_KEY_1: "bucketlogs", MINIO_NOTIFY_AMQP_DURABLE_1: "on",
    });
    expect(t["1:amqp"]).toMatchObject({
      type: "amqp", exchange: "bucketevents", exchangeType: "fanout", routingKey: "bucketlogs", deliveryMode: 2, mandatory: true, durable: true,
      internal: false, noWait: false, autoDeleted: false,
    });
    expect(targetsFromEnv({ MINIO_NOTIFY_AMQP_ENABLE: "on", MINIO_NOTIFY_AMQP_URL: "amqp://h", MINIO_NOTIFY_AMQP_DELIVERY_MODE: "1", MINIO_NOTIFY_AMQP_MANDATORY: "off" })["_:amqp"])
      .toMatchObject({ exchange: "", exchangeType: "direct", deliveryMode: 1, mandatory: false });
  });
  it("skips disabled targets; names every bad variable on its own line, all at once", () => {
    expect(targetsFromEnv({ MINIO_NOTIFY_REDIS_ENABLE_X: "off", MINIO_NOTIFY_REDIS_ADDRESS_X: "nope" })).toEqual({});
    expect(problems({
      MINIO_NOTIFY_REDIS_ENABLE_A: "on", MINIO_NOTIFY_REDIS_ADDRESS_A: "localhost", MINIO_NOTIFY_REDIS_KEY_A: "k", MINIO_NOTIFY_REDIS_FORMAT_A: "json",
      MINIO_NOTIFY_POSTGRES_ENABLE_B: "on", MINIO_NOTIFY_POSTGRES_TABLE_B: "drop table;", MINIO_NOTIFY_POSTGRES_CONNECTION_STRING_B: "host=h",
      MINIO_NOTIFY_MYSQL_ENABLE_C: "on", MINIO_NOTIFY_MYSQL_TABLE_C: "t", MINIO_NOTIFY_MYSQL_DSN_STRING_C: "u:p@tcp(h:99999)/d",
      S3EDGE_NOTIFY_AMQP_ENABLE_D: "on", S3EDGE_NOTIFY_AMQP_URL_D: "http://h", S3EDGE_NOTIFY_AMQP_QUEUE_LIMIT_D: "-1",
      MINIO_NOTIFY_WEBHOOK_ENABLE_E: "on",
    }).sort()).toEqual([
      "MINIO_NOTIFY_MYSQL_DSN_STRING_C: port '99999' is not a port number",
      "MINIO_NOTIFY_POSTGRES_TABLE_B: must be letters, digits and '_' (at most 63, not starting with a digit)",
      "MINIO_NOTIFY_REDIS_ADDRESS_A: must be HOST:PORT[/DB] or redis://[user:password@]host:port[/db]",
      "MINIO_NOTIFY_REDIS_FORMAT_A: must be namespace or access",
      "MINIO_NOTIFY_WEBHOOK_ENDPOINT_E: must be set for notify_webhook:E (the URL events are POSTed to)",
      "S3EDGE_NOTIFY_AMQP_QUEUE_LIMIT_D: must be a whole number",
      "S3EDGE_NOTIFY_AMQP_URL_D: must be amqp:// or amqps://",
    ]);
    expect(problems({ MINIO_NOTIFY_MYSQL_ENABLE: "on" }).sort()).toEqual([
      "MINIO_NOTIFY_MYSQL_DSN_STRING: must be set for notify_mysql (or HOST, PORT, USERNAME, PASSWORD, DATABASE): it names the database server",
      "MINIO_NOTIFY_MYSQL_TABLE: must be set for notify_mysql:_ (the table events are written to; created when missing)",
    ]);
    // The older per-field keys: a MySQL target without a database names DATABASE; PostgreSQL's needs none.
    expect(problems({ MINIO_NOTIFY_MYSQL_ENABLE: "on", MINIO_NOTIFY_MYSQL_TABLE: "t", MINIO_NOTIFY_MYSQL_HOST: "h" })).toEqual([
      "MINIO_NOTIFY_MYSQL_DATABASE: must name a database (user:password@tcp(host:port)/database)",
    ]);
    expect(targetsFromEnv({ MINIO_NOTIFY_POSTGRES_ENABLE: "on", MINIO_NOTIFY_POSTGRES_TABLE: "t", MINIO_NOTIFY_POSTGRES_HOST: "h", MINIO_NOTIFY_POSTGRES_PORT: "6543" })["_:postgresql"])
      .toMatchObject({ host: "h", port: 6543, user: "postgres", database: "", ssl: "disable", maxOpenConnections: 2 });
  });
  it("parses addresses, connection strings and DSNs", () => {
    expect(parseRedisAddress("rediss://u:p@cache.example:6380/2")).toEqual({ host: "cache.example", port: 6380, db: 2, tls: true, user: "u", password: "p" });
    expect(parseRedisAddress("[::1]:6379")).toEqual({ host: "::1", port: 6379, db: 0, tls: false });
    for (const bad of ["host", "host:0", "host:6379/x", "redis://h/x"]) expect(parseRedisAddress(bad)).toBeNull();
    expect(parsePostgresConnectionString("host=/var/run/postgresql dbname=x")).toEqual({ socket: "/var/run/postgresql", database: "x" });
    expect(parsePostgresConnectionString("host=h sslmode=maybe")).toMatch(/sslmode/);
    expect(parsePostgresConnectionString("not a connection string")).toMatch(/postgres:\/\//);
    expect(parseMysqlDsn("u@unix(/run/mysqld.sock)/db?tls=true")).toEqual({ user: "u", socket: "/run/mysqld.sock", database: "db", ssl: "require" });
    expect(parseMysqlDsn("/db")).toEqual({ host: "127.0.0.1", database: "db" });
    expect(parseMysqlDsn("u:p@h:3306/db")).toMatch(/tcp\(host:port\)/);
  });
  it("a runtime without a socket driver refuses the target, naming its ARN", () => {
    const t = targetsFromEnv({ MINIO_NOTIFY_REDIS_ENABLE_W: "on", MINIO_NOTIFY_REDIS_ADDRESS_W: "h:1", MINIO_NOTIFY_REDIS_KEY_W: "k" })["W:redis"];
    expect(targetRefusal(t, {}, "Workers")).toBe("redis target 'W' (arn:minio:sqs::W:redis) needs a TCP connection that s3edge on Workers does not open; use a webhook target there");
    expect(targetRefusal(t, { redis: () => ({ send: async () => {}, close: async () => {} }) }, "Bun")).toBeNull();
  });
});
