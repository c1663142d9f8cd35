// The MinIO admin API's endpoints as data (specs/minio-admin.md §1): `/minio/admin/v3/<name>`,
// with `v4` an alias (madmin-go v4 tries v4 first). One row per (method, name) → op.
import type { Principal } from "../auth/principal.ts";
export const ADMIN_OPS = [
  "ServerInfo", "AccountInfo",
  "AddUser", "SetUserStatus", "RemoveUser", "ListUsers", "UserInfo",
  "AddServiceAccount", "ListServiceAccounts", "InfoServiceAccount", "UpdateServiceAccount", "DeleteServiceAccount",
  "AddCannedPolicy", "RemoveCannedPolicy", "ListCannedPolicies", "InfoCannedPolicy", "SetUserOrGroupPolicy",
  "AttachPolicy", "DetachPolicy", "PolicyEntities",
  "UpdateGroupMembers", "GroupInfo", "ListGroups", "SetGroupStatus",
  "HelpConfigKV", "GetConfigKV", "SetConfigKV", "DelConfigKV", "ListConfigHistoryKV", "RestoreConfigHistoryKV", "ClearConfigHistoryKV",
  "StorageInfo", "DataUsageInfo", "TemporaryAccountInfo", "ListAccessKeysBulk",
  "ShareLink",
  "KMSStatus", "KMSKeyStatus", "KMSKeyList", "KMSKeyCreate", "KMSRotate",
  "TopicStats", "TopicDump",
] as const;
export type AdminOp = (typeof ADMIN_OPS)[number];

/**
 * `self`: what a caller may do without admin rights, as MinIO allows it: `any` (its own account
 * view), `user` (its own user-info: the `accessKey` query names it, or its parent).
 * `action` may depend on the query (set-user-status: EnableUser or DisableUser).
 */
interface Row { method: string; name: string; op: AdminOp; action: string | ((q: URLSearchParams) => string); self?: "any" | "user" }

export interface AdminRoute { op: AdminOp; action: string; self?: "any" | "user" }

const ROUTES: Row[] = [
  { method: "GET", name: "info", op: "ServerInfo", action: "admin:ServerInfo" },
  // The MinIO Console's (and madmin's AccountInfo) view of the caller's own account.
  { method: "GET", name: "accountinfo", op: "AccountInfo", action: "admin:ServerInfo", self: "any" },
  { method: "PUT", name: "add-user", op: "AddUser", action: "admin:CreateUser" },
  { method: "PUT", name: "set-user-status", op: "SetUserStatus", action: (q) => (q.get("status") === "disabled" ? "admin:DisableUser" : "admin:EnableUser") },
  { method: "DELETE", name: "remove-user", op: "RemoveUser", action: "admin:DeleteUser" },
  { method: "GET", name: "list-users", op: "ListUsers", action: "admin:ListUsers" },
  { method: "GET", name: "user-info", op: "UserInfo", action: "admin:GetUser", self: "user" },
  { method: "PUT", name: "add-service-account", op: "AddServiceAccount", action: "admin:CreateServiceAccount" },
  { method: "GET", name: "list-service-accounts", op: "ListServiceAccounts", action: "admin:ListServiceAccounts" },
  { method: "GET", name: "info-service-account", op: "InfoServiceAccount", action: "admin:ListServiceAccounts" },
  { method: "POST", name: "update-service-account", op: "UpdateServiceAccount", action: "admin:UpdateServiceAccount" },
  { method: "DELETE", name: "delete-service-account", op: "DeleteServiceAccount", action: "admin:RemoveServiceAccount" },
  { method: "PUT", name: "add-canned-policy", op: "AddCannedPolicy", action: "admin:CreatePolicy" },
  { method: "DELETE", name: "remove-canned-policy", op: "RemoveCannedPolicy", action: "admin:DeletePolicy" },
  { method: "GET", name: "list-canned-policies", op: "ListCannedPolicies", action: "admin:ListUserPolicies" },
  { method: "GET", name: "info-canned-policy", op: "InfoCannedPolicy", action: "admin:GetPolicy" },
  { method: "PUT", name: "set-user-or-group-policy", op: "SetUserOrGroupPolicy", action: "admin:AttachUserOrGroupPolicy" },
  { method: "POST", name: "idp/builtin/policy/attach", op: "AttachPolicy", action: "admin:AttachUserOrGroupPolicy" },
  { method: "POST", name: "idp/builtin/policy/detach", op: "DetachPolicy", action: "admin:AttachUserOrGroupPolicy" },
  { method: "GET", name: "idp/builtin/policy-entities", op: "PolicyEntities", action: "admin:ListGroups" },
  { method: "PUT", name: "update-group-members", op: "UpdateGroupMembers", action: "admin:AddUserToGroup" },
  { method: "GET", name: "group", op: "GroupInfo", action: "admin:GetGroup" },
  { method: "GET", name: "groups", op: "ListGroups", action: "admin:ListGroups" },
  { method: "PUT", name: "set-group-status", op: "SetGroupStatus", action: "admin:EnableGroup" },
  { method: "GET", name: "help-config-kv", op: "HelpConfigKV", action: "admin:ConfigUpdate" },
  { method: "GET", name: "get-config-kv", op: "GetConfigKV", action: "admin:ConfigUpdate" },
  { method: "PUT", name: "set-config-kv", op: "SetConfigKV", action: "admin:ConfigUpdate" },
  { method: "DELETE", name: "del-config-kv", op: "DelConfigKV", action: "admin:ConfigUpdate" },
  { method: "GET", name: "list-config-history-kv", op: "ListConfigHistoryKV", action: "admin:ConfigUpdate" },
  { method: "PUT", name: "restore-config-history-kv", op: "RestoreConfigHistoryKV", action: "admin:ConfigUpdate" },
  { method: "DELETE", name: "clear-config-history-kv", op: "ClearConfigHistoryKV", action: "admin:ConfigUpdate" },
  // Per-bucket objects and bytes, counted on the call (data-usage.ts).
  { method: "GET", name: "datausageinfo", op: "DataUsageInfo", action: "admin:DataUsageInfo" },
  // Calls newer mc makes that the gateway does not have (§5.6): listed, so they answer 501, not 400.
  { method: "GET", name: "storageinfo", op: "StorageInfo", action: "admin:StorageInfo" },
  { method: "GET", name: "temporary-account-info", op: "TemporaryAccountInfo", action: "admin:ListTemporaryAccounts" },
  { method: "GET", name: "list-access-keys-bulk", op: "ListAccessKeysBulk", action: "admin:ListServiceAccounts" },
  // s3edge's own: a share link (/s/<token>) for an object; its handler checks s3:GetObject on it.
  { method: "POST", name: "s3edge/share", op: "ShareLink", action: "s3:GetObject", self: "any" },
  // The KMS of server-side encryption (kms.ts): the key ring. Older madmin POSTs status.
  { method: "GET", name: "kms/status", op: "KMSStatus", action: "admin:KMSKeyStatus" },
  { method: "POST", name: "kms/status", op: "KMSStatus", action: "admin:KMSKeyStatus" },
  { method: "GET", name: "kms/key/status", op: "KMSKeyStatus", action: "admin:KMSKeyStatus" },
  { method: "GET", name: "kms/key/list", op: "KMSKeyList", action: "admin:KMSKeyStatus" },
  { method: "POST", name: "kms/key/create", op: "KMSKeyCreate", action: "admin:KMSCreateKey" },
  // s3edge's own: re-wrap the key ring and bucket keys under a new master key (sse/rotate.ts); MinIO's rotate action.
  { method: "POST", name: "s3edge/kms/rotate", op: "KMSRotate", action: "admin:KMSKeyRotate" },
  // s3edge's own: `radosgw-admin topic stats|dump` for SNS topics and MinIO targets (topic-stats.ts).
  // The dump shows event records: it takes the right that points targets anywhere (ConfigUpdate).
  { method: "GET", name: "s3edge/topic/stats", op: "TopicStats", action: "admin:ServerInfo" },
  { method: "GET", name: "s3edge/topic/dump", op: "TopicDump", action: "admin:ConfigUpdate" },
];

export const ADMIN_PREFIXES = ["/minio/admin/v3/", "/minio/admin/v4/"] as const;

/** The admin endpoint a path names, or null when the path is not under an admin prefix. */
export function adminName(path: string): string | null {
  for (const p of ADMIN_PREFIXES) if (path.startsWith(p)) return path.slice(p.length);
  return path === "/minio/admin/v3" || path === "/minio/admin/v4" ? "" : null;
}

export function routeAdmin(method: string, name: string, query: URLSearchParams = new URLSearchParams()): AdminRoute | null {
  const row = ROUTES.find((r) => r.name === name && r.method === method);
  if (!row) return null;
  return { op: row.op, action: typeof row.action === "function" ? row.action(query) : row.action, ...(row.self ? { self: row.self } : {}) };
}

/** Whether `principal` may call a `self` route without admin rights. */
export function selfAllowed(r: AdminRoute, principal: Principal, query: URLSearchParams): boolean {
  if (!r.self || principal.kind === "anonymous") return false;
  if (r.self === "any") return true;
  const own = principal.kind === "serviceAccount" || principal.kind === "sts" ? principal.parent : principal.accessKey;
  return query.get("accessKey") === own;
}
