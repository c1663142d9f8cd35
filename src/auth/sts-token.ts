// Stateless STS session tokens (DESIGN.md "STS tokens are stateless"): the token carries who
// the session is for, until when, and its session policy, signed with a key derived from the
// root secret; the temporary secret is derived from the same key and the token, so any node or
// isolate verifies a request without a lookup. Strings in, strings out, WebCrypto only.
import { hmac, timingSafeEqual, toBase64, utf8 } from "../util/hash.ts";

export interface StsClaims {
  /** The temporary access key. */
  ak: string;
  /** The user whose rights the session has. */
  parent: string;
  /** The service account that assumed the role, when it was one (its own policy narrows too). */
  sa?: string;
  /** Session policy JSON, narrowing the parent's rights. */
  pol?: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function fromB64url(s: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** The STS key: one derivation from the root secret (rotating the root secret ends every session). */
const stsKey = (rootSecret: string) => hmac(rootSecret, "s3edge-sts-v1");

/** A 20-character A–Z0–9 access key (the form MinIO and AWS clients expect). */
export function newTemporaryAccessKey(): string {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const r = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(r, (x) => A[x % 36]).join("");
}

async function secretFor(key: Uint8Array, body: string): Promise<string> {
  return b64url(await hmac(key, `secret:${body}`)).slice(0, 40);
}

/** The session token and its temporary secret. */
export async function issueStsToken(rootSecret: string, claims: StsClaims): Promise<{ token: string; secret: string }> {
  const key = await stsKey(rootSecret);
  const body = b64url(utf8(JSON.stringify(claims)));
  const sig = b64url(await hmac(key, `token:${body}`));
  return { token: `${body}.${sig}`, secret: await secretFor(key, body) };
}

/**
 * The claims and temporary secret of a token, or why not: "invalid" (malformed, tampered, or
 * signed by another root secret) or "expired".
 */
export async function verifyStsToken(rootSecret: string, token: string, nowMs: number):
  Promise<{ ok: true; claims: StsClaims; secret: string } | { ok: false; reason: "invalid" | "expired" }> {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 8192) return { ok: false, reason: "invalid" };
  const body = token.slice(0, dot), sig = token.slice(dot + 1);
  const key = await stsKey(rootSecret);
  if (!timingSafeEqual(b64url(await hmac(key, `token:${body}`)), sig)) return { ok: false, reason: "invalid" };
  const text = fromB64url(body);
  let claims: StsClaims;
  try {
    claims = JSON.parse(text ?? "");
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (!claims || typeof claims.ak !== "string" || typeof claims.parent !== "string" || typeof claims.exp !== "number") return { ok: false, reason: "invalid" };
  if (claims.exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims, secret: await secretFor(key, body) };
}
