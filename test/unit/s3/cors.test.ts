import { describe, expect, it } from "bun:test";
import { corsResponseHeaders, matchCorsRule, parseCorsConfig, wildcardMatch, type CorsRule } from "../../../src/s3/cors.ts";
import { route } from "../../../src/s3/router.ts";
import { parseXml } from "../../../src/xml/xml.ts";
import { S3Error } from "../../../src/xml/errors.ts";
import { ENDPOINT, errorCode, md5B64, withBucket } from "../helpers/s3.ts";

const rule = (r: Partial<CorsRule>): CorsRule => ({ origins: [], methods: [], headers: [], expose: [], ...r });

const RULES: CorsRule[] = [
  rule({ id: "app", origins: ["https://*.example.com"], methods: ["PUT", "POST"], headers: ["Content-Type", "x-amz-*"], expose: ["ETag"], maxAge: 600 }),
  rule({ id: "read", origins: ["*"], methods: ["GET", "HEAD"] }),
  rule({ id: "admin", origins: ["http://admin.local:8080"], methods: ["DELETE", "PUT"], headers: ["*"] }),
];

describe("CORS rule matching", () => {
  it.each([
    ["https://*.example.com", "https://app.example.com", true],
    ["https://*.example.com", "https://a.b.example.com", true],
    ["https://*.example.com", "https://example.com", false],
    ["https://*.example.com", "http://app.example.com", false],
    ["https://*.example.com", "https://app.example.com.evil.org", false],
    ["*", "null", true],
    ["http://a.local", "http://a.local", true],
    ["http://a.local", "http://A.local", false], // origins match case-sensitively, as S3 does
    ["x-amz-*", "x-amz-date", true],
    ["*-id", "x-amz-request-id", true],
    ["ab*ba", "aba", false], // prefix and suffix may not overlap
  ])("%s ~ %s → %p", (pattern, value, want) => {
    expect(wildcardMatch(pattern, value)).toBe(want);
  });

  it.each([
    ["wildcard origin, allowed method", "https://app.example.com", "PUT", [], "app"],
    ["header matched case-insensitively", "https://app.example.com", "PUT", ["content-type"], "app"],
    ["header wildcard", "https://app.example.com", "POST", ["x-amz-date", "x-amz-content-sha256"], "app"],
    ["one header not allowed: no rule", "https://app.example.com", "PUT", ["content-type", "x-custom"], undefined],
    ["method not in the first rule: a later one", "https://app.example.com", "GET", [], "read"],
    ["method in no rule for the origin", "https://app.example.com", "DELETE", [], undefined],
    ["first match wins (PUT from admin is rule 3, not 1)", "http://admin.local:8080", "PUT", ["x-anything"], "admin"],
    ["methods are case-sensitive tokens", "https://app.example.com", "put", [], undefined],
    ["any origin for GET", "http://elsewhere", "GET", [], "read"],
    ["no headers allowed by a rule without AllowedHeader", "http://elsewhere", "GET", ["range"], undefined],
  ] as const)("%s", (_name, origin, method, headers, want) => {
    expect(matchCorsRule(RULES, origin, method, [...headers])?.id).toBe(want);
  });

  it("actual-request headers: the origin or '*', ExposeHeaders, credentials only for a named origin", () => {
    expect(corsResponseHeaders(RULES, "https://app.example.com", "PUT")).toEqual({
      "access-control-allow-origin": "https://app.example.com", "access-control-expose-headers": "ETag", "access-control-allow-credentials": "true",
    });
    expect(corsResponseHeaders(RULES, "http://x", "GET")).toEqual({ "access-control-allow-origin": "*" });
    expect(corsResponseHeaders(RULES, "http://x", "PUT")).toBeNull();
    expect(corsResponseHeaders(null, "http://x", "GET")).toBeNull();
    expect(corsResponseHeaders(RULES, null, "GET")).toBeNull();
  });
});

const ruleXml = (inner: string) => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;
const OK_RULE = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";

describe("CORS configuration validation", () => {
  it.each([
    ["no rule", "<CORSConfiguration></CORSConfiguration>", "MalformedXML", ""],
    ["wrong root", `<CORS><CORSRule>${OK_RULE}</CORSRule></CORS>`, "MalformedXML", ""],
    ["no AllowedOrigin", ruleXml("<AllowedMethod>GET</AllowedMethod>"), "MalformedXML", ""],
    ["no AllowedMethod", ruleXml("<AllowedOrigin>*</AllowedOrigin>"), "MalformedXML", ""],
    ["unsupported method", ruleXml("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"), "InvalidRequest",
      "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"],
    ["OPTIONS is not a CORS method", ruleXml("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>OPTIONS</AllowedMethod>"), "InvalidRequest",
      "Unsupported method is OPTIONS"],
    ["two wildcards in an origin", ruleXml("<AllowedOrigin>https://*.*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), "InvalidRequest",
      'AllowedOrigin "https://*.*.com" can not have more than one wildcard.'],
    ["two wildcards in a header", ruleXml(`${OK_RULE}<AllowedHeader>*-*</AllowedHeader>`), "InvalidRequest",
      'AllowedHeader "*-*" can not have more than one wildcard.'],
    ["wildcard ExposeHeader", ruleXml(`${OK_RULE}<ExposeHeader>*</ExposeHeader>`), "InvalidRequest", "ExposeHeader \"*\" contains wildcard"],
    ["non-numeric MaxAgeSeconds", ruleXml(`${OK_RULE}<MaxAgeSeconds>soon</MaxAgeSeconds>`), "MalformedXML", ""],
    ["101 rules", `<CORSConfiguration>${`<CORSRule>${OK_RULE}</CORSRule>`.repeat(101)}</CORSConfiguration>`, "InvalidRequest",
      "should not exceed allowed limit of 100 rules"],
  ])("%s → %s", (_name, xml, code, message) => {
    let err: unknown;
    try { parseCorsConfig(parseXml(xml)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe(code as S3Error["code"]);
    expect((err as S3Error).message).toContain(message);
  });

  it("keeps every field, one-element lists included, and decodes references (Go's &#34;)", () => {
    const rules = parseCorsConfig(parseXml(ruleXml(
      "<ID>r&#34;1</ID><AllowedOrigin>http://a</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>" +
      "<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>")));
    expect(rules).toEqual([{ id: "r\"1", origins: ["http://a"], methods: ["PUT", "GET"], headers: ["*"], expose: ["ETag"], maxAge: 3000 }]);
  });
});

const CONFIG = `<CORSConfiguration>
  <CORSRule><ID>uploads</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-request-id</ExposeHeader>
    <MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>
  <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>
</CORSConfiguration>`;

async function setup() {
  const b = await withBucket("bkt");
  const putCors = (body: string, headers: Record<string, string> = { "content-md5": md5B64(body) }) =>
    b.c.send("/bkt?cors", { method: "PUT", body, headers });
  /** A browser's preflight: no signature. */
  const preflight = (path: string, headers: Record<string, string>) =>
    b.env.app.request(new Request(ENDPOINT + path, { method: "OPTIONS", headers: { host: "127.0.0.1:9000", ...headers } }));
  return { ...b, putCors, preflight };
}

describe("Put/Get/DeleteBucketCors", () => {
  it("GET before any PUT is NoSuchCORSConfiguration; PUT, GET back, DELETE (204), GET 404 again", async () => {
    const { c, putCors } = await setup();
    const none = await c.send("/bkt?cors");
    expect(none.status).toBe(404);
    expect(await errorCode(none)).toBe("NoSuchCORSConfiguration");
    expect((await putCors(CONFIG)).status).toBe(200);
    const got = await c.send("/bkt?cors");
    expect(got.status).toBe(200);
    expect(await got.text()).toContain(
      "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule><ID>uploads</ID><AllowedHeader>content-type</AllowedHeader>" +
      "<AllowedHeader>x-amz-*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin>" +
      "<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-request-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>" +
      "<CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>");
    expect((await c.send("/bkt?cors", { method: "DELETE" })).status).toBe(204);
    expect(await errorCode(await c.send("/bkt?cors"))).toBe("NoSuchCORSConfiguration");
  });

  it.each([
    ["no Content-MD5 or checksum", {}, 400, "InvalidRequest"],
    ["a wrong Content-MD5", { "content-md5": md5B64("other") }, 400, "BadDigest"],
    ["a wrong x-amz-checksum-crc32", { "x-amz-checksum-crc32": "AAAAAA==" }, 400, "BadDigest"],
  ] as const)("PUT with %s → %i %s", async (_name, headers, status, code) => {
    const { putCors, c } = await setup();
    const res = await putCors(CONFIG, { ...headers });
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
    expect((await c.send("/bkt?cors")).status).toBe(404);
  });

  it("accepts an x-amz-checksum-crc32 instead of Content-MD5 (current SDKs)", async () => {
    const { putCors } = await setup();
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, Bun.hash.crc32(CONFIG));
    expect((await putCors(CONFIG, { "x-amz-checksum-crc32": Buffer.from(crc).toString("base64") })).status).toBe(200);
  });

  it("a missing bucket is NoSuchBucket; an unsigned PUT is AccessDenied", async () => {
    const { c, env } = await setup();
    expect(await errorCode(await c.send("/nope?cors"))).toBe("NoSuchBucket");
    const anon = await c.send("/bkt?cors", { method: "PUT", body: CONFIG, headers: { "content-md5": md5B64(CONFIG) }, anonymous: true });
    expect(anon.status).toBe(403);
    expect(env.deps).toBeDefined();
  });
});

describe("preflight (OPTIONS), unauthenticated", () => {
  it("routes OPTIONS at bucket and object level, whatever the subresource, as a public preflight", () => {
    for (const q of ["", "uploads", "partNumber=1&uploadId=u", "cors"]) {
      expect(route("OPTIONS", "object", new URLSearchParams(q), new Headers(), q)).toEqual({ op: "OptionsObject", action: "", public: "preflight" });
    }
    expect(route("OPTIONS", "bucket", new URLSearchParams(), new Headers()).op).toBe("OptionsObject");
  });

  it.each([
    ["no Origin", { "access-control-request-method": "PUT" }, 400, "BadRequest", "Origin request header needed"],
    ["no request method", { origin: "https://app.example.com" }, 400, "BadRequest", "Invalid Access-Control-Request-Method"],
  ] as const)("%s → %i", async (_name, headers, status, code, message) => {
    const { preflight, putCors } = await setup();
    await putCors(CONFIG);
    const res = await preflight("/bkt/k", headers);
    expect(res.status).toBe(status);
    const text = await res.text();
    expect(text).toContain(`<Code>${code}</Code>`);
    expect(text).toContain(message);
  });

  it("a bucket without CORS → 403 CORS is not enabled", async () => {
    const { preflight } = await setup();
    const res = await preflight("/bkt/k", { origin: "https://app.example.com", "access-control-request-method": "PUT" });
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessForbidden</Code>");
    expect(text).toContain("CORSResponse: CORS is not enabled for this bucket.");
    expect(text).toContain("<ResourceType>OBJECT</ResourceType>");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a matching rule → 200 with the Access-Control-* headers; the rule's methods and the requested headers", async () => {
    const { preflight, putCors } = await setup();
    await putCors(CONFIG);
    const res = await preflight("/bkt/dir/file.txt?uploads", {
      origin: "https://app.example.com", "access-control-request-method": "PUT", "access-control-request-headers": "Content-Type, X-Amz-Date",
    });
    expect(res.status).toBe(200);
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith("access-control") || k === "vary"))).toEqual({
      "access-control-allow-origin": "https://app.example.com",
      "access-control-allow-methods": "PUT, GET",
      "access-control-allow-headers": "content-type, x-amz-date",
      "access-control-expose-headers": "ETag, x-amz-request-id",
      "access-control-max-age": "600",
      "access-control-allow-credentials": "true",
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    });
    expect(await res.text()).toBe("");
    // Bucket level, the '*' rule: '*' and no credentials.
    const any = await preflight("/bkt", { origin: "http://elsewhere", "access-control-request-method": "HEAD" });
    expect(any.status).toBe(200);
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
    expect(any.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it.each([
    ["an origin no rule names", { origin: "https://example.org", "access-control-request-method": "PUT" }],
    ["a method no rule allows", { origin: "https://app.example.com", "access-control-request-method": "DELETE" }],
    ["a header no rule allows", { origin: "https://app.example.com", "access-control-request-method": "PUT", "access-control-request-headers": "content-type,x-secret" }],
  ])("%s → 403 not allowed", async (_name, headers) => {
    const { preflight, putCors } = await setup();
    await putCors(CONFIG);
    const res = await preflight("/bkt/k", headers);
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessForbidden</Code>");
    expect(text).toContain("CORSResponse: This CORS request is not allowed.");
  });

  it("a missing bucket → NoSuchBucket, still without a signature", async () => {
    const { preflight } = await setup();
    const res = await preflight("/nope/k", { origin: "https://app.example.com", "access-control-request-method": "PUT" });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchBucket");
  });
});

describe("CORS headers on actual requests", () => {
  const ORIGIN = { origin: "https://app.example.com" };

  it("a presigned GET from a matching origin carries them; the same without Origin or from another origin does not", async () => {
    const { c, putCors } = await setup();
    await putCors(CONFIG);
    await c.put("bkt", "k", "hello");
    const res = await c.send("/bkt/k", { presign: true, headers: ORIGIN });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-expose-headers")).toBe("ETag, x-amz-request-id");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("vary")).toBe("Origin");
    for (const headers of [{}, { origin: "https://example.org" }] as Record<string, string>[]) {
      const other = await c.send("/bkt/k", { presign: true, headers });
      expect(other.status).toBe(200);
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      expect(other.headers.get("vary")).toBeNull();
    }
  });

  it("an error answer carries them too (NoSuchKey; a bad signature, refused before the bucket was read)", async () => {
    const { c, putCors } = await setup();
    await putCors(CONFIG);
    const missing = await c.send("/bkt/missing", { headers: ORIGIN });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const bad = await c.send("/bkt/k", { presign: true, headers: ORIGIN, creds: { accessKeyId: "AKIDTEST", secretAccessKey: "wrong" } });
    expect(bad.status).toBe(403);
    expect(await errorCode(bad)).toBe("SignatureDoesNotMatch");
    expect(bad.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });

  it("the method counts: HEAD matches only the '*' rule, DELETE none", async () => {
    const { c, putCors } = await setup();
    await putCors(CONFIG);
    await c.put("bkt", "k", "x");
    const head = await c.head("bkt", "k", { origin: "http://anywhere" });
    expect(head.headers.get("access-control-allow-origin")).toBe("*");
    expect(head.headers.get("access-control-allow-credentials")).toBeNull();
    const del = await c.send("/bkt/k", { method: "DELETE", headers: ORIGIN });
    expect(del.status).toBe(204);
    expect(del.headers.get("access-control-allow-origin")).toBeNull();
  });
});
