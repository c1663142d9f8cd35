import type { Deps } from "../deps.ts";
import type { Principal } from "../auth/principal.ts";
import { AdminError } from "./errors.ts";
import type { AdminOp } from "./router.ts";

export interface AdminCtx {
  deps: Deps;
  req: Request;
  query: URLSearchParams;
  principal: Principal;
  /** The request body, read (capped) and hashed before authentication. */
  body: Uint8Array;
  requestId: string;
}

export type AdminHandler = (ctx: AdminCtx) => Promise<Response>;

// 501, which madmin does not retry; the IAM issue fills these in.
const notImplemented: AdminHandler = async () => { throw new AdminError("NotImplemented"); };

/** Every admin op has a handler; the compiler checks the table is complete. */
export const ADMIN_HANDLERS: Record<AdminOp, AdminHandler> = {
  ServerInfo: notImplemented,
  AddUser: notImplemented, SetUserStatus: notImplemented, RemoveUser: notImplemented, ListUsers: notImplemented, UserInfo: notImplemented,
  AddServiceAccount: notImplemented, ListServiceAccounts: notImplemented, InfoServiceAccount: notImplemented,
  UpdateServiceAccount: notImplemented, DeleteServiceAccount: notImplemented,
  AddCannedPolicy: notImplemented, RemoveCannedPolicy: notImplemented, ListCannedPolicies: notImplemented, InfoCannedPolicy: notImplemented,
  SetUserOrGroupPolicy: notImplemented, AttachPolicy: notImplemented, DetachPolicy: notImplemented, PolicyEntities: notImplemented,
  UpdateGroupMembers: notImplemented, GroupInfo: notImplemented, ListGroups: notImplemented, SetGroupStatus: notImplemented,
  HelpConfigKV: notImplemented, GetConfigKV: notImplemented, SetConfigKV: notImplemented, DelConfigKV: notImplemented,
};
