import { Database } from "bun:sqlite";
import type { SqlDriver, SqlValue } from "../../store/sql/driver.ts";

export function createBunSqliteDriver(path: string): SqlDriver & { close(): void } {
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode: a committed write survives a process crash; it may be lost only on power loss.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = OFF");
  return {
    exec: (sql) => db.exec(sql),
    all: <T>(sql: string, params: SqlValue[] = []) => db.query(sql).all(...(params as never[])) as T[],
    run: (sql, params = []) => ({ changes: db.query(sql).run(...(params as never[])).changes }),
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate() as T,
    close: () => db.close(),
  };
}
