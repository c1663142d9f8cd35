// SqlDriver over a Durable Object's SQLite (ctx.storage.sql): the SQL MetaStore runs unchanged
// inside the object, as on bun:sqlite.
import type { SqlDriver, SqlValue } from "../../store/sql/driver.ts";

type DoValue = ArrayBuffer | string | number | null;

/** DO SQL binds ArrayBuffer for BLOBs (not views) and has no bigint. */
function toDo(v: SqlValue): DoValue {
  if (v instanceof Uint8Array) {
    return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer
      ? v.buffer
      : (v.slice().buffer as ArrayBuffer);
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** BLOBs come back as ArrayBuffer; the MetaStore expects Uint8Array. */
function fromDoRow(row: Record<string, DoValue>): Record<string, SqlValue> {
  for (const k in row) {
    const v = row[k];
    if (v instanceof ArrayBuffer) (row as Record<string, SqlValue>)[k] = new Uint8Array(v);
  }
  return row as Record<string, SqlValue>;
}

export function createDoSqlDriver(storage: DurableObjectStorage): SqlDriver {
  const sql = storage.sql;
  /** Statements run so far: a `changes` read after another statement would count that one's. */
  let statements = 0;
  return {
    exec: (query) => { statements++; sql.exec(query); },
    all: <T>(query: string, params: SqlValue[] = []) => {
      statements++;
      return sql.exec<Record<string, DoValue>>(query, ...params.map(toDo)).toArray().map(fromDoRow) as T[];
    },
    run: (query, params = []) => {
      sql.exec(query, ...params.map(toDo)).toArray();
      const at = ++statements;
      // rowsWritten also counts index entries, so SQLite is asked for the exact number of changed
      // rows, but only by the callers that read it (most writes do not: one statement less each).
      let n: number | undefined;
      return {
        get changes() {
          if (n === undefined) {
            if (statements !== at) throw new Error("SqlDriver.run: read changes before the next statement");
            n = Number(sql.exec<{ n: number }>("SELECT changes() AS n").one().n);
          }
          return n;
        },
      };
    },
    // Every DO method body is synchronous SQL, so nothing interleaves; transactionSync adds the
    // rollback on throw that the MetaStore relies on (ChunkMissing, conditional puts).
    transaction: <T>(fn: () => T): T => storage.transactionSync(fn),
  };
}
