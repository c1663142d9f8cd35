// The PostgreSQL MetaStore's schema, as numbered migrations recorded in schema_version and
// applied at start under a transaction-scoped advisory lock: several nodes starting at once
// queue on the lock, the first applies what is missing, the others find it done. DDL is
// transactional in PostgreSQL, so a migration that fails leaves the previous version whole.
// Text keys are COLLATE "C": byte order of UTF-8, which is S3's listing order (the database
// must be UTF8). Times are ms since the epoch in bigint; inline data is bytea; JSON is kept as
// text, exactly as written (jsonb would reorder keys and is never queried here).
import type { Pg } from "./tx.ts";

/** Any 64-bit number, the same on every node: the advisory lock the migrations run under. */
const MIGRATION_LOCK = 0x5333_6564_6765_01n; // "S3edge", 1

const VERSION_COLUMNS_DDL = `
  bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, version_id text COLLATE "C" NOT NULL,
  size bigint NOT NULL, etag text NOT NULL, last_modified bigint NOT NULL, headers text NOT NULL, tags text NOT NULL,
  checksum text, parts text, storage_class text NOT NULL, inline bytea, manifest text,
  delete_marker boolean NOT NULL DEFAULT false, seq bigint NOT NULL,
  content_sha256 text COLLATE "C", content_md5 text, lock_mode text, lock_until bigint,
  legal_hold boolean, sse text`; // legal_hold NULL: never set; sse NULL: stored in clear

/** Migration n brings the schema from version n-1 to n. Never edit one that shipped: add the next. */
export const MIGRATIONS: readonly string[] = [
  // 1: the tables of src/store/sql/schema.ts (its version 2, with Object Lock, content digests and SSE).
  `
  CREATE TABLE buckets (name text COLLATE "C" PRIMARY KEY, owner text NOT NULL, region text NOT NULL, created bigint NOT NULL);
  CREATE TABLE bucket_configs (bucket text COLLATE "C" NOT NULL, kind text NOT NULL, value text NOT NULL, PRIMARY KEY (bucket, kind));
  -- Each key's current version (an object or a delete marker); seq orders a key's versions.
  CREATE TABLE objects (${VERSION_COLUMNS_DDL}, PRIMARY KEY (bucket, key));
  CREATE INDEX objects_by_content ON objects (bucket, content_sha256, size) WHERE content_sha256 IS NOT NULL;
  -- Noncurrent versions and delete markers, each holding its own chunk references.
  CREATE TABLE object_versions (${VERSION_COLUMNS_DDL}, noncurrent_since bigint NOT NULL, PRIMARY KEY (bucket, key, version_id));
  CREATE INDEX object_versions_by_seq ON object_versions (bucket, key, seq DESC);
  CREATE TABLE uploads (
    upload_id text COLLATE "C" PRIMARY KEY, bucket text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
    initiated bigint NOT NULL, data text NOT NULL);
  CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
  CREATE TABLE completed_uploads (
    upload_id text PRIMARY KEY, bucket text NOT NULL, key text NOT NULL, etag text NOT NULL, checksum text, completed bigint NOT NULL,
    version_id text);
  CREATE INDEX completed_uploads_by_time ON completed_uploads (completed);
  CREATE TABLE parts (
    upload_id text NOT NULL, number integer NOT NULL, size bigint NOT NULL, etag text NOT NULL, last_modified bigint NOT NULL,
    checksum text, manifest text NOT NULL, PRIMARY KEY (upload_id, number));
  CREATE TABLE chunks (hash text COLLATE "C" PRIMARY KEY, blob text NOT NULL, size bigint NOT NULL, refs bigint NOT NULL DEFAULT 0);
  CREATE INDEX chunks_unreferenced ON chunks (hash) WHERE refs <= 0;
  CREATE INDEX chunks_by_blob ON chunks (blob);
  CREATE TABLE sessions (id text PRIMARY KEY, created bigint NOT NULL);
  CREATE INDEX sessions_by_age ON sessions (created);
  CREATE TABLE pins (session text NOT NULL, hash text NOT NULL, PRIMARY KEY (session, hash));
  CREATE INDEX pins_by_hash ON pins (hash);
  CREATE TABLE blob_intents (blob text PRIMARY KEY, session text NOT NULL);
  CREATE INDEX blob_intents_by_session ON blob_intents (session);
  CREATE TABLE blob_tombstones (blob text PRIMARY KEY);
  -- seq is a target's commit order: writers of one target hold its advisory lock from their
  -- count to their commit (event-outbox.ts), so seq order is commit order per target.
  CREATE TABLE event_outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, bucket text NOT NULL, target text NOT NULL,
    record text NOT NULL, created bigint NOT NULL, attempts integer NOT NULL DEFAULT 0, visible_at bigint NOT NULL DEFAULT 0,
    access boolean NOT NULL DEFAULT false);
  CREATE INDEX event_outbox_by_target ON event_outbox (target, seq);
  CREATE INDEX event_outbox_changes ON event_outbox (target) WHERE NOT access;
  -- One row per target that ever had an event (never deleted: see event-outbox.ts), leased by
  -- FOR UPDATE SKIP LOCKED so two nodes never deliver a target's batch at once.
  CREATE TABLE event_targets (target text PRIMARY KEY, failures integer NOT NULL DEFAULT 0, retry_at bigint NOT NULL DEFAULT 0);
  `,
  // 2: IAM (src/iam/schema.ts's tables): users, groups, policies, service accounts, and the
  // version stamp every node's IAM cache polls (iam-store.ts).
  `
  CREATE TABLE iam_version (id integer PRIMARY KEY CHECK (id = 0), version bigint NOT NULL);
  INSERT INTO iam_version (id, version) VALUES (0, 0);
  CREATE TABLE iam_users (access_key text COLLATE "C" PRIMARY KEY, secret_key text NOT NULL, status text NOT NULL, updated bigint NOT NULL);
  CREATE TABLE iam_groups (name text COLLATE "C" PRIMARY KEY, status text NOT NULL, updated bigint NOT NULL);
  CREATE TABLE iam_group_members (group_name text COLLATE "C" NOT NULL, access_key text COLLATE "C" NOT NULL, PRIMARY KEY (group_name, access_key));
  CREATE INDEX iam_group_members_by_user ON iam_group_members (access_key);
  CREATE TABLE iam_policies (name text COLLATE "C" PRIMARY KEY, document text NOT NULL, created bigint NOT NULL, updated bigint NOT NULL);
  -- Policies attached to a user or group; position keeps the order they were given in.
  CREATE TABLE iam_policy_mappings (
    kind text NOT NULL, entity text COLLATE "C" NOT NULL, policy text COLLATE "C" NOT NULL, position integer NOT NULL,
    PRIMARY KEY (kind, entity, policy));
  CREATE INDEX iam_policy_mappings_by_policy ON iam_policy_mappings (policy);
  CREATE TABLE iam_service_accounts (
    access_key text COLLATE "C" PRIMARY KEY, secret_key text NOT NULL, parent text COLLATE "C" NOT NULL, session_policy text,
    name text, description text, expiration bigint, status text NOT NULL, updated bigint NOT NULL);
  CREATE INDEX iam_service_accounts_by_parent ON iam_service_accounts (parent);
  `,
  // 3: stored notification targets and SNS topics under one version stamp (target-store.ts,
  // src/events/sql-target-store.ts's tables).
  `
  CREATE TABLE notify_targets (key text COLLATE "C" PRIMARY KEY, target text NOT NULL, updated bigint NOT NULL);
  CREATE TABLE notify_targets_version (id integer PRIMARY KEY CHECK (id = 0), version bigint NOT NULL);
  INSERT INTO notify_targets_version (id, version) VALUES (0, 0);
  CREATE TABLE sns_topics (name text COLLATE "C" PRIMARY KEY, topic text NOT NULL, updated bigint NOT NULL);
  `,
  // 4: what was still per node: SQS queues and their messages (queue-store.ts, the tables of
  // src/events/sqs-sql-store.ts), the KMS key ring (kms-key-store.ts), and the lease that elects
  // the one node running GC, lifecycle sweeps and the outbox drain (leader-lease.ts).
  `
  CREATE TABLE sqs_queues (name text COLLATE "C" PRIMARY KEY, attributes text NOT NULL, created bigint NOT NULL, modified bigint NOT NULL);
  CREATE TABLE sqs_messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, queue text COLLATE "C" NOT NULL, id text NOT NULL, body text NOT NULL,
    md5 text NOT NULL, sent bigint NOT NULL, visible_at bigint NOT NULL, receives integer NOT NULL DEFAULT 0,
    first_receive bigint NOT NULL DEFAULT 0, token text NOT NULL DEFAULT '');
  CREATE UNIQUE INDEX sqs_messages_by_id ON sqs_messages (queue, id);
  CREATE INDEX sqs_messages_due ON sqs_messages (queue, visible_at, seq);
  CREATE TABLE kms_keys (name text COLLATE "C" PRIMARY KEY, master_id text NOT NULL, record text NOT NULL);
  CREATE TABLE leader_leases (name text PRIMARY KEY, holder text NOT NULL, expires timestamptz NOT NULL);
  `,
  // 5: waiting events per target (change events, and all), kept by the outbox's writes and
  // settles (event-outbox.ts), so the queue-limit check is a key lookup, not a COUNT over the
  // backlog on every write. Apart from event_targets: the leasers' FOR UPDATE SKIP LOCKED on
  // those rows must not skip a target because a writer holds its count.
  `
  CREATE TABLE event_counts (target text PRIMARY KEY, changes bigint NOT NULL DEFAULT 0, events bigint NOT NULL DEFAULT 0);
  INSERT INTO event_counts (target, changes, events)
    SELECT target, count(*) FILTER (WHERE NOT access), count(*) FROM event_outbox GROUP BY target;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the missing migrations; refuses a database written by a newer s3edge. Returns the version found before. */
export async function migrate(sql: Pg): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    await tx`CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`;
    const rows = await tx`SELECT version FROM schema_version`;
    const found = rows.length ? Number(rows[0].version) : 0;
    if (found > SCHEMA_VERSION) {
      throw new Error(`metadata schema version ${found} is newer than this s3edge knows (${SCHEMA_VERSION}): upgrade s3edge`);
    }
    for (let v = found + 1; v <= SCHEMA_VERSION; v++) await tx.unsafe(MIGRATIONS[v - 1]);
    if (!rows.length) await tx`INSERT INTO schema_version (version) VALUES (${SCHEMA_VERSION})`;
    else if (found < SCHEMA_VERSION) await tx`UPDATE schema_version SET version = ${SCHEMA_VERSION}`;
    return found;
  });
}
