import type { Deps } from "../deps.ts";
import type { Principal } from "../auth/principal.ts";
import type { MadminCrypto } from "./crypto/madmin-crypto.ts";
import { AdminError } from "./errors.ts";
import type { AdminOp } from "./router.ts";
import { accountInfo, serverInfo } from "./server-info.ts";
import { addUser, getUserInfo, listUsers, removeUser, setUserStatus } from "./users.ts";
import {
  addServiceAccount, deleteServiceAccount, infoServiceAccount, listServiceAccounts, updateServiceAccount,
} from "./service-accounts.ts";
import {
  addCannedPolicy, attachPolicy, detachPolicy, infoCannedPolicy, listCannedPolicies, policyEntities, removeCannedPolicy,
  setUserOrGroupPolicy,
} from "./policies.ts";
import { groupInfo, listGroups, setGroupStatus, updateGroupMembers } from "./groups.ts";
import { configHistoryKV, delConfigKV, getConfigKV, helpConfigKV, setConfigKV } from "./config-kv.ts";
import { shareLink } from "./share.ts";
import { dataUsageInfo } from "./data-usage.ts";
import { kmsKeyCreate, kmsKeyList, kmsKeyStatus, kmsRotate, kmsStatus } from "./kms.ts";
import { topicDump, topicStats } from "./topic-stats.ts";

export interface AdminCtx {
  deps: Deps;
  req: Request;
  query: URLSearchParams;
  principal: Principal;
  /** The request body, read (capped) and hashed before authentication. */
  body: Uint8Array;
  requestId: string;
  /** madmin's body encryption with this mount's key cache (crypto/madmin-crypto.ts). */
  crypto: MadminCrypto;
  /** When this mount was built (epoch ms): the uptime `mc admin info` shows. */
  startedAt: number;
  /** Whether the caller may do `action` on `resource` (accountinfo's per-bucket access). */
  can(action: string, resource: string): Promise<boolean>;
}

export type AdminHandler = (ctx: AdminCtx) => Promise<Response>;

// 501, which madmin does not retry: calls the gateway lacks (storage info, STS account info, bulk key listing).
const notImplemented: AdminHandler = async () => { throw new AdminError("NotImplemented"); };

/** Every admin op has a handler; the compiler checks the table is complete. */
export const ADMIN_HANDLERS: Record<AdminOp, AdminHandler> = {
  ServerInfo: serverInfo, AccountInfo: accountInfo,
  AddUser: addUser, SetUserStatus: setUserStatus, RemoveUser: removeUser, ListUsers: listUsers, UserInfo: getUserInfo,
  AddServiceAccount: addServiceAccount, ListServiceAccounts: listServiceAccounts, InfoServiceAccount: infoServiceAccount,
  UpdateServiceAccount: updateServiceAccount, DeleteServiceAccount: deleteServiceAccount,
  AddCannedPolicy: addCannedPolicy, RemoveCannedPolicy: removeCannedPolicy, ListCannedPolicies: listCannedPolicies, InfoCannedPolicy: infoCannedPolicy,
  SetUserOrGroupPolicy: setUserOrGroupPolicy, AttachPolicy: attachPolicy, DetachPolicy: detachPolicy, PolicyEntities: policyEntities,
  UpdateGroupMembers: updateGroupMembers, GroupInfo: groupInfo, ListGroups: listGroups, SetGroupStatus: setGroupStatus,
  HelpConfigKV: helpConfigKV, GetConfigKV: getConfigKV, SetConfigKV: setConfigKV, DelConfigKV: delConfigKV,
  ListConfigHistoryKV: configHistoryKV, RestoreConfigHistoryKV: configHistoryKV, ClearConfigHistoryKV: configHistoryKV,
  StorageInfo: notImplemented, DataUsageInfo: dataUsageInfo, TemporaryAccountInfo: notImplemented, ListAccessKeysBulk: notImplemented,
  ShareLink: shareLink,
  KMSStatus: kmsStatus, KMSKeyStatus: kmsKeyStatus, KMSKeyList: kmsKeyList, KMSKeyCreate: kmsKeyCreate, KMSRotate: kmsRotate,
  TopicStats: topicStats, TopicDump: topicDump,
};
