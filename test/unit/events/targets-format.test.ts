// What each target writes for a record, as MinIO writes it (specs/minio-admin.md §10.5).
import { describe, expect, it } from "bun:test";
import { amqpPublish, createTableSql, logJson, mysqlDatetime, objectPath, redisCommand, sqlWrite } from "../../../src/events/targets/format.ts";

const rec = (eventName: string, key = "photos%2Fmy+photo.jpg") => ({
  eventVersion: "2.0", eventSource: "minio:s3", eventTime: "2026-11-24T10:00:00.123Z", eventName,
  s3: { bucket: { name: "images" }, object: { key, sequencer: "17C43E89196AE2A0" } },
});
const put = rec("s3:ObjectCreated:Put"), del = rec("s3:ObjectRemoved:Delete"), marker = rec("s3:ObjectRemoved:DeleteMarkerCreated");

describe("target formats", () => {
  it("keys by bucket/unescaped key; a key that is not valid percent-encoding stays as sent", () => {
    expect(objectPath(put)).toBe("images/photos/my photo.jpg");
    expect(objectPath(rec("x", "100%"))).toBe("images/100%");
    expect(JSON.parse(logJson(put))).toEqual({ EventName: "s3:ObjectCreated:Put", Key: "images/photos/my photo.jpg", Records: [put] });
  });
  it("Redis: HSET / HDEL (Delete only) in namespace, RPUSH [{Event, EventTime}] in access", () => {
    const ns = { key: "bucketevents", format: "namespace" as const };
    expect(redisCommand(ns, put)).toEqual(["HSET", "bucketevents", "images/photos/my photo.jpg", JSON.stringify({ Records: [put] })]);
    expect(redisCommand(ns, del)).toEqual(["HDEL", "bucketevents", "images/photos/my photo.jpg"]);
    expect(redisCommand(ns, marker)[0]).toBe("HSET");
    expect(redisCommand({ key: "log", format: "access" }, del)).toEqual(["RPUSH", "log", JSON.stringify([{ Event: [del], EventTime: "2026-11-24T10:00:00.123Z" }])]);
  });
  it("PostgreSQL: MinIO's tables; upsert on key, delete, insert with typed parameters", () => {
    expect(createTableSql("postgres", "ev", "namespace")).toBe("CREATE TABLE IF NOT EXISTS ev (key VARCHAR PRIMARY KEY, value JSONB)");
    expect(createTableSql("postgres", "ev", "access")).toBe("CREATE TABLE IF NOT EXISTS ev (event_time TIMESTAMP WITH TIME ZONE NOT NULL, event_data JSONB)");
    const ns = { table: "ev", format: "namespace" as const };
    expect(sqlWrite("postgres", ns, put)).toEqual({
      text: "INSERT INTO ev (key, value) VALUES ($1, $2::text::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      params: ["images/photos/my photo.jpg", JSON.stringify({ Records: [put] })],
    });
    expect(sqlWrite("postgres", ns, del)).toEqual({ text: "DELETE FROM ev WHERE key = $1", params: ["images/photos/my photo.jpg"] });
    expect(sqlWrite("postgres", { table: "ev", format: "access" }, put)).toEqual({
      text: "INSERT INTO ev (event_time, event_data) VALUES ($1::timestamptz, $2::text::jsonb)", params: ["2026-11-24T10:00:00.123Z", JSON.stringify({ Records: [put] })],
    });
  });
  it("MySQL: keyed by a stored SHA-256 of key_name; ON DUPLICATE KEY upsert, delete by hash, DATETIME in UTC", () => {
    expect(createTableSql("mysql", "ev", "namespace")).toContain("key_hash CHAR(64) GENERATED ALWAYS AS (SHA2(key_name, 256)) STORED");
    expect(createTableSql("mysql", "ev", "access")).toBe("CREATE TABLE IF NOT EXISTS ev (event_time DATETIME NOT NULL, event_data JSON) ROW_FORMAT = DYNAMIC");
    const ns = { table: "ev", format: "namespace" as const };
    expect(sqlWrite("mysql", ns, put).text).toBe("INSERT INTO ev (key_name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)");
    expect(sqlWrite("mysql", ns, del)).toEqual({ text: "DELETE FROM ev WHERE key_hash = SHA2(?, 256)", params: ["images/photos/my photo.jpg"] });
    expect(sqlWrite("mysql", { table: "ev", format: "access" }, put).params[0]).toBe("2026-11-24 10:00:00.123");
    expect(mysqlDatetime("2026-01-02T03:04:05.006Z")).toBe("2026-01-02 03:04:05.006");
  });
  it("AMQP: one JSON message to the exchange with the routing key, delivery mode and mandatory flag", () => {
    const p = amqpPublish({ exchange: "ex", routingKey: "rk", deliveryMode: 2, mandatory: true }, put, "m1");
    expect(p).toEqual({ exchange: "ex", routingKey: "rk", body: logJson(put), options: { contentType: "application/json", deliveryMode: 2, mandatory: true, messageId: "m1" } });
  });
});
