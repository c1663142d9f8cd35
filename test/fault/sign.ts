// A SigV4 / SigV2 signer of the test's own (node:crypto, no code shared with src/auth), so the
// fault tests can sign exactly what they send: a path with "." segments as is, a credential
// scope of another day, headers left out of SignedHeaders, aws-chunked bodies with chunk
// signatures, SigV2 query expiries of any length.
import { createHash, createHmac } from "node:crypto";
import { CREDS, REGION } from "./harness.ts";

export const UNSIGNED = "UNSIGNED-PAYLOAD";
export const STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const hmac = (key: Uint8Array | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it; '/' kept for paths. */
export function uriEncode(s: string, keepSlash = false): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === "/") ? c : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/** The query as sent: pairs encoded, in canonical (sorted) order. */
export function encodeQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

export function signingKey(secret: string, day: string, region = REGION, service = "s3"): Buffer {
  return hmac(hmac(hmac(hmac("AWS4" + secret, day), region), service), "aws4_request");
}

export interface V4 {
  method: string;
  host: string;
  /** The path exactly as it goes on the wire (already percent-encoded where needed). */
  path: string;
  query?: [string, string][];
  /** Headers to send; all are signed unless `unsigned` names them. */
  headers?: Record<string, string>;
  unsigned?: string[];
  payloadHash?: string;
  date?: Date;
  /** Credential scope day (default: the request's). */
  scopeDay?: string;
  region?: string;
  accessKey?: string;
  secret?: string;
}

function canonical(method: string, path: string, query: string, headers: Record<string, string>, signed: string[], payloadHash: string) {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const ch = signed.map((h) => `${h}:${(lower[h] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  return [method, path, query, ch, signed.join(";"), payloadHash].join("\n");
}

export interface SignedV4 { headers: Record<string, string>; query: string; target: string; signature: string; key: Buffer; scope: string; amzDate: string }

/** Header-signed request: returns the headers to send (Authorization included) and the request target. */
export function signV4(i: V4): SignedV4 {
  const date = i.date ?? new Date();
  const ad = amzDate(date);
  const day = i.scopeDay ?? ad.slice(0, 8);
  const region = i.region ?? REGION;
  const scope = `${day}/${region}/s3/aws4_request`;
  const payloadHash = i.payloadHash ?? UNSIGNED;
  const headers: Record<string, string> = { host: i.host, "x-amz-date": ad, "x-amz-content-sha256": payloadHash, ...i.headers };
  const unsigned = new Set((i.unsigned ?? []).map((h) => h.toLowerCase()));
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).filter((h) => !unsigned.has(h)).sort();
  const query = encodeQuery(i.query ?? []);
  const creq = canonical(i.method, i.path, query, headers, signed, payloadHash);
  const sts = ["AWS4-HMAC-SHA256", ad, scope, sha256(creq)].join("\n");
  const key = signingKey(i.secret ?? CREDS.secretAccessKey, day, region);
  const signature = hmac(key, sts).toString("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${i.accessKey ?? CREDS.accessKeyId}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`;
  return { headers, query, target: query ? `${i.path}?${query}` : i.path, signature, key, scope, amzDate: ad };
}

/** Presigned request target (path?query with X-Amz-Signature); signs `host` and any `headers` given. */
export function presignV4(i: V4 & { expires: number }): string {
  const date = i.date ?? new Date();
  const ad = amzDate(date);
  const day = i.scopeDay ?? ad.slice(0, 8);
  const region = i.region ?? REGION;
  const scope = `${day}/${region}/s3/aws4_request`;
  const headers: Record<string, string> = { host: i.host, ...i.headers };
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const pairs: [string, string][] = [
    ...(i.query ?? []),
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${i.accessKey ?? CREDS.accessKeyId}/${scope}`],
    ["X-Amz-Date", ad],
    ["X-Amz-Expires", String(i.expires)],
    ["X-Amz-SignedHeaders", signed.join(";")],
  ];
  const query = encodeQuery(pairs);
  const creq = canonical(i.method, i.path, query, headers, signed, UNSIGNED);
  const sts = ["AWS4-HMAC-SHA256", ad, scope, sha256(creq)].join("\n");
  const signature = hmac(signingKey(i.secret ?? CREDS.secretAccessKey, day, region), sts).toString("hex");
  return `${i.path}?${query}&X-Amz-Signature=${signature}`;
}

/**
 * An aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): each chunk signed over the previous
 * signature, ending with the signed empty chunk.
 */
export function chunkedBody(chunks: Uint8Array[], seed: Pick<SignedV4, "key" | "scope" | "amzDate" | "signature">): { body: Buffer; frames: Buffer[] } {
  let prev = seed.signature;
  const frames: Buffer[] = [];
  for (const c of [...chunks, new Uint8Array(0)]) {
    const sts = ["AWS4-HMAC-SHA256-PAYLOAD", seed.amzDate, seed.scope, prev, sha256(""), sha256(c)].join("\n");
    const sig = hmac(seed.key, sts).toString("hex");
    frames.push(Buffer.concat([Buffer.from(`${c.length.toString(16)};chunk-signature=${sig}\r\n`), Buffer.from(c), Buffer.from("\r\n")]));
    prev = sig;
  }
  return { body: Buffer.concat(frames), frames };
}

// ---- SigV2 ------------------------------------------------------------------------------

function v2Sign(secret: string, sts: string) {
  return createHmac("sha1", secret).update(sts).digest("base64");
}

function amzHeaderLines(headers: Record<string, string>): string {
  return Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()] as const).filter(([k]) => k.startsWith("x-amz-"))
    .map(([k, v]) => `${k}:${v}`).sort().map((l) => l + "\n").join("");
}

/** SigV2 Authorization header value; `resource` is the canonical resource (/bucket/key?subresource). */
export function sigV2Header(method: string, resource: string, headers: Record<string, string>, secret = CREDS.secretAccessKey): string {
  const sts = [method, headers["content-md5"] ?? "", headers["content-type"] ?? "", headers.date ?? ""].join("\n") + "\n" + amzHeaderLines(headers) + resource;
  return `AWS ${CREDS.accessKeyId}:${v2Sign(secret, sts)}`;
}

/** SigV2 presigned query (AWSAccessKeyId, Expires, Signature) for `resource`. */
export function sigV2Query(method: string, resource: string, expires: number, secret = CREDS.secretAccessKey): string {
  const sts = [method, "", "", String(expires)].join("\n") + "\n" + resource;
  return `AWSAccessKeyId=${encodeURIComponent(CREDS.accessKeyId)}&Expires=${expires}&Signature=${encodeURIComponent(v2Sign(secret, sts))}`;
}

/** A raw HTTP/1.1 request head for rawRequest. */
export function head(method: string, target: string, headers: Record<string, string>, bodyLength?: number): string {
  const lines = [`${method} ${target} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (bodyLength !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === "content-length" || k.toLowerCase() === "transfer-encoding")) {
    lines.push(`content-length: ${bodyLength}`);
  }
  lines.push("connection: close");
  return lines.join("\r\n") + "\r\n\r\n";
}
