import { S3Error } from "../xml/errors.ts";
import { timingSafeEqual } from "../util/hash.ts";
import type { Principal, SecretLookup } from "./principal.ts";
import {
  awsUriEncode, canonicalHeaders, canonicalQueries, canonicalRequest, parseAmzDate, parseAuthorization, parseCredential, validSignedHeaders,
  sign, signingKey, stringToSign, STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD,
} from "./sigv4.ts";
import { verifySigV2Header, verifySigV2Query } from "./sigv2.ts";

const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_EXPIRES = 7 * 24 * 3600;

/** How the body must be read, as the signature declared it. */
export type PayloadMode =
  | { kind: "unsigned" }
  | { kind: "sha256"; hex: string }
  | { kind: "streaming"; signed: boolean; trailer: boolean; seed?: { key: Uint8Array; signature: string; amzDate: string; scope: string } };

export interface AuthResult {
  principal: Principal;
  payload: PayloadMode;
  /** How the request was signed (the s3:signatureversion and s3:authType condition keys). */
  via: "v4-header" | "v4-query" | "v2-header" | "v2-query" | "anonymous";
}

export interface AuthRequest {
  method: string;
  url: URL; // as received (before any virtual-host rewrite)
  /** The path exactly as sent, when the runtime kept it (URL parsing drops "." and ".." segments). */
  path?: string;
  headers: Headers;
  /** Bucket when addressed virtual-host style (SigV2 signs it in the resource). */
  vhostBucket?: string;
  /** What this API accepts in a SigV4 credential scope (each API has its own; see SIGNING in app.ts). */
  policy: SigningPolicy;
  /**
   * The body's SHA-256, where the API read the (small) body before authenticating: the payload
   * hash when x-amz-content-sha256 is absent (STS/SNS form posts from minio-go and boto3), and
   * what a hex x-amz-content-sha256 must equal.
   */
  bodySha256?: string;
}

export interface SigningPolicy {
  /** Service names accepted in the scope ("s3" for S3 and the admin API, "sts", "sns", "iam"). */
  services: readonly string[];
  /**
   * "configured": the scope's region must be the gateway's (or "auto"), as S3 checks.
   * "any": the region the client signed with, even "" (madmin, minio-go STS) — the key is
   * derived from the scope either way, so this only decides whether a mismatch is refused.
   */
  region: "configured" | "any";
}

/** Decoded query pairs, in order. */
export function queryPairs(url: URL): [string, string][] {
  const q = url.search.startsWith("?") ? url.search.slice(1) : url.search;
  if (!q) return [];
  return q.split("&").filter(Boolean).map((p) => {
    const i = p.indexOf("=");
    const k = i < 0 ? p : p.slice(0, i);
    const v = i < 0 ? "" : p.slice(i + 1);
    // S3 reads '+' in a query as a space (form encoding), as URLSearchParams does.
    return [safeDecode(k.replace(/\+/g, " ")), safeDecode(v.replace(/\+/g, " "))];
  });
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error("InvalidURI");
  }
}

export function createAuthenticator(opts: { lookup: SecretLookup; now: () => number; region: string }) {
  const { lookup, now } = opts;

  async function secretFor(accessKey: string, sessionToken?: string) {
    const found = await lookup(accessKey, sessionToken);
    if (!found) throw new S3Error("InvalidAccessKeyId");
    return found;
  }

  function checkSkew(ms: number) {
    if (Number.isNaN(ms)) throw new S3Error("AccessDenied", { message: "AWS authentication requires a valid Date or x-amz-date header" });
    if (Math.abs(now() - ms) > MAX_SKEW_MS) throw new S3Error("RequestTimeTooSkewed");
  }

  /** The canonical URI candidates: AWS-style re-encoding first, then the path as received. */
  function uriCandidates(req: AuthRequest): string[] {
    const path = req.path ?? req.url.pathname;
    const a = awsUriEncode(safeDecode(path), true);
    return a === path ? [a] : [a, path];
  }

  async function verifyV4(req: AuthRequest, signed: string[], signature: string, cred: ReturnType<typeof parseCredential> & {}, amzDate: string,
    payloadHash: string, queries: string[]) {
    const { secret, principal } = await secretFor(cred.accessKey, sessionToken(req));
    if (req.policy.region === "configured" && cred.region !== opts.region && cred.region !== "auto") {
      // S3's answer, with the region in the body so SDKs (botocore's redirector) can retry.
      throw new S3Error("AuthorizationHeaderMalformed", {
        message: `The authorization header is malformed; the region '${cred.region}' is wrong; expecting '${opts.region}'`,
        extra: { Region: opts.region },
      });
    }
    if (!req.policy.services.includes(cred.service)) {
      throw new S3Error("AuthorizationHeaderMalformed", { message: `The authorization header is malformed; incorrect service '${cred.service}'; expecting '${req.policy.services[0]}'` });
    }
    if (!signed.includes("host")) throw new S3Error("AccessDenied", { message: "The host header must be signed." });
    const key = await signingKey(secret, cred.date, cred.region, cred.service);
    const headers = canonicalHeaders(req.headers, signed);
    for (const uri of uriCandidates(req)) for (const query of queries) {
      const creq = canonicalRequest(req.method, uri, query, headers, signed, payloadHash);
      const expected = await sign(key, await stringToSign(amzDate, cred.scope, creq));
      if (timingSafeEqual(expected, signature)) {
        refuseUnsignedAmzHeaders(req.headers, signed);
        return { principal, key };
      }
    }
    throw new S3Error("SignatureDoesNotMatch");
  }

  return async function authenticate(req: AuthRequest): Promise<AuthResult> {
    const auth = req.headers.get("authorization");
    const q = req.url.searchParams;
    const pairs = queryPairs(req.url);

    if (auth?.startsWith("AWS4-HMAC-SHA256")) {
      const parsed = parseAuthorization(auth);
      if (!parsed) throw new S3Error("AuthorizationHeaderMalformed");
      const amzDate = req.headers.get("x-amz-date") ?? "";
      const dateMs = amzDate ? parseAmzDate(amzDate) : Date.parse(req.headers.get("date") ?? "");
      checkSkew(dateMs);
      const payloadHash = req.headers.get("x-amz-content-sha256") ?? req.bodySha256;
      if (!payloadHash) throw new S3Error("InvalidRequest", { message: "Missing required header for this request: x-amz-content-sha256" });
      if (req.bodySha256 && /^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== req.bodySha256) throw new S3Error("XAmzContentSHA256Mismatch");
      const mode = payloadMode(payloadHash);
      const stsDate = amzDate || toAmzDate(dateMs);
      // A key derived for one day must not sign requests of another (AWS checks the same).
      if (parsed.credential.date !== stsDate.slice(0, 8)) {
        throw new S3Error("AuthorizationHeaderMalformed", { message: "Invalid credential date. Date is not the same as X-Amz-Date." });
      }
      const { principal, key } = await verifyV4(req, parsed.signedHeaders, parsed.signature, parsed.credential, stsDate, payloadHash,
        canonicalQueries(pairs));
      if (mode.kind === "streaming" && mode.signed) {
        mode.seed = { key, signature: parsed.signature, amzDate: stsDate, scope: parsed.credential.scope };
      }
      return { principal, payload: mode, via: "v4-header" };
    }

    if (q.has("X-Amz-Algorithm") || q.has("X-Amz-Credential") || q.has("X-Amz-Signature")) {
      if (q.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") throw new S3Error("AuthorizationQueryParametersError", { message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"" });
      const cred = parseCredential(q.get("X-Amz-Credential") ?? "");
      const amzDate = q.get("X-Amz-Date") ?? "";
      const expires = Number(q.get("X-Amz-Expires") ?? "");
      const signedHeaders = q.get("X-Amz-SignedHeaders");
      const signature = q.get("X-Amz-Signature");
      if (!cred) throw new S3Error("AuthorizationQueryParametersError");
      if (!signedHeaders || !signature || !amzDate || !q.has("X-Amz-Expires")) {
        throw new S3Error("AuthorizationQueryParametersError", { message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters." });
      }
      if (!validSignedHeaders(signedHeaders)) throw new S3Error("AuthorizationQueryParametersError", { message: "X-Amz-SignedHeaders must be a list of header names separated by ';'" });
      if (!Number.isInteger(expires) || expires < 0) throw new S3Error("AuthorizationQueryParametersError", { message: "X-Amz-Expires should be a number" });
      if (expires > MAX_PRESIGN_EXPIRES) throw new S3Error("AuthorizationQueryParametersError", { message: "X-Amz-Expires must be less than a week (in seconds) that is 604800" });
      const t = parseAmzDate(amzDate);
      if (Number.isNaN(t)) throw new S3Error("AuthorizationQueryParametersError", { message: "X-Amz-Date must be in the ISO8601 Long Format" });
      if (cred.date !== amzDate.slice(0, 8)) {
        throw new S3Error("AuthorizationQueryParametersError", { message: "Invalid credential date. Date is not the same as X-Amz-Date." });
      }
      if (t - now() > MAX_SKEW_MS) throw new S3Error("RequestTimeTooSkewed");
      if (now() > t + expires * 1000) throw new S3Error("AccessDenied", { message: "Request has expired" });
      const payloadHash = q.get("X-Amz-Content-Sha256") ?? req.headers.get("x-amz-content-sha256") ?? UNSIGNED_PAYLOAD;
      const { principal } = await verifyV4(req, signedHeaders.split(";"), signature, cred, amzDate, payloadHash,
        canonicalQueries(pairs, "X-Amz-Signature"));
      return { principal, payload: payloadHash === UNSIGNED_PAYLOAD ? { kind: "unsigned" } : payloadMode(payloadHash), via: "v4-query" };
    }

    if (auth?.startsWith("AWS ")) {
      checkSkew(sigv2Date(req.headers));
      const principal = await verifySigV2Header(req, auth, (ak) => secretFor(ak, sessionToken(req)), pairs);
      return { principal, payload: { kind: "unsigned" }, via: "v2-header" };
    }
    if (q.has("AWSAccessKeyId") && q.has("Signature")) {
      const expires = Number(q.get("Expires"));
      if (!Number.isFinite(expires)) throw new S3Error("AccessDenied", { message: "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters" });
      if (now() > expires * 1000) throw new S3Error("AccessDenied", { message: "Request has expired" });
      // SigV2 has no limit of its own; the same week as SigV4, or a leaked URL works forever.
      if (expires * 1000 - now() > MAX_PRESIGN_EXPIRES * 1000) {
        throw new S3Error("AccessDenied", { message: "Query-string authentication expiry must be at most 604800 seconds (7 days) ahead" });
      }
      const principal = await verifySigV2Query(req, (ak) => secretFor(ak, sessionToken(req)), pairs);
      return { principal, payload: { kind: "unsigned" }, via: "v2-query" };
    }
    if (auth) throw new S3Error("AccessDenied", { message: "Unsupported Authorization Type" });
    return { principal: { kind: "anonymous" }, payload: { kind: "unsigned" }, via: "anonymous" };
  };
}

/**
 * SigV4 covers only the headers it names, so an x-amz-* header outside them (a copy source, metadata,
 * tagging added to a presigned upload URL) would act with the signer's authority: S3 refuses it.
 * x-amz-content-sha256 is bound in the canonical request as the payload hash, so S3 tolerates it.
 */
function refuseUnsignedAmzHeaders(headers: Headers, signed: string[]) {
  // A handful of names: a list search is cheaper than building a set on every request.
  const names = signed.some((h) => h !== h.toLowerCase()) ? signed.map((h) => h.toLowerCase()) : signed;
  const unsigned: string[] = [];
  for (const name of headers.keys()) {
    if (name.startsWith("x-amz-") && name !== "x-amz-content-sha256" && !names.includes(name)) unsigned.push(name);
  }
  if (unsigned.length) {
    throw new S3Error("AccessDenied", { message: "There were headers present in the request which were not signed", extra: { HeadersNotSigned: unsigned.join(", ") } });
  }
}

/** An STS session token: the header, or the presigned URL's query parameter (both are signed). */
function sessionToken(req: AuthRequest): string | undefined {
  const h = req.headers.get("x-amz-security-token");
  if (h !== null) return h;
  // SigV4 presigns X-Amz-Security-Token; botocore's SigV2 query auth sends it lower-case.
  for (const [k, v] of req.url.searchParams) if (k.toLowerCase() === "x-amz-security-token") return v;
  return undefined;
}

function payloadMode(h: string): PayloadMode {
  switch (h) {
    case UNSIGNED_PAYLOAD: return { kind: "unsigned" };
    case STREAMING_PAYLOAD: return { kind: "streaming", signed: true, trailer: false };
    case STREAMING_PAYLOAD_TRAILER: return { kind: "streaming", signed: true, trailer: true };
    case STREAMING_UNSIGNED_TRAILER: return { kind: "streaming", signed: false, trailer: true };
  }
  if (/^[0-9a-f]{64}$/.test(h)) return { kind: "sha256", hex: h };
  throw new S3Error("InvalidArgument", { message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA-256 hex digest", extra: { ArgumentName: "x-amz-content-sha256" } });
}

function sigv2Date(h: Headers): number {
  const d = h.get("x-amz-date") ?? h.get("date");
  return d ? Date.parse(d) : NaN;
}

function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
