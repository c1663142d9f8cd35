// The IamStore's tables, in the SQLite dialect shared by bun:sqlite and Durable Object SQLite.
// On Bun they sit in meta.sqlite beside the MetaStore's tables (prefix iam_); on Workers in the
// IamShard object. Secrets are plaintext (see IamUser). Canned policies are not rows (canned.ts).
export const IAM_SCHEMA = `
CREATE TABLE IF NOT EXISTS iam_version (id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL);
INSERT OR IGNORE INTO iam_version (id, version) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS iam_users (
  access_key TEXT PRIMARY KEY, secret_key TEXT NOT NULL, status TEXT NOT NULL, updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS iam_groups (
  name TEXT PRIMARY KEY, status TEXT NOT NULL, updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS iam_group_members (
  group_name TEXT NOT NULL, access_key TEXT NOT NULL, PRIMARY KEY (group_name, access_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iam_group_members_by_user ON iam_group_members (access_key);
CREATE TABLE IF NOT EXISTS iam_policies (
  name TEXT PRIMARY KEY, document TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL
) WITHOUT ROWID;
-- Policies attached to a user or group; position keeps the order they were given in.
CREATE TABLE IF NOT EXISTS iam_policy_mappings (
  kind TEXT NOT NULL, entity TEXT NOT NULL, policy TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (kind, entity, policy)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iam_policy_mappings_by_policy ON iam_policy_mappings (policy);
CREATE TABLE IF NOT EXISTS iam_service_accounts (
  access_key TEXT PRIMARY KEY, secret_key TEXT NOT NULL, parent TEXT NOT NULL, session_policy TEXT,
  name TEXT, description TEXT, expiration INTEGER, status TEXT NOT NULL, updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS iam_service_accounts_by_parent ON iam_service_accounts (parent);
`;
