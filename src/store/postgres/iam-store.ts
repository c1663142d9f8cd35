// IamStore on PostgreSQL (schema.ts migration 2), shared by every node: what src/iam/sql-store.ts
// does over SQLite, with the same checks and refusals. Each write is one transaction that first
// locks the version row (FOR UPDATE): IAM writes are rare, so serialising them all makes every
// check-then-write (a user exists, a key is free, a policy is unused) race-free across nodes,
// and the version stamp a node's IAM cache polls moves once per committed write, never for a
// refused one. Reads of several tables (snapshot) run in one REPEATABLE READ snapshot.
import { CANNED_POLICIES, isCannedPolicy } from "../../iam/canned.ts";
import type {
  IamGroup, IamPolicy, IamServiceAccount, IamStatus, IamStore, IamUser, IamWrite, NewServiceAccount, NewUser, PolicyEntity,
  ServiceAccountPatch,
} from "../../iam/store.ts";
import {
  checkAccessKey, checkAccountName, checkNewServiceAccount, checkDescription, checkDocument, checkExpiration, checkGroupName, checkPolicyName,
  checkSecretKey, checkStatus, IamRefusal, unique,
} from "../../iam/validate.ts";
import { transaction, type Pg, type Tx } from "./tx.ts";
import { groupBy, rowToAccount } from "../../iam/sql-store.ts";
import { withUnavailable } from "./unavailable.ts";

type Q = Pg | Tx;

const builtin = (name: string): IamPolicy => ({ name, document: CANNED_POLICIES[name], builtin: true });

/** The IamStore over a migrated database (createPostgresMetaStore migrates it). */
export function createPostgresIamStore(sql: Pg, opts: { now: () => number }): IamStore {
  const currentVersion = async (q: Q) => Number((await q`SELECT version FROM iam_version WHERE id = 0`)[0].version);
  /** One transaction: the lock, the change, the version bump; a refusal undoes all. */
  const write = async (fn: (tx: Tx, now: number) => Promise<void>): Promise<IamWrite> => {
    try {
      return await transaction(sql, async (tx) => {
        await tx`SELECT version FROM iam_version WHERE id = 0 FOR UPDATE`;
        await fn(tx, opts.now());
        const v = await tx`UPDATE iam_version SET version = version + 1 WHERE id = 0 RETURNING version`;
        return { ok: true as const, version: Number(v[0].version) };
      });
    } catch (e) {
      if (e instanceof IamRefusal) return { ok: false, error: e.code, message: e.message };
      throw e;
    }
  };

  const has = async (q: Promise<readonly unknown[]>) => (await q).length > 0;
  const isUser = (tx: Q, k: string) => has(tx`SELECT 1 AS x FROM iam_users WHERE access_key = ${k}`);
  const isAccount = (tx: Q, k: string) => has(tx`SELECT 1 AS x FROM iam_service_accounts WHERE access_key = ${k}`);
  const isGroup = (tx: Q, n: string) => has(tx`SELECT 1 AS x FROM iam_groups WHERE name = ${n}`);
  const isPolicy = async (tx: Q, n: string) => isCannedPolicy(n) || has(tx`SELECT 1 AS x FROM iam_policies WHERE name = ${n}`);

  const needUser = async (tx: Q, k: string) => { if (!(await isUser(tx, k))) throw new IamRefusal("NoSuchUser", `user '${k}' does not exist`); };
  const needGroup = async (tx: Q, n: string) => { if (!(await isGroup(tx, n))) throw new IamRefusal("NoSuchGroup", `group '${n}' does not exist`); };
  const needPolicies = async (tx: Q, names: string[]) => {
    for (const n of names) {
      checkPolicyName(n);
      if (!(await isPolicy(tx, n))) throw new IamRefusal("NoSuchPolicy", `policy '${n}' does not exist`);
    }
  };
  const entityOf = async (tx: Q, e: PolicyEntity): Promise<{ kind: "user" | "group"; name: string }> => {
    if ("user" in e && typeof e.user === "string") { await needUser(tx, e.user); return { kind: "user", name: e.user }; }
    if ("group" in e && typeof e.group === "string") { await needGroup(tx, e.group); return { kind: "group", name: e.group }; }
    throw new IamRefusal("InvalidArgument", "a policy is attached to a user or a group");
  };
  const policiesOf = async (tx: Q, kind: "user" | "group", name: string): Promise<string[]> =>
    (await tx`SELECT policy FROM iam_policy_mappings WHERE kind = ${kind} AND entity = ${name} ORDER BY position`).map((r) => r.policy as string);
  const mapPolicies = async (tx: Tx, kind: "user" | "group", name: string, names: string[]) => {
    await tx`DELETE FROM iam_policy_mappings WHERE kind = ${kind} AND entity = ${name}`;
    const list = unique(names);
    if (list.length) {
      await tx`INSERT INTO iam_policy_mappings (kind, entity, policy, position)
        SELECT ${kind}, ${name}, p, i - 1 FROM unnest(${list}::text[]) WITH ORDINALITY AS u(p, i)`;
    }
  };
  const touchGroup = (tx: Tx, name: string, now: number) => tx`UPDATE iam_groups SET updated = ${now} WHERE name = ${name}`;
  const touch = async (tx: Tx, e: { kind: "user" | "group"; name: string }, now: number) => {
    if (e.kind === "user") await tx`UPDATE iam_users SET updated = ${now} WHERE access_key = ${e.name}`;
    else await touchGroup(tx, e.name, now);
  };

  const readUsers = async (q: Q, accessKey?: string): Promise<IamUser[]> => {
    const one = accessKey !== undefined;
    const rows = one
      ? await q`SELECT access_key, secret_key, status, updated FROM iam_users WHERE access_key = ${accessKey}`
      : await q`SELECT access_key, secret_key, status, updated FROM iam_users ORDER BY access_key`;
    if (!rows.length) return [];
    const policies = groupBy(one
      ? await q`SELECT entity, policy FROM iam_policy_mappings WHERE kind = 'user' AND entity = ${accessKey} ORDER BY position`
      : await q`SELECT entity, policy FROM iam_policy_mappings WHERE kind = 'user' ORDER BY entity, position`, "entity", "policy");
    const groups = groupBy(one
      ? await q`SELECT access_key, group_name FROM iam_group_members WHERE access_key = ${accessKey} ORDER BY group_name`
      : await q`SELECT access_key, group_name FROM iam_group_members ORDER BY group_name`, "access_key", "group_name");
    return rows.map((r) => {
      const k = r.access_key as string;
      return {
        accessKey: k, secretKey: r.secret_key as string, status: r.status as IamStatus,
        policies: policies.get(k) ?? [], memberOf: groups.get(k) ?? [], updatedAt: Number(r.updated),
      };
    });
  };

  const readGroups = async (q: Q, name?: string): Promise<IamGroup[]> => {
    const one = name !== undefined;
    const rows = one
      ? await q`SELECT name, status, updated FROM iam_groups WHERE name = ${name}`
      : await q`SELECT name, status, updated FROM iam_groups ORDER BY name`;
    if (!rows.length) return [];
    const policies = groupBy(one
      ? await q`SELECT entity, policy FROM iam_policy_mappings WHERE kind = 'group' AND entity = ${name} ORDER BY position`
      : await q`SELECT entity, policy FROM iam_policy_mappings WHERE kind = 'group' ORDER BY entity, position`, "entity", "policy");
    const members = groupBy(one
      ? await q`SELECT group_name, access_key FROM iam_group_members WHERE group_name = ${name} ORDER BY access_key`
      : await q`SELECT group_name, access_key FROM iam_group_members ORDER BY access_key`, "group_name", "access_key");
    return rows.map((r) => {
      const n = r.name as string;
      return { name: n, status: r.status as IamStatus, members: members.get(n) ?? [], policies: policies.get(n) ?? [], updatedAt: Number(r.updated) };
    });
  };

  const readPolicies = async (q: Q): Promise<IamPolicy[]> => [
    ...Object.keys(CANNED_POLICIES).map(builtin),
    ...(await q`SELECT name, document, created, updated FROM iam_policies ORDER BY name`).map((r) => ({
      name: r.name as string, document: r.document as string, builtin: false, createdAt: Number(r.created), updatedAt: Number(r.updated),
    })),
  ];

  const readAccounts = async (q: Q, by?: { accessKey?: string; parent?: string }) =>
    (by?.accessKey !== undefined ? await q`SELECT * FROM iam_service_accounts WHERE access_key = ${by.accessKey}`
      : by?.parent !== undefined ? await q`SELECT * FROM iam_service_accounts WHERE parent = ${by.parent} ORDER BY access_key`
      : await q`SELECT * FROM iam_service_accounts ORDER BY access_key`).map(rowToAccount);

  return withUnavailable<IamStore>({
    async version() { return currentVersion(sql); },
    async snapshot() {
      return transaction(sql, async (tx) => ({
        version: await currentVersion(tx), users: await readUsers(tx), groups: await readGroups(tx),
        policies: await readPolicies(tx), serviceAccounts: await readAccounts(tx),
      }), "isolation level repeatable read read only");
    },

    async getUser(accessKey) { return (await readUsers(sql, accessKey))[0] ?? null; },
    async listUsers() { return readUsers(sql); },
    async putUser(u: NewUser) {
      return write(async (tx, now) => {
        checkAccessKey(u.accessKey);
        checkSecretKey(u.secretKey);
        checkStatus(u.status);
        if (await isAccount(tx, u.accessKey)) throw new IamRefusal("AccessKeyInUse", `access key '${u.accessKey}' names a service account`);
        await tx`INSERT INTO iam_users (access_key, secret_key, status, updated) VALUES (${u.accessKey}, ${u.secretKey}, ${u.status}, ${now})
          ON CONFLICT (access_key) DO UPDATE SET secret_key = excluded.secret_key, status = excluded.status, updated = excluded.updated`;
        if (u.policies !== undefined) {
          await needPolicies(tx, u.policies);
          await mapPolicies(tx, "user", u.accessKey, u.policies);
        }
      });
    },
    async setUserStatus(accessKey, status) {
      return write(async (tx, now) => {
        checkStatus(status);
        await needUser(tx, accessKey);
        await tx`UPDATE iam_users SET status = ${status}, updated = ${now} WHERE access_key = ${accessKey}`;
      });
    },
    async deleteUser(accessKey) {
      return write(async (tx, now) => {
        await needUser(tx, accessKey);
        await tx`UPDATE iam_groups SET updated = ${now} WHERE name IN (SELECT group_name FROM iam_group_members WHERE access_key = ${accessKey})`;
        await tx`DELETE FROM iam_users WHERE access_key = ${accessKey}`;
        await tx`DELETE FROM iam_service_accounts WHERE parent = ${accessKey}`;
        await tx`DELETE FROM iam_group_members WHERE access_key = ${accessKey}`;
        await tx`DELETE FROM iam_policy_mappings WHERE kind = 'user' AND entity = ${accessKey}`;
      });
    },

    async getGroup(name) { return (await readGroups(sql, name))[0] ?? null; },
    async listGroups() { return readGroups(sql); },
    async addGroupMembers(group, members) {
      return write(async (tx, now) => {
        checkGroupName(group);
        for (const m of members) await needUser(tx, m);
        await tx`INSERT INTO iam_groups (name, status, updated) VALUES (${group}, 'enabled', ${now}) ON CONFLICT (name) DO UPDATE SET updated = excluded.updated`;
        for (const m of unique(members)) await tx`INSERT INTO iam_group_members (group_name, access_key) VALUES (${group}, ${m}) ON CONFLICT DO NOTHING`;
      });
    },
    async removeGroupMembers(group, members) {
      return write(async (tx, now) => {
        await needGroup(tx, group);
        for (const m of members) await needUser(tx, m);
        for (const m of members) await tx`DELETE FROM iam_group_members WHERE group_name = ${group} AND access_key = ${m}`;
        await touchGroup(tx, group, now);
      });
    },
    async deleteGroup(name) {
      return write(async (tx) => {
        await needGroup(tx, name);
        if (await has(tx`SELECT 1 AS x FROM iam_group_members WHERE group_name = ${name} LIMIT 1`)) {
          throw new IamRefusal("GroupNotEmpty", `group '${name}' still has members`);
        }
        await tx`DELETE FROM iam_groups WHERE name = ${name}`;
        await tx`DELETE FROM iam_policy_mappings WHERE kind = 'group' AND entity = ${name}`;
      });
    },
    async setGroupStatus(name, status) {
      return write(async (tx, now) => {
        checkStatus(status);
        await needGroup(tx, name);
        await tx`UPDATE iam_groups SET status = ${status}, updated = ${now} WHERE name = ${name}`;
      });
    },

    async getPolicy(name) {
      if (isCannedPolicy(name)) return builtin(name);
      const r = (await sql`SELECT document, created, updated FROM iam_policies WHERE name = ${name}`)[0];
      return r ? { name, document: r.document as string, builtin: false, createdAt: Number(r.created), updatedAt: Number(r.updated) } : null;
    },
    async listPolicies() { return readPolicies(sql); },
    async putPolicy(name, document) {
      return write(async (tx, now) => {
        checkPolicyName(name);
        if (isCannedPolicy(name)) throw new IamRefusal("PolicyBuiltin", `'${name}' is a built-in policy and cannot be replaced`);
        checkDocument(document, "policy document");
        await tx`INSERT INTO iam_policies (name, document, created, updated) VALUES (${name}, ${document}, ${now}, ${now})
          ON CONFLICT (name) DO UPDATE SET document = excluded.document, updated = excluded.updated`;
      });
    },
    async deletePolicy(name) {
      return write(async (tx) => {
        if (isCannedPolicy(name)) throw new IamRefusal("PolicyBuiltin", `'${name}' is a built-in policy and cannot be removed`);
        if (!(await isPolicy(tx, name))) throw new IamRefusal("NoSuchPolicy", `policy '${name}' does not exist`);
        // MinIO refuses to remove a policy in use; so does the store, or a mapping would dangle.
        const users = await tx`SELECT kind, entity FROM iam_policy_mappings WHERE policy = ${name} ORDER BY kind, entity LIMIT 5`;
        if (users.length) {
          throw new IamRefusal("PolicyInUse", `policy '${name}' is attached to ${users.map((u) => `${u.kind} '${u.entity}'`).join(", ")}`);
        }
        await tx`DELETE FROM iam_policies WHERE name = ${name}`;
      });
    },
    async setPolicies(entity, policies) {
      return write(async (tx, now) => {
        const e = await entityOf(tx, entity);
        await needPolicies(tx, policies);
        await mapPolicies(tx, e.kind, e.name, policies);
        await touch(tx, e, now);
      });
    },
    async attachPolicies(entity, policies) {
      return write(async (tx, now) => {
        const e = await entityOf(tx, entity);
        await needPolicies(tx, policies);
        await mapPolicies(tx, e.kind, e.name, [...(await policiesOf(tx, e.kind, e.name)), ...policies]);
        await touch(tx, e, now);
      });
    },
    async detachPolicies(entity, policies) {
      return write(async (tx, now) => {
        const e = await entityOf(tx, entity);
        for (const p of policies) checkPolicyName(p);
        const drop = new Set(policies);
        await mapPolicies(tx, e.kind, e.name, (await policiesOf(tx, e.kind, e.name)).filter((p) => !drop.has(p)));
        await touch(tx, e, now);
      });
    },

    async getServiceAccount(accessKey) { return (await readAccounts(sql, { accessKey }))[0] ?? null; },
    async listServiceAccounts(parent) { return readAccounts(sql, parent === undefined ? undefined : { parent }); },
    async putServiceAccount(a: NewServiceAccount) {
      return write(async (tx, now) => {
        const status = checkNewServiceAccount(a);
        await needUser(tx, a.parent);
        if ((await isUser(tx, a.accessKey)) || (await isAccount(tx, a.accessKey))) {
          throw new IamRefusal("AccessKeyInUse", `access key '${a.accessKey}' is already in use`);
        }
        await tx`INSERT INTO iam_service_accounts (access_key, secret_key, parent, session_policy, name, description, expiration, status, updated)
          VALUES (${a.accessKey}, ${a.secretKey}, ${a.parent}, ${a.sessionPolicy ?? null}, ${a.name ?? null}, ${a.description ?? null},
            ${a.expiration ?? null}, ${status}, ${now})`;
      });
    },
    async updateServiceAccount(accessKey, patch: ServiceAccountPatch) {
      return write(async (tx, now) => {
        if (!(await isAccount(tx, accessKey))) throw new IamRefusal("NoSuchServiceAccount", `service account '${accessKey}' does not exist`);
        const set: Record<string, string | number | null> = {};
        if (patch.secretKey !== undefined) { checkSecretKey(patch.secretKey); set.secret_key = patch.secretKey; }
        if (patch.status !== undefined) { checkStatus(patch.status); set.status = patch.status; }
        if (patch.sessionPolicy !== undefined) {
          if (patch.sessionPolicy !== null) checkDocument(patch.sessionPolicy, "session policy");
          set.session_policy = patch.sessionPolicy;
        }
        if (patch.name !== undefined) { checkAccountName(patch.name); set.name = patch.name; }
        if (patch.description !== undefined) { checkDescription(patch.description); set.description = patch.description; }
        if (patch.expiration !== undefined) {
          if (patch.expiration !== null) checkExpiration(patch.expiration);
          set.expiration = patch.expiration;
        }
        set.updated = now;
        await tx`UPDATE iam_service_accounts SET ${tx(set)} WHERE access_key = ${accessKey}`;
      });
    },
    async deleteServiceAccount(accessKey) {
      return write(async (tx) => {
        if (!(await has(tx`DELETE FROM iam_service_accounts WHERE access_key = ${accessKey} RETURNING access_key`))) {
          throw new IamRefusal("NoSuchServiceAccount", `service account '${accessKey}' does not exist`);
        }
      });
    },
  });
}
