// IamStore over any synchronous SQLite (bun:sqlite in meta.sqlite, the IamShard Durable
// Object's storage.sql). Each write is one transaction that checks its references, makes its
// change and bumps iam_version; a refusal (IamRefusal) rolls all of it back, the bump included.
// Secrets are stored as given: SigV4 needs the plaintext (see IamUser).
import type { SqlDriver, SqlValue } from "../store/sql/driver.ts";
import { CANNED_POLICIES, isCannedPolicy } from "./canned.ts";
import { IAM_SCHEMA } from "./schema.ts";
import type {
  IamGroup, IamPolicy, IamServiceAccount, IamStatus, IamStore, IamUser, IamWrite, NewServiceAccount, NewUser, PolicyEntity,
  ServiceAccountPatch,
} from "./store.ts";
import {
  checkAccessKey, checkAccountName, checkNewServiceAccount, checkDescription, checkDocument, checkExpiration, checkGroupName, checkPolicyName,
  checkSecretKey, checkStatus, IamRefusal, unique,
} from "./validate.ts";

type Row = Record<string, SqlValue>;

const str = (v: SqlValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: SqlValue | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** Rows of (key, value) pairs grouped by key, in row order (also the Postgres IAM store's). */
export function groupBy(rows: readonly Record<string, unknown>[], key: string, value: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const k = r[key] as string;
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(r[value] as string);
  }
  return m;
}

/** A service account's row (the same columns in SQLite and PostgreSQL). */
export function rowToAccount(r: Record<string, unknown>): IamServiceAccount {
  const a: IamServiceAccount = {
    accessKey: r.access_key as string, secretKey: r.secret_key as string, parent: r.parent as string,
    status: r.status as IamStatus, updatedAt: Number(r.updated),
  };
  const policy = str(r.session_policy as SqlValue), name = str(r.name as SqlValue), description = str(r.description as SqlValue);
  const expiration = num(r.expiration as SqlValue);
  if (policy !== undefined) a.sessionPolicy = policy;
  if (name !== undefined) a.name = name;
  if (description !== undefined) a.description = description;
  if (expiration !== undefined) a.expiration = expiration;
  return a;
}

const builtin = (name: string): IamPolicy => ({ name, document: CANNED_POLICIES[name], builtin: true });

export function createSqlIamStore(db: SqlDriver, opts: { now: () => number }): IamStore {
  db.exec(IAM_SCHEMA);

  const currentVersion = () => Number(db.all("SELECT version FROM iam_version WHERE id = 0")[0].version);
  /** One transaction: the change, then the version bump; a refusal undoes both. */
  const write = (fn: (now: number) => void): IamWrite => {
    try {
      return db.transaction(() => {
        fn(opts.now());
        db.run("UPDATE iam_version SET version = version + 1 WHERE id = 0");
        return { ok: true as const, version: currentVersion() };
      });
    } catch (e) {
      if (e instanceof IamRefusal) return { ok: false, error: e.code, message: e.message };
      throw e;
    }
  };

  const has = (sql: string, params: SqlValue[]) => db.all(sql, params).length > 0;
  const isUser = (k: string) => has("SELECT 1 FROM iam_users WHERE access_key = ?", [k]);
  const isAccount = (k: string) => has("SELECT 1 FROM iam_service_accounts WHERE access_key = ?", [k]);
  const isGroup = (n: string) => has("SELECT 1 FROM iam_groups WHERE name = ?", [n]);
  const isPolicy = (n: string) => isCannedPolicy(n) || has("SELECT 1 FROM iam_policies WHERE name = ?", [n]);

  const needUser = (k: string) => { if (!isUser(k)) throw new IamRefusal("NoSuchUser", `user '${k}' does not exist`); };
  const needGroup = (n: string) => { if (!isGroup(n)) throw new IamRefusal("NoSuchGroup", `group '${n}' does not exist`); };
  const needPolicies = (names: string[]) => {
    for (const n of names) {
      checkPolicyName(n);
      if (!isPolicy(n)) throw new IamRefusal("NoSuchPolicy", `policy '${n}' does not exist`);
    }
  };

  /** The mapping key of a user or group, checked to exist. */
  const entityOf = (e: PolicyEntity): { kind: "user" | "group"; name: string } => {
    if ("user" in e && typeof e.user === "string") { needUser(e.user); return { kind: "user", name: e.user }; }
    if ("group" in e && typeof e.group === "string") { needGroup(e.group); return { kind: "group", name: e.group }; }
    throw new IamRefusal("InvalidArgument", "a policy is attached to a user or a group");
  };
  const policiesOf = (kind: "user" | "group", name: string): string[] =>
    db.all("SELECT policy FROM iam_policy_mappings WHERE kind = ? AND entity = ? ORDER BY position", [kind, name]).map((r) => r.policy as string);
  const mapPolicies = (kind: "user" | "group", name: string, names: string[]) => {
    db.run("DELETE FROM iam_policy_mappings WHERE kind = ? AND entity = ?", [kind, name]);
    unique(names).forEach((p, i) => db.run("INSERT INTO iam_policy_mappings (kind, entity, policy, position) VALUES (?, ?, ?, ?)", [kind, name, p, i]));
  };
  const touchGroup = (name: string, now: number) => db.run("UPDATE iam_groups SET updated = ? WHERE name = ?", [now, name]);
  const touch = (e: { kind: "user" | "group"; name: string }, now: number) => {
    if (e.kind === "user") db.run("UPDATE iam_users SET updated = ? WHERE access_key = ?", [now, e.name]);
    else touchGroup(e.name, now);
  };

  const readUsers = (accessKey?: string): IamUser[] => {
    const where = accessKey === undefined ? "" : " WHERE access_key = ?";
    const p = accessKey === undefined ? [] : [accessKey];
    const rows = db.all(`SELECT access_key, secret_key, status, updated FROM iam_users${where} ORDER BY access_key`, p);
    if (rows.length === 0) return [];
    const policies = groupBy(db.all(
      `SELECT entity, policy FROM iam_policy_mappings WHERE kind = 'user'${accessKey === undefined ? "" : " AND entity = ?"} ORDER BY entity, position`, p,
    ), "entity", "policy");
    const groups = groupBy(db.all(`SELECT access_key, group_name FROM iam_group_members${where} ORDER BY group_name`, p), "access_key", "group_name");
    return rows.map((r) => {
      const k = r.access_key as string;
      return {
        accessKey: k, secretKey: r.secret_key as string, status: r.status as IamStatus,
        policies: policies.get(k) ?? [], memberOf: groups.get(k) ?? [], updatedAt: Number(r.updated),
      };
    });
  };

  const readGroups = (name?: string): IamGroup[] => {
    const p = name === undefined ? [] : [name];
    const rows = db.all(`SELECT name, status, updated FROM iam_groups${name === undefined ? "" : " WHERE name = ?"} ORDER BY name`, p);
    if (rows.length === 0) return [];
    const policies = groupBy(db.all(
      `SELECT entity, policy FROM iam_policy_mappings WHERE kind = 'group'${name === undefined ? "" : " AND entity = ?"} ORDER BY entity, position`, p,
    ), "entity", "policy");
    const members = groupBy(db.all(
      `SELECT group_name, access_key FROM iam_group_members${name === undefined ? "" : " WHERE group_name = ?"} ORDER BY access_key`, p,
    ), "group_name", "access_key");
    return rows.map((r) => {
      const n = r.name as string;
      return { name: n, status: r.status as IamStatus, members: members.get(n) ?? [], policies: policies.get(n) ?? [], updatedAt: Number(r.updated) };
    });
  };

  const readPolicies = (): IamPolicy[] => [
    ...Object.keys(CANNED_POLICIES).map(builtin),
    ...db.all("SELECT name, document, created, updated FROM iam_policies ORDER BY name").map((r) => ({
      name: r.name as string, document: r.document as string, builtin: false, createdAt: Number(r.created), updatedAt: Number(r.updated),
    })),
  ];

  const readAccounts = (where = "", p: SqlValue[] = []) =>
    db.all(`SELECT * FROM iam_service_accounts${where} ORDER BY access_key`, p).map(rowToAccount);

  return {
    async version() { return currentVersion(); },
    // Synchronous reads on the store's one connection: nothing commits between them.
    async snapshot() {
      return { version: currentVersion(), users: readUsers(), groups: readGroups(), policies: readPolicies(), serviceAccounts: readAccounts() };
    },

    async getUser(accessKey) { return readUsers(accessKey)[0] ?? null; },
    async listUsers() { return readUsers(); },
    async putUser(u: NewUser) {
      return write((now) => {
        checkAccessKey(u.accessKey);
        checkSecretKey(u.secretKey);
        checkStatus(u.status);
        if (isAccount(u.accessKey)) throw new IamRefusal("AccessKeyInUse", `access key '${u.accessKey}' names a service account`);
        db.run(
          `INSERT INTO iam_users (access_key, secret_key, status, updated) VALUES (?, ?, ?, ?)
           ON CONFLICT (access_key) DO UPDATE SET secret_key = excluded.secret_key, status = excluded.status, updated = excluded.updated`,
          [u.accessKey, u.secretKey, u.status, now],
        );
        if (u.policies !== undefined) {
          needPolicies(u.policies);
          mapPolicies("user", u.accessKey, u.policies);
        }
      });
    },
    async setUserStatus(accessKey, status) {
      return write((now) => {
        checkStatus(status);
        needUser(accessKey);
        db.run("UPDATE iam_users SET status = ?, updated = ? WHERE access_key = ?", [status, now, accessKey]);
      });
    },
    async deleteUser(accessKey) {
      return write((now) => {
        needUser(accessKey);
        for (const r of db.all("SELECT group_name FROM iam_group_members WHERE access_key = ?", [accessKey])) touchGroup(r.group_name as string, now);
        db.run("DELETE FROM iam_users WHERE access_key = ?", [accessKey]);
        db.run("DELETE FROM iam_service_accounts WHERE parent = ?", [accessKey]);
        db.run("DELETE FROM iam_group_members WHERE access_key = ?", [accessKey]);
        db.run("DELETE FROM iam_policy_mappings WHERE kind = 'user' AND entity = ?", [accessKey]);
      });
    },

    async getGroup(name) { return readGroups(name)[0] ?? null; },
    async listGroups() { return readGroups(); },
    async addGroupMembers(group, members) {
      return write((now) => {
        checkGroupName(group);
        for (const m of members) needUser(m);
        db.run("INSERT INTO iam_groups (name, status, updated) VALUES (?, 'enabled', ?) ON CONFLICT (name) DO UPDATE SET updated = excluded.updated", [group, now]);
        for (const m of unique(members)) db.run("INSERT OR IGNORE INTO iam_group_members (group_name, access_key) VALUES (?, ?)", [group, m]);
      });
    },
    async removeGroupMembers(group, members) {
      return write((now) => {
        needGroup(group);
        for (const m of members) needUser(m);
        for (const m of members) db.run("DELETE FROM iam_group_members WHERE group_name = ? AND access_key = ?", [group, m]);
        touchGroup(group, now);
      });
    },
    async deleteGroup(name) {
      return write(() => {
        needGroup(name);
        if (has("SELECT 1 FROM iam_group_members WHERE group_name = ? LIMIT 1", [name])) {
          throw new IamRefusal("GroupNotEmpty", `group '${name}' still has members`);
        }
        db.run("DELETE FROM iam_groups WHERE name = ?", [name]);
        db.run("DELETE FROM iam_policy_mappings WHERE kind = 'group' AND entity = ?", [name]);
      });
    },
    async setGroupStatus(name, status) {
      return write((now) => {
        checkStatus(status);
        needGroup(name);
        db.run("UPDATE iam_groups SET status = ?, updated = ? WHERE name = ?", [status, now, name]);
      });
    },

    async getPolicy(name) {
      if (isCannedPolicy(name)) return builtin(name);
      const r = db.all("SELECT document, created, updated FROM iam_policies WHERE name = ?", [name])[0];
      return r ? { name, document: r.document as string, builtin: false, createdAt: Number(r.created), updatedAt: Number(r.updated) } : null;
    },
    async listPolicies() { return readPolicies(); },
    async putPolicy(name, document) {
      return write((now) => {
        checkPolicyName(name);
        if (isCannedPolicy(name)) throw new IamRefusal("PolicyBuiltin", `'${name}' is a built-in policy and cannot be replaced`);
        checkDocument(document, "policy document");
        db.run(
          `INSERT INTO iam_policies (name, document, created, updated) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET document = excluded.document, updated = excluded.updated`,
          [name, document, now, now],
        );
      });
    },
    async deletePolicy(name) {
      return write(() => {
        if (isCannedPolicy(name)) throw new IamRefusal("PolicyBuiltin", `'${name}' is a built-in policy and cannot be removed`);
        if (!isPolicy(name)) throw new IamRefusal("NoSuchPolicy", `policy '${name}' does not exist`);
        // MinIO refuses to remove a policy in use; so does the store, or a mapping would dangle.
        const users = db.all("SELECT kind, entity FROM iam_policy_mappings WHERE policy = ? ORDER BY kind, entity LIMIT 5", [name]);
        if (users.length) {
          throw new IamRefusal("PolicyInUse", `policy '${name}' is attached to ${users.map((u) => `${u.kind} '${u.entity}'`).join(", ")}`);
        }
        db.run("DELETE FROM iam_policies WHERE name = ?", [name]);
      });
    },
    async setPolicies(entity, policies) {
      return write((now) => {
        const e = entityOf(entity);
        needPolicies(policies);
        mapPolicies(e.kind, e.name, policies);
        touch(e, now);
      });
    },
    async attachPolicies(entity, policies) {
      return write((now) => {
        const e = entityOf(entity);
        needPolicies(policies);
        mapPolicies(e.kind, e.name, [...policiesOf(e.kind, e.name), ...policies]);
        touch(e, now);
      });
    },
    async detachPolicies(entity, policies) {
      return write((now) => {
        const e = entityOf(entity);
        for (const p of policies) checkPolicyName(p);
        const drop = new Set(policies);
        mapPolicies(e.kind, e.name, policiesOf(e.kind, e.name).filter((p) => !drop.has(p)));
        touch(e, now);
      });
    },

    async getServiceAccount(accessKey) { return readAccounts(" WHERE access_key = ?", [accessKey])[0] ?? null; },
    async listServiceAccounts(parent) { return parent === undefined ? readAccounts() : readAccounts(" WHERE parent = ?", [parent]); },
    async putServiceAccount(a: NewServiceAccount) {
      return write((now) => {
        const status = checkNewServiceAccount(a);
        needUser(a.parent);
        if (isUser(a.accessKey) || isAccount(a.accessKey)) throw new IamRefusal("AccessKeyInUse", `access key '${a.accessKey}' is already in use`);
        db.run(
          `INSERT INTO iam_service_accounts (access_key, secret_key, parent, session_policy, name, description, expiration, status, updated)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [a.accessKey, a.secretKey, a.parent, a.sessionPolicy ?? null, a.name ?? null, a.description ?? null, a.expiration ?? null, status, now],
        );
      });
    },
    async updateServiceAccount(accessKey, patch: ServiceAccountPatch) {
      return write((now) => {
        if (!isAccount(accessKey)) throw new IamRefusal("NoSuchServiceAccount", `service account '${accessKey}' does not exist`);
        const sets: string[] = [];
        const params: SqlValue[] = [];
        const set = (col: string, v: SqlValue) => { sets.push(`${col} = ?`); params.push(v); };
        if (patch.secretKey !== undefined) { checkSecretKey(patch.secretKey); set("secret_key", patch.secretKey); }
        if (patch.status !== undefined) { checkStatus(patch.status); set("status", patch.status); }
        if (patch.sessionPolicy !== undefined) {
          if (patch.sessionPolicy !== null) checkDocument(patch.sessionPolicy, "session policy");
          set("session_policy", patch.sessionPolicy);
        }
        if (patch.name !== undefined) { checkAccountName(patch.name); set("name", patch.name); }
        if (patch.description !== undefined) { checkDescription(patch.description); set("description", patch.description); }
        if (patch.expiration !== undefined) {
          if (patch.expiration !== null) checkExpiration(patch.expiration);
          set("expiration", patch.expiration);
        }
        set("updated", now);
        db.run(`UPDATE iam_service_accounts SET ${sets.join(", ")} WHERE access_key = ?`, [...params, accessKey]);
      });
    },
    async deleteServiceAccount(accessKey) {
      return write(() => {
        if (db.run("DELETE FROM iam_service_accounts WHERE access_key = ?", [accessKey]).changes === 0) {
          throw new IamRefusal("NoSuchServiceAccount", `service account '${accessKey}' does not exist`);
        }
      });
    },
  };
}
