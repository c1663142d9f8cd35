// MinIO's config KV text for notify_* (specs/minio-admin.md §5.5): parsing a set line, building
// the target with the MINIO_NOTIFY_* rules, printing it back, and the help tables.
import { describe, expect, it } from "bun:test";
import {
  allSubsystemsHelp, formatKvLine, kvOfTarget, parseKvLine, parseKvText, subsystem, subsystemHelp, targetFromKv,
} from "../../../src/events/targets-kv.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";
import { targetProblem } from "../../../src/events/target-registry.ts";

const line = (s: string) => {
  const l = parseKvLine(s);
  if (typeof l === "string") throw new Error(l);
  return l;
};

describe("parseKvLine", () => {
  it("cuts at known keys, trims and unquotes once; no :target is the default target _", () => {
    expect(parseKvLine("notify_webhook:1 endpoint=http://localhost:3000 queue_dir=/tmp/q  auth_token='a b' ")).toEqual({
      subsys: "notify_webhook", id: "1", kv: { endpoint: "http://localhost:3000", queue_dir: "/tmp/q", auth_token: "a b" },
    });
    expect(parseKvLine("notify_redis address=127.0.0.1:6379 key=ev")).toEqual({ subsys: "notify_redis", id: "_", kv: { address: "127.0.0.1:6379", key: "ev" } });
  });
  it("a quoted value keeps the key=value pairs inside it; unquoted, unknown keys stay in the value before", () => {
    expect(line('notify_postgres:p connection_string="host=h port=5432 dbname=d" table=t').kv).toEqual({ connection_string: "host=h port=5432 dbname=d", table: "t" });
    expect(line("notify_postgres:p connection_string=host=h port=5432 dbname=d table=t").kv).toEqual({ connection_string: "host=h port=5432 dbname=d", table: "t" });
  });
  it.each([
    ["notify_mqtt:1 broker=x", "not supported"],
    ["region name=x", "unknown sub-system"],
    ["notify_webhook:a:b endpoint=x", "<sub-system>[:<target>]"],
    ["notify_webhook:1 bogus", "is not a key=value"],
  ])("%s → %s", (s, why) => {
    expect(parseKvLine(s)).toContain(why);
  });
  it("parseKvText skips blank and # lines (config import), and wants one line at least", () => {
    expect(parseKvText("# a comment\n\nnotify_webhook:1 endpoint=http://x/\nnotify_webhook:2 endpoint=http://y/\n")).toHaveLength(2);
    expect(parseKvText("  \n# only\n")).toBe("no configuration given");
  });
});

describe("targetFromKv", () => {
  it("builds what the variables would (enable implied), keeping the keys given for get", () => {
    const t = targetFromKv(line("notify_webhook:1 endpoint=http://h:1/e auth_token=tok queue_limit=7 queue_dir=/q"));
    const fromEnv = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://h:1/e", MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_1: "tok", MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_1: "7" })["1:webhook"];
    expect(t as object).toEqual({ ...fromEnv, kv: { endpoint: "http://h:1/e", auth_token: "tok", queue_limit: "7", queue_dir: "/q" } });
    expect(targetProblem(t as any)).toBeNull();
    expect(targetFromKv(line("notify_webhook:1 endpoint=http://h/ enable=off"))).toBeNull();
    const pg = targetFromKv(line('notify_postgres:p connection_string="host=db port=5433 user=u dbname=d" table=t format=access'));
    expect(pg).toMatchObject({ type: "postgresql", id: "p", host: "db", port: 5433, user: "u", database: "d", table: "t", format: "access" });
    expect(targetProblem(pg as any)).toBeNull();
    const amqp = targetFromKv(line("notify_amqp:a url=amqp://u:p@127.0.0.1:5672/ exchange=ex routing_key=rk"));
    expect(amqp).toMatchObject({ type: "amqp", exchange: "ex", routingKey: "rk", deliveryMode: 2 });
    expect(targetProblem(amqp as any)).toBeNull();
  });
  it.each([
    ["notify_webhook:1 endpoint=ftp://x/", "notify_webhook:1 'endpoint' must be an http or https URL"],
    ["notify_webhook:1 queue_limit=5", "notify_webhook:1 'endpoint' must be set"],
    ["notify_redis:r address=nohost key=k", "notify_redis:r 'address' must be HOST:PORT"],
    ["notify_redis:r address=h:1", "'key' must be set"],
    ["notify_postgres connection_string=host=h table=bad-name", "notify_postgres 'table' must be letters"],
    ["notify_mysql:m dsn_string=u:p@tcp(h:3306)/ table=t", "must name a database"],
    ["notify_amqp:a url=http://x/", "'url' must be amqp:// or amqps://"],
    ["notify_webhook:1 endpoint=http://x/ queue_limit=many", "'queue_limit' must be a whole number"],
    ["notify_webhook:1 endpoint=not-a-url", "'endpoint' is not a valid URL"],
    ["notify_amqp:a url=nope", "'url' is not a valid URL (amqp://"],
    ["notify_postgres:p table=t", "'connection_string' must be set for notify_postgres (or HOST"],
    ["notify_mysql:m table=t", "'dsn_string' must be set for notify_mysql (or HOST"],
    ["notify_postgres:p connection_string=host=h table=t max_open_connections=x", "'max_open_connections' must be a whole number"],
  ])("%s → %s", (s, why) => {
    expect(targetFromKv(line(s))).toContain(why);
  });
});

describe("printing and help", () => {
  it("get lines: MinIO's key order with defaults, enable=on left out, values with blanks quoted", () => {
    expect(formatKvLine("notify_webhook", "1", { endpoint: "http://x/", queue_dir: "/q" }, true)).toBe(
      "notify_webhook:1 endpoint=http://x/ auth_token= queue_limit=0 queue_dir=/q client_cert= client_key= ");
    expect(formatKvLine("notify_webhook", "_", {}, false)).toBe("notify_webhook enable=off endpoint= auth_token= queue_limit=0 queue_dir= client_cert= client_key= ");
    expect(formatKvLine("notify_postgres", "p", { connection_string: "host=h port=1", table: "t", comment: "mine" }, true)).toBe(
      'notify_postgres:p format=namespace connection_string="host=h port=1" table=t queue_limit=0 queue_dir= max_open_connections=2 comment=mine ');
  });
  it("an env target's keys are read back from its fields (set and get agree)", () => {
    const t = targetsFromEnv({ MINIO_NOTIFY_REDIS_ENABLE_R: "on", MINIO_NOTIFY_REDIS_ADDRESS_R: "h:6380/2", MINIO_NOTIFY_REDIS_KEY_R: "k" })["R:redis"];
    const again = targetFromKv({ subsys: "notify_redis", id: "R", kv: kvOfTarget(t) });
    expect({ ...(again as object), kv: undefined }).toEqual({ ...t, kv: undefined });
  });
  it("help has exactly madmin's five fields, per key or as variables", () => {
    const h = subsystemHelp(subsystem("notify_redis")!, { key: "address", env: true });
    expect(h).toEqual({
      subSys: "notify_redis", description: "publish bucket notifications to Redis datastores", multipleTargets: true,
      keysHelp: [{ key: "MINIO_NOTIFY_REDIS_ADDRESS", description: "Redis server's address. For example: `localhost:6379`", optional: false, type: "address", multipleTargets: false }],
    });
    expect(Object.keys(allSubsystemsHelp())).toEqual(["subSys", "description", "multipleTargets", "keysHelp"]);
  });
});

describe("targetProblem: every target type", () => {
  const redis = targetsFromEnv({ MINIO_NOTIFY_REDIS_ENABLE_R: "on", MINIO_NOTIFY_REDIS_ADDRESS_R: "h:6379", MINIO_NOTIFY_REDIS_KEY_R: "k" })["R:redis"];
  it.each([
    [{ ...redis, port: 0 }, "port"],
    [{ ...redis, key: "" }, "'key'"],
    [{ ...redis, format: "log" }, "'format'"],
  ])("a stored redis target %#: %s", (t, why) => {
    expect(targetProblem(t as any)).toContain(why);
  });
  it("sql and amqp targets: table names, ports, delivery mode", () => {
    const pg = targetFromKv(line("notify_postgres:p connection_string=host=h table=t")) as any;
    expect(targetProblem({ ...pg, table: "x; drop table y" })).toContain("'table'");
    expect(targetProblem({ ...pg, port: 70000 })).toContain("port");
    const amqp = targetFromKv(line("notify_amqp:a url=amqp://h/")) as any;
    expect(targetProblem({ ...amqp, deliveryMode: 3 })).toContain("delivery_mode");
    expect(targetProblem({ ...amqp, url: "http://h/" })).toContain("amqp://");
  });
});
