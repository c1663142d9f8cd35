// Groups (specs/minio-admin.md §5.4): update-group-members (plain JSON; adding creates the
// group, removing with no members deletes the empty group), group info, list, set-group-status.
import { AdminError } from "./errors.ts";
import type { AdminHandler } from "./handlers.ts";
import { committed, empty, field, json, param, plainJson, rfc3339, stringList } from "./respond.ts";
import { status } from "./users.ts";

export const updateGroupMembers: AdminHandler = async (ctx) => {
  const doc = plainJson(ctx);
  const group = field(doc, "group");
  if (!group) throw new AdminError("XMinioAdminInvalidArgument", { message: "A group name is required." });
  const members = stringList(doc.members, "members");
  if (doc.isRemove !== undefined && typeof doc.isRemove !== "boolean") throw new AdminError("XMinioAdminInvalidArgument", { message: "isRemove must be a boolean." });
  const groupStatus = field(doc, "groupStatus");
  if (doc.isRemove) {
    committed(members.length ? await ctx.deps.iam.removeGroupMembers(group, members) : await ctx.deps.iam.deleteGroup(group));
    return empty();
  }
  committed(await ctx.deps.iam.addGroupMembers(group, members));
  // New madmin may set the status in the same call.
  if (groupStatus) committed(await ctx.deps.iam.setGroupStatus(group, status(groupStatus)));
  return empty();
};

export const groupInfo: AdminHandler = async (ctx) => {
  const name = param(ctx, "group");
  const g = await ctx.deps.iam.getGroup(name);
  if (!g) throw new AdminError("XMinioAdminNoSuchGroup", { message: `The specified group '${name}' does not exist.` });
  return json({ name: g.name, status: g.status, members: g.members, policy: g.policies.join(","), updatedAt: rfc3339(g.updatedAt) });
};

export const listGroups: AdminHandler = async (ctx) => json((await ctx.deps.iam.listGroups()).map((g) => g.name));

export const setGroupStatus: AdminHandler = async (ctx) => {
  committed(await ctx.deps.iam.setGroupStatus(param(ctx, "group"), status(ctx.query.get("status"))));
  return empty();
};
