// MySQL / MariaDB target with mysql2: a pool of max_open_connections per target; the table is
// created on first use when missing (MinIO's DDL), then one upsert, delete or insert per event.
import { createPool } from "mysql2/promise";
import type { MysqlTarget } from "../../../events/targets.ts";
import type { TargetSender } from "../../../events/targets/drivers.ts";
import { createTableSql, sqlWrite } from "../../../events/targets/format.ts";
import { withTimeout } from "../../../events/targets/timeout.ts";

export function createMysqlSender(t: MysqlTarget): TargetSender {
  const pool = createPool({
    ...(t.socket ? { socketPath: t.socket } : { host: t.host, port: t.port }),
    user: t.user, password: t.password, database: t.database,
    ...(t.ssl !== "disable" ? { ssl: { rejectUnauthorized: t.ssl !== "prefer" } } : {}),
    connectionLimit: t.maxOpenConnections, connectTimeout: 5000, waitForConnections: true, queueLimit: 0,
    // DATETIME values are written in UTC (events/targets/format.ts mysqlDatetime).
    timezone: "Z",
  });
  // A broken pooled connection is destroyed by mysql2 and the error reaches the query: the queue retries.
  pool.on("connection", () => {});
  let ready: Promise<unknown> | null = null;
  return {
    async send(record) {
      try {
        await withTimeout((ready ??= pool.query(createTableSql("mysql", t.table, t.format))), `mysql create table ${t.table}`);
        const { text, params } = sqlWrite("mysql", t, record);
        await withTimeout(pool.execute(text, params), `mysql ${t.table}`);
      } catch (e) {
        ready = null;
        throw e;
      }
    },
    async close() { await pool.end().catch(() => {}); },
  };
}
