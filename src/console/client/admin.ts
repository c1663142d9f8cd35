// The MinIO admin API calls the console makes (/minio/admin/v3, the same endpoints mc and
// madmin use), signed in the browser. Some bodies are madmin's EncryptData under the signer's
// secret (src/admin/crypto): the console reuses those very modules. It encrypts its requests
// with id 0x02 (PBKDF2 + AES-GCM, WebCrypto: milliseconds) and decrypts the gateway's answers,
// which are Argon2id (t=1, 64 MiB) — one derivation per salt, in a Web Worker (kdf.ts), and the
// gateway answers one secret with one salt, so a session pays for it once.
import { AwsClient } from "aws4fetch";
import { decryptWithKey, deriveKey, encryptData, kdfOf, parseHeader } from "../../admin/crypto/encrypt-data.ts";
import { ConsoleError } from "./errors.ts";
import { defaultDerive, type Derive } from "./kdf.ts";
import type { Session } from "./session.ts";

export type Status = "enabled" | "disabled";
export interface AdminUser { accessKey: string; status: Status; policies: string[]; memberOf: string[] }
export interface AdminGroup { name: string; status: Status; members: string[]; policies: string[] }
export interface ServiceAccount { accessKey: string; parentUser: string; accountStatus: "on" | "off"; impliedPolicy: boolean; name?: string; description?: string; expiration?: string }
export interface NewServiceAccount { targetUser: string; policy?: unknown; expiration?: string; name?: string; description?: string }
export interface BucketUsage { size: number; objectsCount: number; versionsCount: number; deleteMarkersCount: number }
export interface DataUsage { bucketsCount: number; objectsCount: number; objectsTotalSize: number; bucketsUsageInfo: Record<string, BucketUsage> }
/** accountinfo's view of one bucket: any signed-in user may ask for its own (objects of the buckets it may read). */
export interface AccountBucket { name: string; size: number; objects: number; access: { read: boolean; write: boolean } }
type Entity = { user: string } | { group: string };

const ADMIN = "/minio/admin/v3/";
const enc = new TextEncoder();
const dec = new TextDecoder();

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");

/** Admin errors are JSON ({Code, Message, RequestId}), not XML. */
async function readAdminError(res: Response): Promise<ConsoleError> {
  const text = await res.text().catch(() => "");
  let doc: { Code?: string; Message?: string; RequestId?: string } = {};
  try { doc = JSON.parse(text); } catch {}
  return new ConsoleError(doc.Code || `HTTP${res.status}`, doc.Message || res.statusText || "Request failed", res.status, doc.RequestId ?? "");
}

/** A request body as madmin's EncryptData, id 0x02 (PBKDF2: fast in a browser, and the gateway reads every id). */
export const sealAdminBody = (secret: string, value: unknown): Promise<Uint8Array> =>
  encryptData(secret, enc.encode(JSON.stringify(value)), { id: 2 });

/** The plain text of an encrypted answer; `keys` caches a derived key per (id, salt). */
export async function openAdminText(secret: string, body: Uint8Array, keys: Map<string, Promise<Uint8Array>>, derive: Derive = deriveKey): Promise<string> {
  const h = parseHeader(body);
  if (!h) throw new ConsoleError("InvalidResponse", "The gateway's answer is not an encrypted admin body.");
  const id = `${h.id}:${hex(h.salt.slice().buffer as ArrayBuffer)}`;
  let key = keys.get(id);
  if (!key) {
    keys.set(id, (key = derive(kdfOf(h.id), secret, h.salt.slice())));
    key.catch(() => keys.delete(id));
  }
  const plain = await decryptWithKey(await key, body);
  if (!plain) throw new ConsoleError("InvalidResponse", "The gateway's answer could not be decrypted with this session's secret.");
  return dec.decode(plain);
}

/** The JSON in an encrypted answer. */
export const openAdminBody = async <T>(secret: string, body: Uint8Array, keys: Map<string, Promise<Uint8Array>>, derive: Derive = deriveKey): Promise<T> =>
  JSON.parse(await openAdminText(secret, body, keys, derive)) as T;

/** A notification target as `mc admin config get ALIAS notify` lists it. */
export interface NotifyTarget { subsys: string; id: string; arn: string; kv: [string, string][]; env: boolean }

// The ARN's type names (specs/minio-admin.md §5.5: notify_postgres → postgresql).
const ARN_TYPES: Record<string, string> = { notify_webhook: "webhook", notify_redis: "redis", notify_postgres: "postgresql", notify_mysql: "mysql", notify_amqp: "amqp" };

/** The enabled targets of a get-config-kv text (the default target `_` only when it is set). */
export function parseTargets(text: string, region: string): NotifyTarget[] {
  const out: NotifyTarget[] = [];
  let env = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) { env = line.includes("environment"); continue; }
    const m = /^(notify_\w+)(?::(\S+))?\s*(.*)$/.exec(line);
    if (!m) continue;
    const kv = [...m[3]!.matchAll(/(\w+)=("[^"]*"|\S*)/g)].map((x) => [x[1]!, x[2]!.replace(/^"(.*)"$/, "$1")] as [string, string]);
    const isEnv = env;
    env = false;
    if (kv.some(([k, v]) => k === "enable" && v === "off")) continue;
    const id = m[2] ?? "_";
    out.push({ subsys: m[1]!, id, arn: `arn:minio:sqs:${region}:${id}:${ARN_TYPES[m[1]!] ?? m[1]!.slice(7)}`, kv: kv.filter(([, v]) => v !== ""), env: isEnv });
  }
  return out;
}

export type Admin = ReturnType<typeof createAdmin>;

export function createAdmin(session: Session, region: string, origin = location.origin, send: (req: Request) => Promise<Response> = (req) => fetch(req), derive: Derive = defaultDerive()) {
  const aws = new AwsClient({ ...session, service: "s3", region, retries: 0 });
  const secret = session.secretAccessKey;
  // salt (hex) → derived key: the gateway's answers reuse one salt per secret.
  const keys = new Map<string, Promise<Uint8Array>>();

  const call = async (method: string, name: string, query: Record<string, string> = {}, body: Uint8Array = new Uint8Array(0)): Promise<Response> => {
    const u = new URL(origin + ADMIN + name);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    // The admin API requires the body's SHA-256 (madmin always sends it).
    const sha = hex(await crypto.subtle.digest("SHA-256", body as BufferSource));
    let res: Response;
    try {
      res = await send(await aws.sign(u.toString(), { method, body: body.length ? (body as BodyInit) : undefined, headers: { "x-amz-content-sha256": sha } }));
    } catch (e) {
      throw new ConsoleError("NetworkError", String(e));
    }
    if (!res.ok) throw await readAdminError(res);
    return res;
  };

  const encrypted = (value: unknown) => sealAdminBody(secret, value);
  const decrypted = async <T>(res: Response): Promise<T> => openAdminBody<T>(secret, new Uint8Array(await res.arrayBuffer()), keys, derive);

  const mapPolicy = async (how: "attach" | "detach", entity: Entity, policy: string) =>
    call("POST", `idp/builtin/policy/${how}`, {}, await encrypted({ policies: [policy], ...entity }));
  const groupMembers = (group: string, members: string[], isRemove: boolean) =>
    call("PUT", "update-group-members", {}, enc.encode(JSON.stringify({ group, members, isRemove })));

  return {
    async listUsers(): Promise<AdminUser[]> {
      const map = await decrypted<Record<string, { status: "enabled" | "disabled"; policyName?: string; memberOf?: string[] }>>(await call("GET", "list-users"));
      return Object.entries(map).map(([accessKey, u]) => ({
        accessKey, status: u.status, policies: (u.policyName ?? "").split(",").filter(Boolean), memberOf: u.memberOf ?? [],
      })).sort((a, b) => a.accessKey.localeCompare(b.accessKey));
    },
    addUser: async (accessKey: string, secretKey: string) =>
      call("PUT", "add-user", { accessKey }, await encrypted({ secretKey, status: "enabled" })),
    setUserStatus: (accessKey: string, status: "enabled" | "disabled") => call("PUT", "set-user-status", { accessKey, status }),
    removeUser: (accessKey: string) => call("DELETE", "remove-user", { accessKey }),
    attachPolicy: (user: string, policy: string) => mapPolicy("attach", { user }, policy),
    detachPolicy: (user: string, policy: string) => mapPolicy("detach", { user }, policy),
    attachGroupPolicy: (group: string, policy: string) => mapPolicy("attach", { group }, policy),
    detachGroupPolicy: (group: string, policy: string) => mapPolicy("detach", { group }, policy),
    /** Canned policies by name, each as its JSON document. */
    async listPolicies(): Promise<Record<string, unknown>> {
      return (await call("GET", "list-canned-policies")).json();
    },
    addPolicy: (name: string, document: string) => call("PUT", "add-canned-policy", { name }, enc.encode(document)),
    removePolicy: (name: string) => call("DELETE", "remove-canned-policy", { name }),

    // Groups: plain JSON both ways (update-group-members creates a group by adding members).
    async listGroups(): Promise<AdminGroup[]> {
      const names = (await (await call("GET", "groups")).json()) as string[] | null;
      return Promise.all((names ?? []).sort().map(async (group) => {
        const g = (await (await call("GET", "group", { group })).json()) as { name: string; status: Status; members?: string[] | null; policy?: string };
        return { name: g.name, status: g.status, members: g.members ?? [], policies: (g.policy ?? "").split(",").filter(Boolean) };
      }));
    },
    addGroupMembers: (group: string, members: string[]) => groupMembers(group, members, false),
    removeGroupMembers: (group: string, members: string[]) => groupMembers(group, members, true),
    setGroupStatus: (group: string, status: Status) => call("PUT", "set-group-status", { group, status }),
    /** Only an empty group can be deleted (MinIO): its members are removed first. */
    async removeGroup(group: AdminGroup) {
      if (group.members.length) await groupMembers(group.name, group.members, true);
      return groupMembers(group.name, [], true);
    },

    // Service accounts (access keys) of a user: encrypted both ways, status "on"/"off".
    async listServiceAccounts(user: string): Promise<ServiceAccount[]> {
      const doc = await decrypted<{ accounts?: ServiceAccount[] | null }>(await call("GET", "list-service-accounts", { user }));
      return (doc.accounts ?? []).sort((a, b) => a.accessKey.localeCompare(b.accessKey));
    },
    /** The new key and its secret, which the gateway shows this once. */
    async addServiceAccount(req: NewServiceAccount): Promise<{ accessKey: string; secretKey: string; expiration?: string }> {
      return (await decrypted<{ credentials: { accessKey: string; secretKey: string; expiration?: string } }>(await call("PUT", "add-service-account", {}, await encrypted(req)))).credentials;
    },
    setServiceAccountStatus: async (accessKey: string, on: boolean) =>
      call("POST", "update-service-account", { accessKey }, await encrypted({ newStatus: on ? "on" : "off" })),
    removeServiceAccount: (accessKey: string) => call("DELETE", "delete-service-account", { accessKey }),

    // Notification targets: the server-config KV text of `mc admin config`, encrypted both ways.
    async listTargets(): Promise<NotifyTarget[]> {
      return parseTargets(await openAdminText(secret, new Uint8Array(await (await call("GET", "get-config-kv", { key: "notify" })).arrayBuffer()), keys, derive), region);
    },
    /** `line`: `notify_webhook:ID endpoint=… …` (keys given replace the stored ones). */
    setTarget: async (line: string) => call("PUT", "set-config-kv", {}, await encryptData(secret, enc.encode(line), { id: 2 })),
    removeTarget: async (t: NotifyTarget) =>
      call("DELETE", "del-config-kv", {}, await encryptData(secret, enc.encode(t.id === "_" ? t.subsys : `${t.subsys}:${t.id}`), { id: 2 })),

    /** Objects and bytes per bucket (datausageinfo, plain JSON). */
    dataUsage: async (): Promise<DataUsage> => (await call("GET", "datausageinfo")).json(),
    /** The caller's own buckets with their objects and bytes (accountinfo, plain JSON; no admin rights needed). */
    accountBuckets: async (): Promise<AccountBucket[]> => ((await (await call("GET", "accountinfo")).json()) as { Buckets?: AccountBucket[] | null }).Buckets ?? [],
  };
}

/** A user's own policies and those of its enabled groups: what it may do (MinIO's union). */
export function effectivePolicies(user: AdminUser, groups: AdminGroup[]): string[] {
  const out = new Set(user.policies);
  for (const g of groups) if (g.status === "enabled" && user.memberOf.includes(g.name)) for (const p of g.policies) out.add(p);
  return [...out].sort();
}

/** The problem with a policy document before it is sent, or "" when it looks right. */
export function policyProblem(text: string): string {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { return `Not valid JSON: ${e instanceof Error ? e.message : String(e)}`; }
  if (!v || typeof v !== "object" || Array.isArray(v)) return "A policy is a JSON object.";
  const doc = v as { Version?: unknown; Statement?: unknown };
  if (!doc.Version) return 'A policy needs a "Version" (usually "2012-10-17").';
  if (doc.Statement === undefined) return 'A policy needs a "Statement".';
  return "";
}
