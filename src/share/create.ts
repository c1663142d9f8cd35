// Making a share link: who may, for how long, and the path it is served at. Shared by the
// admin endpoint (the console) and the CLI (`s3edge share`).
import type { Principal } from "../auth/principal.ts";
import { parseGoDuration } from "../util/duration.ts";
import { parseShareExpiry, sealShare, shareKey } from "./token.ts";
import { SHARE_PREFIX } from "./serve.ts";

export const DEFAULT_SHARE_EXPIRY = "1h";

/** Why a link cannot be made for `principal`, or null. STS sessions end: a link must not outlive them unseen. */
export function shareRefusal(principal: Principal): string | null {
  if (principal.kind === "anonymous") return "share links need credentials";
  if (principal.kind === "sts") return "share links need long-term credentials (a user or service account), not an STS session";
  return null;
}

export async function createShareLink(opts: {
  rootUser: string; rootPassword: string; creator: string; bucket: string; key: string; expires: string; now: number;
}): Promise<{ path: string; token: string; expiresAt: number } | { error: string }> {
  const ms = parseShareExpiry(opts.expires, parseGoDuration);
  if (Number.isNaN(ms)) return { error: `expires must be a duration up to 7d (e.g. 1h, 30m, 2d), got ${opts.expires}` };
  if (!opts.bucket || !opts.key) return { error: "bucket and key are required" };
  const expiresAt = Math.ceil((opts.now + ms) / 1000) * 1000;
  const token = await sealShare(await shareKey(opts.rootUser, opts.rootPassword), { bucket: opts.bucket, key: opts.key, expires: expiresAt, creator: opts.creator });
  return { path: `${SHARE_PREFIX}${token}`, token, expiresAt };
}
