// Users (specs/minio-admin.md §5.1): add-user (encrypted {secretKey, status[, policy]}, an
// upsert), set-user-status, remove-user, list-users (encrypted map), user-info (plain).
import type { IamStatus, IamUser } from "../iam/store.ts";
import { checkAccessKey, checkSecretKey } from "../iam/validate.ts";
import { AdminError } from "./errors.ts";
import type { AdminHandler } from "./handlers.ts";
import { check, committed, decryptedJson, empty, encryptedJson, field, json, param, rfc3339, splitNames } from "./respond.ts";

/** madmin's UserInfo: policyName and memberOf omitted when empty, never the secret. */
export function userInfo(u: IamUser) {
  return {
    ...(u.policies.length ? { policyName: u.policies.join(",") } : {}),
    status: u.status,
    ...(u.memberOf.length ? { memberOf: u.memberOf } : {}),
    updatedAt: rfc3339(u.updatedAt),
  };
}

export function status(s: string | null | undefined): IamStatus {
  if (s === "enabled" || s === "disabled") return s;
  throw new AdminError("XMinioAdminInvalidArgument", { message: `status must be 'enabled' or 'disabled', not '${s ?? ""}'` });
}

export const notRoot = (ctx: Parameters<AdminHandler>[0], accessKey: string, what: string) => {
  if (accessKey === ctx.deps.config.rootUser) throw new AdminError("XMinioInvalidIAMCredentials", { message: `${what} is not allowed for the root user.` });
};

export const addUser: AdminHandler = async (ctx) => {
  const accessKey = param(ctx, "accessKey");
  notRoot(ctx, accessKey, "Adding a user with the root access key");
  check(() => checkAccessKey(accessKey), "XMinioAdminInvalidAccessKey");
  const doc = await decryptedJson(ctx);
  const secretKey = field(doc, "secretKey") ?? "";
  check(() => checkSecretKey(secretKey), "XMinioAdminInvalidSecretKey");
  const policy = field(doc, "policy");
  committed(await ctx.deps.iam.putUser({
    accessKey, secretKey, status: status(field(doc, "status") || "enabled"),
    ...(policy !== undefined ? { policies: splitNames(policy) } : {}),
  }));
  return empty();
};

export const setUserStatus: AdminHandler = async (ctx) => {
  const accessKey = param(ctx, "accessKey");
  if (accessKey === ctx.deps.config.rootUser) throw new AdminError("InvalidRequest", { message: "The root user cannot be enabled or disabled." });
  committed(await ctx.deps.iam.setUserStatus(accessKey, status(ctx.query.get("status"))));
  return empty();
};

export const removeUser: AdminHandler = async (ctx) => {
  const accessKey = param(ctx, "accessKey");
  notRoot(ctx, accessKey, "Removing the root user");
  committed(await ctx.deps.iam.deleteUser(accessKey));
  return empty();
};

export const listUsers: AdminHandler = async (ctx) => {
  const out: Record<string, ReturnType<typeof userInfo>> = {};
  for (const u of await ctx.deps.iam.listUsers()) out[u.accessKey] = userInfo(u);
  return encryptedJson(ctx, out);
};

export const getUserInfo: AdminHandler = async (ctx) => {
  const accessKey = param(ctx, "accessKey");
  const u = await ctx.deps.iam.getUser(accessKey);
  if (!u) throw new AdminError("XMinioAdminNoSuchUser", { message: `The specified user '${accessKey}' does not exist.` });
  return json(userInfo(u));
};
