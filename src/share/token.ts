// Share-link tokens (`/s/<token>`, osproxy's share links): the bucket, key, expiry and creator
// sealed with AES-256-GCM under a key derived from the root secret (WebCrypto HKDF). The GCM
// tag authenticates the token (a changed byte fails to open: tampered → 403) and the
// encryption keeps the bucket layout out of the URL. Any node with the same root credentials
// opens any node's links, with no lookup; changing the root password revokes them all.
//
// Layout before sealing: version (1) · expiry, seconds since the epoch (u32 BE) · creator
// length (1) · creator · bucket length (1) · bucket · key (UTF-8, the rest). Sealed:
// nonce (12) · ciphertext+tag, base64url without padding.

export interface SharePayload {
  bucket: string;
  key: string;
  /** Expiry, ms since the epoch (stored at second precision). */
  expires: number;
  /** Access key of who made the link: it must still be allowed s3:GetObject when the link is used. */
  creator: string;
}

const VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The sealing key for a root identity (HKDF-SHA256; salt and info name the purpose). */
export async function shareKey(rootUser: string, rootPassword: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", enc.encode(rootPassword), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: enc.encode("s3edge share links v1"), info: enc.encode(rootUser) },
    ikm, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"],
  );
}

const b64url = (b: Uint8Array) => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

function fromB64url(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) return null;
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function sealShare(key: CryptoKey, p: SharePayload): Promise<string> {
  const creator = enc.encode(p.creator), bucket = enc.encode(p.bucket), name = enc.encode(p.key);
  if (creator.length > 255 || bucket.length > 255) throw new Error("creator or bucket too long for a share link");
  const plain = new Uint8Array(1 + 4 + 1 + creator.length + 1 + bucket.length + name.length);
  const view = new DataView(plain.buffer);
  let o = 0;
  plain[o++] = VERSION;
  view.setUint32(o, Math.ceil(p.expires / 1000)); o += 4;
  plain[o++] = creator.length; plain.set(creator, o); o += creator.length;
  plain[o++] = bucket.length; plain.set(bucket, o); o += bucket.length;
  plain.set(name, o);
  const nonce = crypto.getRandomValues(new Uint8Array(12)) as Uint8Array<ArrayBuffer>;
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, plain));
  const out = new Uint8Array(12 + sealed.length);
  out.set(nonce);
  out.set(sealed, 12);
  return b64url(out);
}

/** The payload, or null when the token is malformed or was not sealed with this key (tampered). */
export async function openShare(key: CryptoKey, token: string): Promise<SharePayload | null> {
  const raw = token.length <= 4096 ? fromB64url(token) : null;
  if (!raw || raw.length < 12 + 16 + 7) return null;
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: raw.subarray(0, 12) }, key, raw.subarray(12)));
  } catch {
    return null;
  }
  try {
    if (plain[0] !== VERSION) return null;
    const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
    let o = 1;
    const expires = view.getUint32(o) * 1000; o += 4;
    const cl = plain[o++]; const creator = dec.decode(plain.subarray(o, o + cl)); o += cl;
    const bl = plain[o++]; const bucket = dec.decode(plain.subarray(o, o + bl)); o += bl;
    const name = dec.decode(plain.subarray(o));
    if (!bucket || !name || o > plain.length) return null;
    return { bucket, key: name, expires, creator };
  } catch {
    return null;
  }
}

/** Longest a link may live: S3's limit for presigned URLs. */
export const MAX_SHARE_MS = 7 * 24 * 3_600_000;

/** "1h", "90m", "7d", "3600" (seconds): ms, or NaN when not a duration within (0, 7d]. */
export function parseShareExpiry(s: string, parseGo: (s: string) => number): number {
  const t = s.trim();
  const ms = /^\d+$/.test(t) ? Number(t) * 1000 : /^\d+d$/.test(t) ? Number(t.slice(0, -1)) * 86_400_000 : parseGo(t);
  return ms > 0 && ms <= MAX_SHARE_MS ? ms : NaN;
}
