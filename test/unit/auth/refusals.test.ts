// What a signature does not cover must not act (issue 10, D1/D2/D12): unsigned x-amz-* headers,
// a signing key of another day, SigV2 URLs valid for ever, and keys with "." / ".." segments.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { withRequestInfo } from "../../../src/http/request-info.ts";
import { awsUriEncode, canonicalHeaders, canonicalRequest, sign, signingKey, stringToSign, UNSIGNED_PAYLOAD } from "../../../src/auth/sigv4.ts";
import { amzDate, errorCode, withBucket, type Env } from "../helpers/s3.ts";

const HOST = "127.0.0.1:9000";

/** A SigV4 header-signed request over the path exactly as given (aws4fetch would normalise it). */
async function signedRaw(env: Env, method: string, path: string, body?: string, opts: { keepPath?: boolean } = {}) {
  const extra: Record<string, string> = {};
  const date = amzDate(env.deps.clock.now());
  const headers = new Headers({ host: HOST, "x-amz-date": date, "x-amz-content-sha256": UNSIGNED_PAYLOAD, ...extra });
  const names = [...new Set(["host", "x-amz-date", "x-amz-content-sha256", ...Object.keys(extra)])].sort();
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const uri = path.split("/").map((s) => awsUriEncode(s, false)).join("/");
  const creq = canonicalRequest(method, uri, "", canonicalHeaders(headers, names), names, UNSIGNED_PAYLOAD);
  const key = await signingKey("secretsecret", date.slice(0, 8), "us-east-1", "s3");
  const sig = await sign(key, await stringToSign(date, scope, creq));
  headers.set("authorization", `AWS4-HMAC-SHA256 Credential=AKIDTEST/${scope},SignedHeaders=${names.join(";")},Signature=${sig}`);
  if (body !== undefined) headers.set("content-length", String(body.length));
  const req = new Request(`http://${HOST}${path}`, { method, headers, body });
  // What the Bun adapter passes beside the request: the path before URL parsing.
  return env.app.request(req, undefined, opts.keepPath === false ? undefined : withRequestInfo({ rawPath: uri }));
}

describe("D1: an x-amz-* header the signature does not cover is refused", () => {
  const headers: [string, string][] = [
    ["x-amz-copy-source", "/bkt/secret"],
    ["x-amz-meta-owner", "mallory"],
    ["x-amz-tagging", "a=b"],
    ["x-amz-storage-class", "REDUCED_REDUNDANCY"],
    ["x-amz-website-redirect-location", "/elsewhere"],
  ];

  it.each(headers)("presigned PUT + unsigned %s → 403 AccessDenied, nothing written", async (name, value) => {
    const { env, c } = await withBucket();
    await c.put("bkt", "secret", "the secret");
    const signed = await c.request("/bkt/upload", { method: "PUT", presign: true });
    const h = new Headers(signed.headers);
    h.set(name, value);
    h.set("content-length", "5");
    const res = await env.app.request(new Request(signed.url, { method: "PUT", headers: h, body: "hello" }));
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(text).toContain("<Message>There were headers present in the request which were not signed</Message>");
    expect(text).toContain(`<HeadersNotSigned>${name}</HeadersNotSigned>`);
    expect((await c.get("bkt", "upload")).status).toBe(404);
  });

  it("header-signed request with an extra unsigned x-amz-copy-source → 403, the copy does not happen", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "secret", "the secret");
    const signed = await c.request("/bkt/upload", { method: "PUT", body: "x" });
    const h = new Headers(signed.headers);
    h.set("x-amz-copy-source", "/bkt/secret");
    const res = await env.app.request(new Request(signed.url, { method: "PUT", headers: h, body: "x" }));
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("AccessDenied");
    expect((await c.get("bkt", "upload")).status).toBe(404);
  });

  it("the same headers signed are accepted (CopyObject, metadata, tagging)", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "src", "source");
    const copy = await c.send("/bkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", "x-amz-tagging": "a=b" } });
    expect(copy.status).toBe(200);
    expect(await (await c.get("bkt", "dst")).text()).toBe("source");
    const meta = await c.send("/bkt/m", { method: "PUT", body: "m", headers: { "x-amz-meta-owner": "alice" } });
    expect(meta.status).toBe(200);
    expect((await c.head("bkt", "m")).headers.get("x-amz-meta-owner")).toBe("alice");
  });

  it("an unsigned x-amz-content-sha256 is tolerated, as S3 does (it is the canonical payload hash)", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", "v");
    const signed = await c.request("/bkt/k", { presign: true });
    const h = new Headers(signed.headers);
    h.set("x-amz-content-sha256", UNSIGNED_PAYLOAD);
    expect((await env.app.request(new Request(signed.url, { headers: h }))).status).toBe(200);
  });

  it("an anonymous request is not asked to sign (it is refused by authorization instead)", async () => {
    const { c } = await withBucket();
    const res = await c.send("/bkt/k", { method: "PUT", anonymous: true, body: "x", headers: { "x-amz-meta-a": "b" } });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("AccessDenied");
  });
});

describe("D2: the credential scope date must be the request's date", () => {
  it("header auth: a scope of yesterday with today's x-amz-date → 400 AuthorizationHeaderMalformed", async () => {
    const { env, c } = await withBucket();
    const today = amzDate(env.deps.clock.now());
    const signed = await c.request("/bkt", { signedAt: env.deps.clock.now() - 86_400_000 });
    const h = new Headers(signed.headers);
    h.set("x-amz-date", today); // keep the old scope, claim today's date
    const res = await env.app.request(new Request(signed.url, { headers: h }));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("<Code>AuthorizationHeaderMalformed</Code>");
    expect(text).toContain("Invalid credential date");
  });

  it("presigned: X-Amz-Credential of one day with X-Amz-Date of another → 400 AuthorizationQueryParametersError", async () => {
    const { env, c } = await withBucket();
    const signed = await c.request("/bkt", { presign: true });
    const u = new URL(signed.url);
    const cred = u.searchParams.get("X-Amz-Credential")!;
    u.searchParams.set("X-Amz-Credential", cred.replace(/\/\d{8}\//, "/20200101/"));
    const res = await env.app.request(new Request(u, { headers: signed.headers }));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("AuthorizationQueryParametersError");
  });
});

describe("SigV2 presigned URLs live at most 7 days", () => {
  const v2 = (sts: string) => createHmac("sha1", "secretsecret").update(sts).digest("base64");
  const url = (expires: number) =>
    `http://${HOST}/bkt/obj?AWSAccessKeyId=AKIDTEST&Expires=${expires}&Signature=${encodeURIComponent(v2(`GET\n\n\n${expires}\n/bkt/obj`))}`;

  it.each([
    ["7 days ahead", 7 * 86400, 200],
    ["7 days and a minute ahead", 7 * 86400 + 60, 403],
    ["in the year 2100", Math.floor(Date.UTC(2100, 0, 1) / 1000), 403],
  ])("Expires %s → %d", async (_n, ahead, status) => {
    const { env, c } = await withBucket();
    await c.put("bkt", "obj", "v2");
    const now = Math.floor(env.deps.clock.now() / 1000);
    const expires = ahead > 1e9 ? ahead : now + ahead;
    const res = await env.app.request(new Request(url(expires), { headers: { host: HOST } }));
    expect(res.status).toBe(status);
    if (status === 403) expect(await errorCode(res)).toBe("AccessDenied");
  });
});

describe("D12: keys with '.' and '..' segments are names, not paths", () => {
  it.each(["a/../b", "./c", "x/./../d", "../bkt2/victim", "e/.."])("PUT, GET and LIST of %s (path as sent)", async (key) => {
    const { env, c } = await withBucket();
    await c.createBucket("bkt2");
    const put = await signedRaw(env, "PUT", `/bkt/${key}`, "named " + key);
    expect(put.status).toBe(200);
    const get = await signedRaw(env, "GET", `/bkt/${key}`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("named " + key);
    const list = await c.xml("/bkt?list-type=2");
    expect(list.ListBucketResult.Contents.map((o: { Key: string }) => o.Key)).toEqual([key]);
    expect((await c.xml("/bkt2?list-type=2")).ListBucketResult.KeyCount).toBe("0");
  });

  it("a dot-segment key is its own name: GET z/../real does not return real", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "real", "real object");
    const res = await signedRaw(env, "GET", "/bkt/z/../real");
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchKey");
  });

  it("where the runtime normalised the path (workerd), the signature does not match: no other key is reached", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "real", "real object");
    const res = await signedRaw(env, "GET", "/bkt/z/../real", undefined, { keepPath: false });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("SignatureDoesNotMatch");
  });
});

describe("SignedHeaders that are not header names (found by the fault fuzz: a 500 before)", () => {
  it.each(["host;x-amz-c<a>ntent-sha256;x-amz-date", "host;;x-amz-date", "host;x amz"])("header auth with SignedHeaders=%s → 400 AuthorizationHeaderMalformed", async (sh) => {
    const { env, c } = await withBucket();
    const signed = await c.request("/bkt");
    const h = new Headers(signed.headers);
    h.set("authorization", h.get("authorization")!.replace(/SignedHeaders=[^,]*/, `SignedHeaders=${sh}`));
    const res = await env.app.request(new Request(signed.url, { headers: h }));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("AuthorizationHeaderMalformed");
  });

  it("presigned with X-Amz-SignedHeaders=host;a<b → 400 AuthorizationQueryParametersError", async () => {
    const { env, c } = await withBucket();
    const signed = await c.request("/bkt", { presign: true });
    const u = new URL(signed.url);
    u.searchParams.set("X-Amz-SignedHeaders", "host;a<b");
    const res = await env.app.request(new Request(u, { headers: signed.headers }));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("AuthorizationQueryParametersError");
  });
});
