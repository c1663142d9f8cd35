// Login: the long-term key is exchanged once for STS temporary credentials (AssumeRole, signed
// for service "sts"), and only those are kept, in sessionStorage (gone with the tab). Logout and
// expiry clear them.
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

export function loadSession(now = Date.now()): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Session | null;
    if (!s || (s.expiration !== undefined && s.expiration <= now)) return clearSession(), null;
    return s;
  } catch {
    return null;
  }
}

export const clearSession = (): void => sessionStorage.removeItem(KEY);
const saveSession = (s: Session): void => sessionStorage.setItem(KEY, JSON.stringify(s));

/**
 * THE one place the long-term secret is kept: for root, which STS refuses (MinIO semantics:
 * "Generating temporary credentials not allowed"), the console keeps root's own key in
 * sessionStorage for this tab only. Everyone else gets temporary credentials.
 */
function keepLongTermCredentialsForSession(accessKeyId: string, secretAccessKey: string): Session {
  const s: Session = { accessKeyId, secretAccessKey, kind: "long-term" };
  saveSession(s);
  return s;
}

export async function login(accessKeyId: string, secretAccessKey: string, region: string): Promise<Session> {
  const sts = new AwsClient({ accessKeyId, secretAccessKey, service: "sts", region, retries: 0 });
  const body = new URLSearchParams({ Action: "AssumeRole", Version: "2011-06-15", DurationSeconds: String(DURATION_SECONDS) }).toString();
  const res = await sts.fetch(`${location.origin}/`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  if (!res.ok) {
    const err = await readError(res);
    // AccessDenied means the signature was good (a wrong key is InvalidAccessKeyId or
    // SignatureDoesNotMatch): the principal just may not assume a role, i.e. root.
    if (err.code === "AccessDenied") return keepLongTermCredentialsForSession(accessKeyId, secretAccessKey);
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
  saveSession(s);
  return s;
}
