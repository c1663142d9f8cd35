// The TargetRegistry's stored targets and SNS topics on PostgreSQL (schema.ts migration 3),
// shared by every node: what src/events/sql-target-store.ts does over SQLite. Each change locks
// the version row first, so changes are serialised across nodes and the stamp every node's
// registry polls moves once per committed change; listTargets reads one snapshot.
import type { NotifyTarget } from "../../events/targets.ts";
import type { TopicTarget } from "../../events/topics.ts";
import { targetKey, type TargetStore } from "../../events/target-registry.ts";
import { transaction, type Pg, type Tx } from "./tx.ts";
import { withUnavailable } from "./unavailable.ts";

export function createPostgresTargetStore(sql: Pg, opts: { now: () => number }): TargetStore {
  const version = async (q: Pg | Tx) => Number((await q`SELECT version FROM notify_targets_version WHERE id = 0`)[0].version);
  /** The change and the bump in one transaction; a change that found nothing (null) bumps nothing. */
  const change = (fn: (tx: Tx) => Promise<boolean>): Promise<number | null> => transaction(sql, async (tx) => {
    await tx`SELECT version FROM notify_targets_version WHERE id = 0 FOR UPDATE`;
    if (!(await fn(tx))) return null;
    return Number((await tx`UPDATE notify_targets_version SET version = version + 1 WHERE id = 0 RETURNING version`)[0].version);
  });
  return withUnavailable<TargetStore>({
    async targetsVersion() { return version(sql); },
    async listTargets() {
      return transaction(sql, async (tx) => ({
        version: await version(tx),
        targets: (await tx`SELECT target FROM notify_targets ORDER BY key`).map((r) => JSON.parse(r.target as string) as NotifyTarget),
        topics: (await tx`SELECT topic FROM sns_topics ORDER BY name`).map((r) => JSON.parse(r.topic as string) as TopicTarget),
      }), "isolation level repeatable read read only");
    },
    async putTarget(t) {
      return (await change(async (tx) => {
        await tx`INSERT INTO notify_targets (key, target, updated) VALUES (${targetKey(t)}, ${JSON.stringify(t)}, ${opts.now()})
          ON CONFLICT (key) DO UPDATE SET target = excluded.target, updated = excluded.updated`;
        return true;
      }))!;
    },
    async removeTarget(key) {
      return change(async (tx) => (await tx`DELETE FROM notify_targets WHERE key = ${key} RETURNING key`).length > 0);
    },
    async putTopic(t) {
      return (await change(async (tx) => {
        await tx`INSERT INTO sns_topics (name, topic, updated) VALUES (${t.id}, ${JSON.stringify(t)}, ${opts.now()})
          ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, updated = excluded.updated`;
        return true;
      }))!;
    },
    async removeTopic(name) {
      return change(async (tx) => (await tx`DELETE FROM sns_topics WHERE name = ${name} RETURNING name`).length > 0);
    },
  });
}
