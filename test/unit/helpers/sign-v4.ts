// A SigV4 header signer over the building blocks of src/auth/sigv4.ts, for what aws4fetch can't
// express: an empty region (madmin, minio-go STS), any service, no x-amz-content-sha256 header.
import { awsUriEncode, canonicalHeaders, canonicalQuery, canonicalRequest, sign, signingKey, stringToSign } from "../../../src/auth/sigv4.ts";
import { queryPairs } from "../../../src/auth/authenticate.ts";
import { amzDate, sha256Hex } from "./s3.ts";

export interface SignV4 {
  method?: string;
  url: string;
  body?: string;
  headers?: Record<string, string>;
  service?: string;
  region?: string;
  now: number;
  accessKey?: string;
  secret?: string;
  /** Send x-amz-content-sha256 (default true); the signature covers the body's hash either way. */
  sendPayloadHash?: boolean;
}

export async function signV4(o: SignV4): Promise<Request> {
  const url = new URL(o.url);
  const date = amzDate(o.now);
  const payload = sha256Hex(o.body ?? "");
  const headers = new Headers({ host: url.host, "x-amz-date": date, ...o.headers });
  if (o.sendPayloadHash !== false) headers.set("x-amz-content-sha256", payload);
  const names = [...headers.keys()].sort();
  const region = o.region ?? "us-east-1", service = o.service ?? "s3";
  const scope = `${date.slice(0, 8)}/${region}/${service}/aws4_request`;
  const creq = canonicalRequest(o.method ?? "GET", awsUriEncode(decodeURIComponent(url.pathname), true), canonicalQuery(queryPairs(url)),
    canonicalHeaders(headers, names), names, payload);
  const key = await signingKey(o.secret ?? "secretsecret", date.slice(0, 8), region, service);
  const sig = await sign(key, await stringToSign(date, scope, creq));
  headers.set("authorization", `AWS4-HMAC-SHA256 Credential=${o.accessKey ?? "AKIDTEST"}/${scope},SignedHeaders=${names.join(";")},Signature=${sig}`);
  return new Request(url, { method: o.method ?? "GET", headers, body: o.body });
}
