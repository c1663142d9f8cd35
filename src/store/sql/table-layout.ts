// The object tables' layout. Files made before 2026-12-02 hold `objects` WITHOUT ROWID with the
// data column mid-record, where every key lookup of a 4 KiB object reads its overflow page
// several times (schema.ts says why); they keep working as they are, and `s3edge upgrade-store`
// rewrites them into SCHEMA's layout with this.
import type { SqlDriver } from "./driver.ts";
import { migrateSchema, SCHEMA } from "./schema.ts";

const TABLES = ["objects", "object_versions"] as const;

/** The object tables of this file that are not in SCHEMA's layout (WITHOUT ROWID, or data not last). */
export function outdatedObjectTables(db: SqlDriver): string[] {
  return TABLES.filter((t) => {
    const sql = String(db.all("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [t])[0]?.sql ?? "");
    const cols = db.all(`PRAGMA table_info(${t})`).map((c) => String(c.name));
    return sql !== "" && (/WITHOUT\s+ROWID/i.test(sql) || cols[cols.length - 1] !== "inline");
  });
}

/** SCHEMA's CREATE TABLE of `table`, made to create `as` instead. */
function createStatement(table: string, as: string): string {
  const m = new RegExp(`CREATE TABLE IF NOT EXISTS ${table} \\(([\\s\\S]*?)\\n\\)([^;]*);`).exec(SCHEMA);
  if (!m) throw new Error(`SCHEMA has no table ${table}`);
  return `CREATE TABLE ${as} (${m[1]}\n)${m[2]};`;
}

/**
 * Rewrites the outdated object tables into SCHEMA's layout in one transaction (rows copied by
 * column name; the tables' indexes made again) and returns their names. A store's writers wait
 * for it (SQLite's write lock): run it with the server stopped.
 */
export function upgradeObjectTables(db: SqlDriver): string[] {
  migrateSchema(db); // every column SCHEMA's tables have, so the copy below misses none
  const outdated = outdatedObjectTables(db);
  if (!outdated.length) return [];
  db.transaction(() => {
    for (const t of outdated) {
      db.exec(createStatement(t, `${t}_upgrade`));
      const cols = db.all(`PRAGMA table_info(${t})`).map((c) => `"${String(c.name)}"`).join(", ");
      db.run(`INSERT INTO ${t}_upgrade (${cols}) SELECT ${cols} FROM ${t}`);
      db.exec(`DROP TABLE ${t}`); // its indexes go with it
      db.exec(`ALTER TABLE ${t}_upgrade RENAME TO ${t}`);
    }
    db.exec(SCHEMA);
    migrateSchema(db);
  });
  return outdated;
}
