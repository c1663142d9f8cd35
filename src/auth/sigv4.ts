// SigV4 building blocks (garage signature/payload.rs; hono utils/crypto.ts): strings in, strings out.
import { hmac, hmacHex, sha256Hex } from "../util/hash.ts";
import { latin1Bytes } from "../http/header-bytes.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** AWS URI encoding: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper case); '/' kept when asked. */
export function awsUriEncode(s: string, keepSlash: boolean): string {
  // Most names and query values need no escape at all: one test instead of a pass per byte.
  if ((keepSlash ? PLAIN_PATH : PLAIN).test(s)) return s;
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const PLAIN = /^[A-Za-z0-9\-_.~]*$/;
const PLAIN_PATH = /^[A-Za-z0-9\-_.~/]*$/;

export interface Credential { accessKey: string; date: string; region: string; service: string; scope: string }

export function parseCredential(v: string): Credential | null {
  const parts = v.split("/");
  if (parts.length < 5 || parts[parts.length - 1] !== "aws4_request") return null;
  // Access keys may not contain '/', but be lenient: everything before the last four parts.
  const tail = parts.slice(-4);
  const accessKey = parts.slice(0, -4).join("/");
  if (!accessKey || !/^\d{8}$/.test(tail[0])) return null;
  return { accessKey, date: tail[0], region: tail[1], service: tail[2], scope: tail.join("/") };
}

export interface ParsedAuthorization { credential: Credential; signedHeaders: string[]; signature: string }

export function parseAuthorization(header: string): ParsedAuthorization | null {
  if (!header.startsWith(ALGORITHM + " ")) return null;
  const fields: Record<string, string> = {};
  for (const part of header.slice(ALGORITHM.length + 1).split(",")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    fields[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  const credential = fields.Credential ? parseCredential(fields.Credential) : null;
  if (!credential || !fields.SignedHeaders || !fields.Signature || !validSignedHeaders(fields.SignedHeaders)) return null;
  return { credential, signedHeaders: fields.SignedHeaders.split(";"), signature: fields.Signature };
}

// RFC 9110 token characters: anything else cannot be a header name (and Headers.get would throw).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `host;x-amz-date;…`: non-empty header names, nothing else. */
export const validSignedHeaders = (v: string) => v.split(";").every((h) => HEADER_NAME.test(h));

/** Canonical query string from decoded (name, value) pairs. */
export function canonicalQuery(params: [string, string][], exclude?: string): string {
  return params
    .filter(([k]) => k !== exclude)
    .map(([k, v]) => [awsUriEncode(k, false), awsUriEncode(v, false)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/**
 * The canonical query strings a client may have signed: AWS's (values of a repeated key sorted)
 * and, when it differs, Go's url.Values.Encode order (keys sorted, values as sent), which
 * minio-go and MinIO sign — `mc watch` sends `events=s3:ObjectCreated:*&events=s3:ObjectRemoved:*&
 * events=s3:ObjectAccessed:*` unsorted.
 */
export function canonicalQueries(params: [string, string][], exclude?: string): string[] {
  if (params.length === 0) return [""];
  const aws = canonicalQuery(params, exclude);
  const asSent = params
    .filter(([k]) => k !== exclude)
    .map(([k, v]) => [awsUriEncode(k, false), awsUriEncode(v, false)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return asSent === aws ? [aws] : [aws, asSent];
}

/** `name:value\n` per signed header, values trimmed and inner runs of white space made one space. */
export function canonicalHeaders(headers: Pick<Headers, "get">, signed: string[]): string {
  let out = "";
  for (const h of signed) {
    const v = (headers.get(h) ?? "").trim();
    out += `${h}:${SPACE_RUN.test(v) ? v.replace(/\s+/g, " ") : v}\n`;
  }
  return out;
}
/** What canonicalHeaders would change: two white-space characters in a row, or one other than a space. */
const SPACE_RUN = /\s\s|[^\S ]/;

export function canonicalRequest(method: string, uri: string, query: string, headers: string, signed: string[], payloadHash: string): string {
  return `${method}\n${uri}\n${query}\n${headers}\n${signed.join(";")}\n${payloadHash}`;
}

export async function stringToSign(amzDate: string, scope: string, canonical: string): Promise<string> {
  // Header values are byte strings (http/header-bytes.ts): hashed as the bytes they were sent
  // as, not re-encoded as UTF-8 (a client signs the UTF-8 it sends, once).
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${await sha256Hex(NON_ASCII.test(canonical) ? latin1Bytes(canonical) : canonical)}`;
}
const NON_ASCII = /[^\x00-\x7f]/;

// Derived keys change once a day per (secret, region, service): caching them saves four HMACs on
// every request. Bounded, because the date and region come from the (not yet verified) request.
const SIGNING_KEYS_MAX = 64;
const signingKeys = new Map<string, Promise<Uint8Array>>();

/** The SigV4 signing key; the same (cached, not to be modified) buffer for the same inputs. */
export function signingKey(secret: string, date: string, region: string, service: string): Promise<Uint8Array> {
  // NUL never occurs in a header value (the scope's parts) or a secret, so the id names one tuple.
  const id = `${date}\0${region}\0${service}\0${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    if (signingKeys.size >= SIGNING_KEYS_MAX) signingKeys.clear();
    key = deriveSigningKey(secret, date, region, service);
    signingKeys.set(id, key);
    key.catch(() => signingKeys.delete(id));
  }
  return key;
}

async function deriveSigningKey(secret: string, date: string, region: string, service: string): Promise<Uint8Array> {
  const kDate = await hmac("AWS4" + secret, date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

/** A SigV4 signature: HMAC-SHA256 of `data` under the signing key, hex. */
export const sign = hmacHex;

/** `20130524T000000Z` → epoch ms, or NaN. */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h, mi, sec] = [+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!];
  const t = Date.UTC(y, mo, d, h, mi, sec);
  // Date.UTC rolls a 13th month or a 61st second over (and reads years below 100 as 19xx): a
  // date that does not exist is none.
  const back = new Date(t);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo && back.getUTCDate() === d &&
    back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === sec ? t : NaN;
}
