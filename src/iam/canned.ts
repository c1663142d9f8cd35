// MinIO's built-in canned policies (specs/minio-admin.md §6, the documents MinIO 2021 serves):
// always present in every IamStore, never replaced or removed. They live here, not as rows,
// so a release that changes one changes it everywhere without a migration.
const ALL = ["arn:aws:s3:::*"];

const doc = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

export const CANNED_POLICIES: Readonly<Record<string, string>> = Object.freeze({
  readwrite: doc({ Effect: "Allow", Action: ["s3:*"], Resource: ALL }),
  // No s3:ListBucket: a readonly user can GET known keys, but `mc ls` fails (as on MinIO).
  readonly: doc({ Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:GetObject"], Resource: ALL }),
  writeonly: doc({ Effect: "Allow", Action: ["s3:PutObject"], Resource: ALL }),
  diagnostics: doc({
    Effect: "Allow",
    Action: ["admin:Profiling", "admin:ServerTrace", "admin:ConsoleLog", "admin:ServerInfo", "admin:TopLocksInfo", "admin:OBDInfo", "admin:BandwidthMonitor"],
    Resource: ALL,
  }),
  // A statement without Resource applies to admin actions.
  consoleAdmin: doc({ Effect: "Allow", Action: ["admin:*"] }, { Effect: "Allow", Action: ["s3:*"], Resource: ALL }),
});

export const isCannedPolicy = (name: string): boolean => Object.hasOwn(CANNED_POLICIES, name);
