/**
 * The synchronous-SQL seam shared by bun:sqlite and Durable Object SQLite: the MetaStore's
 * SQL runs unchanged on both. Values are string | number | Uint8Array | null.
 */
export type SqlValue = string | number | bigint | Uint8Array | null;

export interface SqlDriver {
  exec(sql: string): void;
  all<T = Record<string, SqlValue>>(sql: string, params?: SqlValue[]): T[];
  /** `changes` (rows the statement changed) is to be read before the next statement runs (the DO driver asks SQLite for it only then). */
  run(sql: string, params?: SqlValue[]): { readonly changes: number };
  /** Runs fn atomically; a throw rolls everything back. */
  transaction<T>(fn: () => T): T;
  /**
   * As `transaction`, but the commit may be shared with others begun in the same turn of the
   * event loop (group commit, each in a savepoint of its own: a throw undoes only its own
   * changes); resolves after that commit. Absent: callers use `transaction`.
   */
  group?<T>(fn: () => T): Promise<T>;
  /**
   * Set only where other processes write the same database (Bun --workers): a number that
   * changes whenever another connection committed (SQLite's `PRAGMA data_version`), so
   * in-process caches of stored state know when to drop what they hold.
   */
  dataVersion?(): number;
}

/** Runs fn through `db.group` where the driver has it, else as a transaction of its own. */
export const grouped = <T>(db: SqlDriver, fn: () => T): Promise<T> =>
  db.group ? db.group(fn) : new Promise<T>((resolve) => resolve(db.transaction(fn)));
