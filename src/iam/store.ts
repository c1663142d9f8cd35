// IAM state behind its own seam, beside the MetaStore (DESIGN.md "Seams"): users, groups,
// canned policies, service accounts and a version stamp, as the MinIO admin API manages them
// (specs/minio-admin.md §5). The store keeps the entities consistent (names unique, references
// resolvable); what a request may do with them (who may call, policy grammar, root's special
// cases) is the admin API's and the policy evaluator's business.
//
// Implementations: SQLite (iam/sql-store.ts) over bun:sqlite (in meta.sqlite) and inside the
// IamShard Durable Object on Workers; Postgres later. Values are plain data (RPC-safe).

export type IamStatus = "enabled" | "disabled";

/**
 * A user. The secret is kept as given: SigV4 needs the plaintext secret to compute a signing
 * key, so it cannot be hashed (encryption of IAM secrets at rest is the encryption issue's).
 */
export interface IamUser {
  accessKey: string;
  secretKey: string;
  status: IamStatus;
  /** Attached policy names, in the order they were given (madmin's `policyName` "p1,p2"). */
  policies: string[];
  /** Groups the user belongs to (derived from the groups' members), sorted. */
  memberOf: string[];
  updatedAt: number;
}

export interface IamGroup {
  name: string;
  status: IamStatus;
  /** Member access keys, sorted. */
  members: string[];
  policies: string[];
  updatedAt: number;
}

export interface IamPolicy {
  name: string;
  /** The JSON document as stored (mc's `info-canned-policy` answers it raw). */
  document: string;
  /** One of the canned policies (iam/canned.ts): always present, never changed or removed. */
  builtin: boolean;
  /** Epoch ms; absent for built-ins (madmin then omits CreateDate/UpdateDate). */
  createdAt?: number;
  updatedAt?: number;
}

/** A service account: its own keys, the rights of its parent user, optionally narrowed. */
export interface IamServiceAccount {
  accessKey: string;
  /** Plaintext, for the same reason as a user's. */
  secretKey: string;
  /** The parent user's access key. */
  parent: string;
  /** Inline (session) policy JSON that narrows the parent's rights; absent = the parent's ("implied"). */
  sessionPolicy?: string;
  name?: string;
  description?: string;
  /** Epoch ms after which the account is refused; absent = never. */
  expiration?: number;
  status: IamStatus;
  updatedAt: number;
}

export interface NewUser { accessKey: string; secretKey: string; status: IamStatus; /** Replaces the attached list when given. */ policies?: string[] }

/** A new service account: enabled unless said otherwise. */
export type NewServiceAccount = Omit<IamServiceAccount, "status" | "updatedAt"> & { status?: IamStatus };

/** Fields to change; `null` clears (sessionPolicy: back to the implied policy; expiration: never). */
export interface ServiceAccountPatch {
  secretKey?: string;
  status?: IamStatus;
  sessionPolicy?: string | null;
  name?: string;
  description?: string;
  expiration?: number | null;
}

/** Who a policy is attached to. */
export type PolicyEntity = { user: string } | { group: string };

/** Everything at one version: what a cache loads in one call (one RPC on Workers). */
export interface IamSnapshot {
  version: number;
  users: IamUser[];
  groups: IamGroup[];
  /** Built-ins first, then custom policies by name. */
  policies: IamPolicy[];
  serviceAccounts: IamServiceAccount[];
}

/** Why a write was refused; nothing changed and the version did not move. */
export type IamErrorCode =
  | "NoSuchUser" | "NoSuchGroup" | "NoSuchPolicy" | "NoSuchServiceAccount"
  /** An access key already names a user or a service account (one namespace for both). */
  | "AccessKeyInUse"
  /** A group with members cannot be removed (madmin XMinioAdminGroupNotEmpty). */
  | "GroupNotEmpty"
  /** A policy still attached to a user or group cannot be removed. */
  | "PolicyInUse"
  /** Built-in canned policies cannot be replaced or removed. */
  | "PolicyBuiltin"
  /** A malformed key, secret, name, status or JSON document. */
  | "InvalidArgument";

/** Every write's result: the version it committed, or why nothing changed. */
export type IamWrite = { ok: true; version: number } | { ok: false; error: IamErrorCode; message: string };

/**
 * Every write is one transaction that also bumps the version stamp, so a cache (another node,
 * another isolate) that sees the same version has seen every change. A refused write changes
 * nothing, the version included.
 */
export interface IamStore {
  /** The version stamp: grows with every committed write. */
  version(): Promise<number>;
  snapshot(): Promise<IamSnapshot>;

  getUser(accessKey: string): Promise<IamUser | null>;
  listUsers(): Promise<IamUser[]>;
  /** Adds or updates (madmin add-user is an upsert: a new secret/status; policies kept unless given). */
  putUser(user: NewUser): Promise<IamWrite>;
  setUserStatus(accessKey: string, status: IamStatus): Promise<IamWrite>;
  /** Also removes the user's service accounts, group memberships and policy mapping (MinIO). */
  deleteUser(accessKey: string): Promise<IamWrite>;

  getGroup(name: string): Promise<IamGroup | null>;
  listGroups(): Promise<IamGroup[]>;
  /** Creates the group (enabled) if missing; every member must be an existing user. */
  addGroupMembers(group: string, members: string[]): Promise<IamWrite>;
  removeGroupMembers(group: string, members: string[]): Promise<IamWrite>;
  /** Only an empty group (GroupNotEmpty otherwise); its policy mapping goes with it. */
  deleteGroup(name: string): Promise<IamWrite>;
  setGroupStatus(name: string, status: IamStatus): Promise<IamWrite>;

  getPolicy(name: string): Promise<IamPolicy | null>;
  listPolicies(): Promise<IamPolicy[]>;
  /** Adds or replaces a custom policy (`document` must be a JSON object). */
  putPolicy(name: string, document: string): Promise<IamWrite>;
  deletePolicy(name: string): Promise<IamWrite>;
  /** The complete new list of policies of a user or group; [] detaches all. */
  setPolicies(entity: PolicyEntity, policies: string[]): Promise<IamWrite>;
  attachPolicies(entity: PolicyEntity, policies: string[]): Promise<IamWrite>;
  detachPolicies(entity: PolicyEntity, policies: string[]): Promise<IamWrite>;

  getServiceAccount(accessKey: string): Promise<IamServiceAccount | null>;
  /** All service accounts, or those of one parent user. */
  listServiceAccounts(parent?: string): Promise<IamServiceAccount[]>;
  /** Creates one (AccessKeyInUse if the key names a user or another account); the parent must be a user. */
  putServiceAccount(account: NewServiceAccount): Promise<IamWrite>;
  updateServiceAccount(accessKey: string, patch: ServiceAccountPatch): Promise<IamWrite>;
  deleteServiceAccount(accessKey: string): Promise<IamWrite>;
}

/**
 * The IamStore's members, one table for everything that forwards them (the Durable Object's
 * RPC methods and the Worker's client in runtime/workers/): the compiler checks it is complete.
 */
export const IAM_STORE_METHODS = [
  "version", "snapshot",
  "getUser", "listUsers", "putUser", "setUserStatus", "deleteUser",
  "getGroup", "listGroups", "addGroupMembers", "removeGroupMembers", "deleteGroup", "setGroupStatus",
  "getPolicy", "listPolicies", "putPolicy", "deletePolicy", "setPolicies", "attachPolicies", "detachPolicies",
  "getServiceAccount", "listServiceAccounts", "putServiceAccount", "updateServiceAccount", "deleteServiceAccount",
] as const satisfies readonly (keyof IamStore)[];

// A member missing from the table fails here.
const _complete: Exclude<keyof IamStore, (typeof IAM_STORE_METHODS)[number]> extends never ? true : never = true;
void _complete;
