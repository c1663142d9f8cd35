// SigV2 (boto3 signature_version="s3", old s3cmd): HMAC-SHA1 over a fixed string-to-sign.
import { S3Error } from "../xml/errors.ts";
import { hmac, timingSafeEqual, toBase64 } from "../util/hash.ts";
import { latin1Bytes } from "../http/header-bytes.ts";
import type { AuthRequest } from "./authenticate.ts";
import type { Principal } from "./principal.ts";

type SecretFor = (ak: string) => Promise<{ secret: string; principal: Principal }>;

// Sub-resources that are part of the SigV2 canonical resource (AWS docs, RESTAuthentication).
const SUBRESOURCES = new Set([
  "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy", "requestPayment",
  "restore", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website", "replication",
  "encryption", "object-lock", "legal-hold", "retention", "publicAccessBlock", "ownershipControls",
  "response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language",
  "response-content-type", "response-expires",
]);

/** Candidate canonical resources: botocore signs a bucket-level path with a trailing '/'. */
function canonicalResources(req: AuthRequest, pairs: [string, string][]): string[] {
  const sent = req.path ?? req.url.pathname;
  const path = req.vhostBucket ? `/${req.vhostBucket}${sent}` : sent;
  const subs = pairs.filter(([k]) => SUBRESOURCES.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const q = subs.length ? "?" + subs.map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join("&") : "";
  const paths = [path];
  if (/^\/[^/]+$/.test(path)) paths.push(path + "/");
  else if (/^\/[^/]+\/$/.test(path)) paths.push(path.slice(0, -1));
  return paths.map((p) => p + q);
}

function amzHeaders(h: Headers, query: [string, string][] = []): string {
  const out: string[] = [];
  h.forEach((v, k) => {
    if (k.startsWith("x-amz-")) out.push(`${k}:${v.trim()}`);
  });
  // botocore's HmacV1QueryAuth signs x-amz-* headers (the STS session token) and then moves them
  // into the query string: they are part of a presigned URL's string to sign.
  for (const [k, v] of query) if (k.toLowerCase().startsWith("x-amz-")) out.push(`${k.toLowerCase()}:${v.trim()}`);
  return out.sort().map((l) => l + "\n").join("");
}

function stringsToSign(req: AuthRequest, date: string, pairs: [string, string][], amzQuery: [string, string][] = []): string[] {
  const h = req.headers;
  const head = [req.method, h.get("content-md5") ?? "", h.get("content-type") ?? "", date].join("\n") + "\n" + amzHeaders(h, amzQuery);
  return canonicalResources(req, pairs).map((r) => head + r);
}

const NON_ASCII = /[^\x00-\x7f]/;

async function hmacSha1Bytes(secret: string, data: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data as BufferSource));
}

/**
 * Header values are byte strings (http/header-bytes.ts). A non-ASCII one was signed one of two
 * ways: as the UTF-8 bytes sent (s3cmd encodes the value to UTF-8, then signs the UTF-8 of the
 * same text: the bytes as they came) or as the UTF-8 of text sent in latin-1 (botocore's
 * http.client sends latin-1 and signs UTF-8). Both are tried; ASCII has one form.
 */
async function check(secret: string, candidates: string[], signature: string): Promise<boolean> {
  let ok = false;
  for (const sts of candidates) {
    ok = timingSafeEqual(toBase64(await hmac(secret, sts, "SHA-1")), signature) || ok;
    if (NON_ASCII.test(sts)) ok = timingSafeEqual(toBase64(await hmacSha1Bytes(secret, latin1Bytes(sts))), signature) || ok;
  }
  return ok;
}

export async function verifySigV2Header(req: AuthRequest, auth: string, secretFor: SecretFor, pairs: [string, string][]): Promise<Principal> {
  const m = /^AWS ([^:]+):(.+)$/.exec(auth);
  if (!m) throw new S3Error("AccessDenied", { message: "Malformed SigV2 Authorization header" });
  const { secret, principal } = await secretFor(m[1]);
  // With x-amz-date present the Date line is empty per the spec; botocore still signs Date.
  const dates = [req.headers.get("date") ?? ""];
  if (req.headers.has("x-amz-date")) dates.push("");
  if (!(await check(secret, dates.flatMap((d) => stringsToSign(req, d, pairs)), m[2]))) throw new S3Error("SignatureDoesNotMatch");
  return principal;
}

export async function verifySigV2Query(req: AuthRequest, secretFor: SecretFor, pairs: [string, string][]): Promise<Principal> {
  const q = req.url.searchParams;
  const { secret, principal } = await secretFor(q.get("AWSAccessKeyId")!);
  if (!(await check(secret, stringsToSign(req, q.get("Expires")!, pairs, pairs), q.get("Signature")!))) throw new S3Error("SignatureDoesNotMatch");
  return principal;
}
