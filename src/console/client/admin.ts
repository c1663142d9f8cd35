// The MinIO admin API calls the console makes (/minio/admin/v3, the same endpoints mc and
// madmin use), signed in the browser. Some bodies are madmin's EncryptData under the signer's
// secret (src/admin/crypto): the console reuses those very modules. It encrypts its requests
// with id 0x02 (PBKDF2 + AES-GCM, WebCrypto: milliseconds) and decrypts the gateway's answers,
// which are Argon2id (t=1, 64 MiB) — one derivation per salt, and the gateway answers one
// secret with one salt, so a session pays for it once.
import { AwsClient } from "aws4fetch";
import { decryptWithKey, deriveKey, encryptData, kdfOf, parseHeader } from "../../admin/crypto/encrypt-data.ts";
import { ConsoleError } from "./errors.ts";
import type { Session } from "./session.ts";

export interface AdminUser { accessKey: string; status: "enabled" | "disabled"; policies: string[]; memberOf: string[] }

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

/** The JSON in an encrypted answer; `keys` caches a derived key per (id, salt). */
export async function openAdminBody<T>(secret: string, body: Uint8Array, keys: Map<string, Promise<Uint8Array>>): Promise<T> {
  const h = parseHeader(body);
  if (!h) throw new ConsoleError("InvalidResponse", "The gateway's answer is not an encrypted admin body.");
  const id = `${h.id}:${hex(h.salt.slice().buffer as ArrayBuffer)}`;
  let key = keys.get(id);
  if (!key) {
    keys.set(id, (key = deriveKey(kdfOf(h.id), secret, h.salt.slice())));
    key.catch(() => keys.delete(id));
  }
  const plain = await decryptWithKey(await key, body);
  if (!plain) throw new ConsoleError("InvalidResponse", "The gateway's answer could not be decrypted with this session's secret.");
  return JSON.parse(dec.decode(plain)) as T;
}

export type Admin = ReturnType<typeof createAdmin>;

export function createAdmin(session: Session, region: string, origin = location.origin, send: (req: Request) => Promise<Response> = (req) => fetch(req)) {
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
      res = await send(await aws.sign(u.toString(), { method, body: method === "GET" || method === "DELETE" ? undefined : (body as BodyInit), headers: { "x-amz-content-sha256": sha } }));
    } catch (e) {
      throw new ConsoleError("NetworkError", String(e));
    }
    if (!res.ok) throw await readAdminError(res);
    return res;
  };

  const encrypted = (value: unknown) => sealAdminBody(secret, value);
  const decrypted = async <T>(res: Response): Promise<T> => openAdminBody<T>(secret, new Uint8Array(await res.arrayBuffer()), keys);

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
    attachPolicy: async (user: string, policy: string) =>
      call("POST", "idp/builtin/policy/attach", {}, await encrypted({ policies: [policy], user })),
    detachPolicy: async (user: string, policy: string) =>
      call("POST", "idp/builtin/policy/detach", {}, await encrypted({ policies: [policy], user })),
    /** Canned policies by name, each as its JSON document. */
    async listPolicies(): Promise<Record<string, unknown>> {
      return (await call("GET", "list-canned-policies")).json();
    },
    addPolicy: (name: string, document: string) => call("PUT", "add-canned-policy", { name }, enc.encode(document)),
    removePolicy: (name: string) => call("DELETE", "remove-canned-policy", { name }),
  };
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
