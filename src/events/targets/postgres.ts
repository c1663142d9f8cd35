// PostgreSQL target with postgres.js (a design-card library, so in the core): a pool of
// max_open_connections per target; the table is created on first use when missing (MinIO's
// DDL), then one upsert, delete or insert per event. postgres.js reconnects by itself; a query
// while the server is down fails, and the queue retries. It runs on Bun (node:net) and on
// Workers (its workerd build: cloudflare:sockets, which needs the nodejs_compat flag).
import postgres from "postgres";
import type { PostgresTarget } from "../targets.ts";
import type { TargetSender } from "./drivers.ts";
import { createTableSql, sqlWrite } from "./format.ts";
import { withTimeout } from "./timeout.ts";

export function createPostgresSender(t: PostgresTarget): TargetSender {
  const sql = postgres({
    host: t.host, port: t.port, user: t.user, password: t.password, database: t.database || undefined,
    ...(t.socket ? { path: `${t.socket}/.s.PGSQL.${t.port}` } : {}),
    ssl: t.ssl === "disable" || t.ssl === "allow" ? false : t.ssl === "prefer" ? "prefer" : t.ssl === "require" ? "require" : "verify-full",
    max: t.maxOpenConnections, connect_timeout: 5, idle_timeout: 60, onnotice: () => {},
  });
  let ready: Promise<unknown> | null = null;
  return {
    async send(record) {
      try {
        await withTimeout((ready ??= sql.unsafe(createTableSql("postgres", t.table, t.format))), `postgresql create table ${t.table}`);
        const { text, params } = sqlWrite("postgres", t, record);
        await withTimeout(sql.unsafe(text, params), `postgresql ${t.table}`);
      } catch (e) {
        // The table may have been dropped, or the first CREATE failed: check again next time.
        ready = null;
        throw e;
      }
    },
    async close() { await sql.end({ timeout: 2 }); },
  };
}
