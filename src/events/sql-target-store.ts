// The TargetRegistry's stored targets over any synchronous SQLite: on Bun in meta.sqlite, on
// Workers inside the IamShard Durable Object (the one global object for cluster-wide state).
// A target is one row of JSON; every put or remove bumps the version in the same transaction.
import type { SqlDriver } from "../store/sql/driver.ts";
import type { NotifyTarget } from "./targets.ts";
import type { TopicTarget } from "./topics.ts";
import { targetKey, type TargetStore } from "./target-registry.ts";

export const TARGET_SCHEMA = `
CREATE TABLE IF NOT EXISTS notify_targets (key TEXT PRIMARY KEY, target TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notify_targets_version (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL);
INSERT OR IGNORE INTO notify_targets_version (id, version) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS sns_topics (name TEXT PRIMARY KEY, topic TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
`;

export function createSqlTargetStore(db: SqlDriver, opts: { now: () => number }): TargetStore {
  db.exec(TARGET_SCHEMA);
  const version = () => Number(db.all("SELECT version FROM notify_targets_version WHERE id = 0")[0].version);
  const bump = () => {
    db.run("UPDATE notify_targets_version SET version = version + 1 WHERE id = 0");
    return version();
  };
  return {
    async targetsVersion() { return version(); },
    async listTargets() {
      const targets = db.all("SELECT target FROM notify_targets ORDER BY key").map((r) => JSON.parse(r.target as string) as NotifyTarget);
      // SNS topics (events/topics.ts): a table of their own, under the same version stamp.
      const topics = db.all("SELECT topic FROM sns_topics ORDER BY name").map((r) => JSON.parse(r.topic as string) as TopicTarget);
      return { version: version(), targets, topics };
    },
    async putTarget(t) {
      return db.transaction(() => {
        db.run(
          "INSERT INTO notify_targets (key, target, updated) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET target = excluded.target, updated = excluded.updated",
          [targetKey(t), JSON.stringify(t), opts.now()],
        );
        return bump();
      });
    },
    async removeTarget(key) {
      return db.transaction(() => (db.run("DELETE FROM notify_targets WHERE key = ?", [key]).changes === 0 ? null : bump()));
    },
    async putTopic(t) {
      return db.transaction(() => {
        db.run(
          "INSERT INTO sns_topics (name, topic, updated) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, updated = excluded.updated",
          [t.id, JSON.stringify(t), opts.now()],
        );
        return bump();
      });
    },
    async removeTopic(name) {
      return db.transaction(() => (db.run("DELETE FROM sns_topics WHERE name = ?", [name]).changes === 0 ? null : bump()));
    },
  };
}
