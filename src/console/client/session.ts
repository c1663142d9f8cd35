// Login: the long-term key is exchanged once for STS temporary credentials (AssumeRole, signed
// for service "sts"), and only those are kept, in sessionStorage (gone with the tab). Root, which
// STS refuses, is kept in this page's memory only. Logout and expiry clear both.
import { AwsClient } from "aws4fetch";
import { ConsoleError } from "./errors.ts";
import { parseXml, textOf } from "./xml.ts";

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** ms since the epoch; absent for long-term credentials. */
  expiration?: number;
  /** "sts": temporary credentials; "long-term": see keepLongTermCredentialsForSession. */
  kind: "sts" | "long-term";
}

const KEY = "s3edge.console.session";
const DURATION_SECONDS = 3600;

export async function readError(res: Response): Promise<ConsoleError> {
  const text = await res.text().catch(() => "");
  const doc = parseXml(text);
  const code = textOf(doc, "Code") || `HTTP${res.status}`;
  const message = textOf(doc, "Message") || res.statusText || "Request failed";
  return new ConsoleError(code, message, res.status, textOf(doc, "RequestId"));
}

// Root's long-term key: a variable of this page, never written to any storage (a reload forgets it).
let inMemory: Session | null = null;

export function loadSession(now = Date.now()): Session | null {
  if (inMemory) return inMemory;
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Session | null;
    // A long-term key an older console stored is dropped, not used.
    if (!s || s.kind !== "sts" || (s.expiration !== undefined && s.expiration <= now)) return clearSession(), null;
    return s;
  } catch {
    return null;
  }
}

export const clearSession = (): void => { inMemory = null; sessionStorage.removeItem(KEY); };
// Only temporary credentials are ever written (a long-term secret never is, whatever the caller).
const saveSession = (s: Session): void => { if (s.kind === "sts" && s.sessionToken) sessionStorage.setItem(KEY, JSON.stringify(s)); };

/**
 * THE one place the long-term secret is kept: for root, which STS refuses (MinIO semantics:
 * "Generating temporary credentials not allowed"), the console keeps root's own key in this
 * page's memory only — no sessionStorage, localStorage, cookie or IndexedDB — so a reload asks
 * root to log in again (the login form says so). Everyone else gets temporary credentials.
 */
function keepLongTermCredentialsInMemory(accessKeyId: string, secretAccessKey: string): Session {
  sessionStorage.removeItem(KEY);
  return (inMemory = { accessKeyId, secretAccessKey, kind: "long-term" });
}

export async function login(accessKeyId: string, secretAccessKey: string, region: string): Promise<Session> {
  const sts = new AwsClient({ accessKeyId, secretAccessKey, service: "sts", region, retries: 0 });
  const body = new URLSearchParams({ Action: "AssumeRole", Version: "2011-06-15", DurationSeconds: String(DURATION_SECONDS) }).toString();
  const res = await sts.fetch(`${location.origin}/`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  if (!res.ok) {
    const err = await readError(res);
    // AccessDenied means the signature was good (a wrong key is InvalidAccessKeyId or
    // SignatureDoesNotMatch): the principal just may not assume a role, i.e. root.
    if (err.code === "AccessDenied") return keepLongTermCredentialsInMemory(accessKeyId, secretAccessKey);
    throw err;
  }
  const doc = parseXml(await res.text());
  const s: Session = {
    kind: "sts",
    accessKeyId: textOf(doc, "AccessKeyId"),
    secretAccessKey: textOf(doc, "SecretAccessKey"),
    sessionToken: textOf(doc, "SessionToken"),
    expiration: Date.parse(textOf(doc, "Expiration")),
  };
  if (!s.accessKeyId || !s.secretAccessKey || !s.sessionToken) throw new ConsoleError("InvalidResponse", "The STS answer had no credentials.");
  inMemory = null;
  saveSession(s);
  return s;
}
