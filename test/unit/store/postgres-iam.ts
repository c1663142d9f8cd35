// The PostgreSQL IamStore (and TargetStore) against the SQLite ones (src/iam/sql-store.ts, whose own cases are
// test/unit/iam/sql-store.test.ts): one script of writes, refusals included, applied to both,
// every answer and every read compared; then what only a shared database shows: a write on one
// node is seen by the other's version stamp and reads, and racing writes of one key have one winner.
// Run by postgres-meta-store.test.ts.
import { expect } from "bun:test";
import type { IamStore } from "../../../src/iam/store.ts";
import { createSqlIamStore } from "../../../src/iam/sql-store.ts";
import { createBunSqliteDriver } from "../../../src/runtime/bun/sqlite-driver.ts";
import { createPostgresIamStore } from "../../../src/store/postgres/iam-store.ts";
import type { PgNodes } from "./postgres-races.ts";
import { createSqlTargetStore } from "../../../src/events/sql-target-store.ts";
import { createPostgresTargetStore } from "../../../src/store/postgres/target-store.ts";
import type { TargetStore } from "../../../src/events/target-registry.ts";
import type { NotifyTarget } from "../../../src/events/targets.ts";
import type { TopicTarget } from "../../../src/events/topics.ts";

const DOC = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] });

/** Every kind of write, and the refusals the SQLite store gives. */
const SCRIPT: ((s: IamStore) => Promise<unknown>)[] = [
  (s) => s.putPolicy("getb", DOC),
  (s) => s.putPolicy("readonly", DOC), // PolicyBuiltin
  (s) => s.putPolicy("bad", "not json"),
  (s) => s.putUser({ accessKey: "user1", secretKey: "secret-u1", status: "enabled", policies: ["readonly", "getb", "readonly"] }),
  (s) => s.putUser({ accessKey: "user2", secretKey: "secret-u2", status: "enabled" }),
  (s) => s.putUser({ accessKey: "user3", secretKey: "secret-u3", status: "enabled", policies: ["nope"] }), // NoSuchPolicy: nothing kept
  (s) => s.putUser({ accessKey: "user1", secretKey: "secret-new", status: "disabled" }),
  (s) => s.setUserStatus("user1", "enabled"),
  (s) => s.setUserStatus("ghost", "enabled"),
  (s) => s.addGroupMembers("devs", ["user1", "user2", "user1"]),
  (s) => s.addGroupMembers("ops", ["user1", "ghost"]),
  (s) => s.setPolicies({ group: "devs" }, ["readwrite", "getb"]),
  (s) => s.attachPolicies({ user: "user2" }, ["getb", "writeonly"]),
  (s) => s.detachPolicies({ user: "user2" }, ["getb"]),
  (s) => s.attachPolicies({ group: "nogroup" }, ["getb"]),
  (s) => s.deletePolicy("getb"), // PolicyInUse
  (s) => s.deleteGroup("devs"), // GroupNotEmpty
  (s) => s.removeGroupMembers("devs", ["user2"]),
  (s) => s.setGroupStatus("devs", "disabled"),
  (s) => s.putServiceAccount({ accessKey: "SA1", secretKey: "secret-sa1", parent: "user1", name: "ci", description: "the CI", expiration: 1_900_000_000_000 }),
  (s) => s.putServiceAccount({ accessKey: "SA2", secretKey: "secret-sa2", parent: "user2", sessionPolicy: DOC }),
  (s) => s.putServiceAccount({ accessKey: "user2", secretKey: "secret-x", parent: "user1" }), // AccessKeyInUse
  (s) => s.putServiceAccount({ accessKey: "SA3", secretKey: "secret-sa3", parent: "ghost" }),
  (s) => s.putUser({ accessKey: "SA1", secretKey: "secret-u9", status: "enabled" }), // names a service account
  (s) => s.updateServiceAccount("SA1", { status: "disabled", sessionPolicy: DOC, expiration: null, description: "changed" }),
  (s) => s.updateServiceAccount("SA9", { status: "disabled" }),
  (s) => s.deleteServiceAccount("SA2"),
  (s) => s.deleteServiceAccount("SA2"),
  (s) => s.deleteUser("user2"),
  (s) => s.removeGroupMembers("devs", ["user1"]),
  (s) => s.deleteGroup("devs"),
  (s) => s.detachPolicies({ user: "user1" }, ["getb"]),
  (s) => s.deletePolicy("getb"),
  (s) => s.deletePolicy("getb"),
];

const READS: ((s: IamStore) => Promise<unknown>)[] = [
  (s) => s.version(), (s) => s.listUsers(), (s) => s.getUser("user1"), (s) => s.getUser("user2"), (s) => s.listGroups(),
  (s) => s.getGroup("devs"), (s) => s.getGroup("ops"), (s) => s.listPolicies(), (s) => s.getPolicy("getb"), (s) => s.getPolicy("diagnostics"),
  (s) => s.listServiceAccounts(), (s) => s.listServiceAccounts("user1"), (s) => s.getServiceAccount("SA1"), (s) => s.snapshot(),
];

export const POSTGRES_IAM: { name: string; run(n: PgNodes): Promise<void> }[] = [
  {
    name: "IamStore: the same script gives the same answers and reads as the SQLite IamStore",
    async run(n) {
      let now = 1_700_000_000_000;
      const { sql } = await n.node();
      const pg = createPostgresIamStore(sql, { now: () => now });
      const driver = createBunSqliteDriver(":memory:", { fsync: false });
      const lite = createSqlIamStore(driver, { now: () => now });
      try {
        for (const [i, step] of SCRIPT.entries()) {
          now += 1000;
          expect({ i, got: await step(pg) }).toEqual({ i, got: await step(lite) });
          for (const [j, read] of READS.entries()) expect({ i, j, got: await read(pg) }).toEqual({ i, j, got: await read(lite) });
        }
      } finally {
        await driver.close();
      }
    },
  },
  {
    name: "IamStore on two nodes: a write on one moves the other's version stamp and reads; racing creates of one key have one winner",
    async run(n) {
      const [a, b] = await Promise.all([n.node(), n.node()]);
      const ia = createPostgresIamStore(a.sql, { now: Date.now });
      const ib = createPostgresIamStore(b.sql, { now: Date.now });
      const before = await ib.version();
      const w = await ia.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled" });
      expect(w).toEqual({ ok: true, version: before + 1 });
      expect(await ib.version()).toBe(before + 1);
      expect((await ib.getUser("alice"))?.secretKey).toBe("alice-secret");
      const raced = await Promise.all([ia, ib, ia, ib].map((s, i) => s.putServiceAccount({ accessKey: "SHARED1", secretKey: `secret-${i}xx`, parent: "alice" })));
      expect(raced.filter((r) => r.ok).length).toBe(1);
      expect(raced.filter((r) => !r.ok).map((r) => !r.ok && r.error)).toEqual(["AccessKeyInUse", "AccessKeyInUse", "AccessKeyInUse"]);
      expect(await ia.version()).toBe(before + 2);
    },
  },
];

const hook = (id: string, endpoint = "http://127.0.0.1:1/h"): NotifyTarget =>
  ({ type: "webhook", id, endpoint, queueLimit: 100, maxRetries: 3, ttlMs: 60_000 }) as NotifyTarget;
const topic = (id: string, endpoint = ""): TopicTarget => ({
  type: "sns", id, endpoint, args: "", opaqueData: "", persistent: true, cloudevents: false, verifySsl: true, owner: "root",
  queueLimit: 100, maxRetries: 3, ttlMs: 60_000,
});

POSTGRES_IAM.push({
  name: "TargetStore: the same changes give the same versions and listings as the SQLite TargetStore; two nodes share them",
  async run(n) {
    const [a, b] = await Promise.all([n.node(), n.node()]);
    const pg = createPostgresTargetStore(a.sql, { now: () => 1 });
    const other = createPostgresTargetStore(b.sql, { now: () => 1 });
    const driver = createBunSqliteDriver(":memory:", { fsync: false });
    const lite = createSqlTargetStore(driver, { now: () => 1 });
    const steps: ((s: TargetStore) => Promise<unknown>)[] = [
      (s) => s.putTarget(hook("1")), (s) => s.putTarget(hook("2")), (s) => s.putTarget(hook("1", "http://127.0.0.1:2/again")),
      (s) => s.removeTarget("2:webhook"), (s) => s.removeTarget("2:webhook"), (s) => s.putTopic(topic("t1")),
      (s) => s.putTopic(topic("t1", "http://127.0.0.1:3/t")), (s) => s.removeTopic("t9"), (s) => s.removeTopic("t1"), (s) => s.putTopic(topic("t2")),
    ];
    try {
      for (const [i, step] of steps.entries()) {
        expect({ i, got: await step(pg) }).toEqual({ i, got: await step(lite) });
        expect({ i, list: await other.listTargets() }).toEqual({ i, list: await lite.listTargets() });
        expect(await other.targetsVersion()).toBe(await lite.targetsVersion());
      }
    } finally {
      await driver.close();
    }
  },
});
