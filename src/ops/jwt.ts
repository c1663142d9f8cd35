// The bearer token Prometheus scrapes with, as `mc admin prometheus generate` makes it: a JWT
// signed HS512 with the secret of the access key in `sub`, issuer "prometheus".
import { timingSafeEqual, toBase64, utf8 } from "../util/hash.ts";

export interface PrometheusClaims { sub: string; iss?: string; exp?: number }

const b64url = (b: Uint8Array) => toBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function fromB64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  try {
    const bin = atob(std + "=".repeat((4 - (std.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function hs512(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-512" }, false, ["sign"]);
  return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(data))));
}

export async function signPrometheusToken(accessKey: string, secret: string, expiresAtSec: number): Promise<string> {
  const head = b64url(utf8(JSON.stringify({ alg: "HS512", typ: "JWT" })));
  const body = b64url(utf8(JSON.stringify({ exp: expiresAtSec, sub: accessKey, iss: "prometheus" })));
  return `${head}.${body}.${await hs512(secret, `${head}.${body}`)}`;
}

/** The claims of a well-formed HS512 token, unverified (to find whose secret signs it); null if malformed. */
export function peekClaims(token: string): PrometheusClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const head = JSON.parse(new TextDecoder().decode(fromB64url(parts[0]!) ?? new Uint8Array()));
    const claims = JSON.parse(new TextDecoder().decode(fromB64url(parts[1]!) ?? new Uint8Array()));
    // Only HS512: a token naming another algorithm (or "none") is refused, never trusted.
    if (head?.alg !== "HS512" || typeof claims?.sub !== "string") return null;
    if (claims.exp !== undefined && typeof claims.exp !== "number") return null;
    return claims as PrometheusClaims;
  } catch {
    return null;
  }
}

/** Whether `token` is signed with `secret` and unexpired at `nowSec`. */
export async function verifyToken(token: string, secret: string, nowSec: number): Promise<boolean> {
  const claims = peekClaims(token);
  if (!claims) return false;
  const [head, body, sig] = token.split(".") as [string, string, string];
  if (!timingSafeEqual(await hs512(secret, `${head}.${body}`), sig)) return false;
  return claims.exp === undefined || claims.exp > nowSec;
}
