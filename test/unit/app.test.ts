// Every S3 error the gateway must produce, through app.request: XML <Code>, HTTP status, and
// the error envelope (Resource, RequestId matching x-amz-request-id). HEAD errors have no body.
import { describe, expect, it } from "bun:test";
import { errorCode, KiB, md5B64, MiB, randomBytes, s3, sha256Hex, withBucket, type Env, type SendOpts } from "./helpers/s3.ts";

type T = { env: Env; c: ReturnType<typeof s3> };
const OBJ = "hello world"; // /bkt/obj

async function setup(): Promise<T> {
  const { env, c } = await withBucket("bkt");
  const r = await c.put("bkt", "obj", OBJ);
  expect(r.status).toBe(200);
  return { env, c };
}

async function upload(t: T, key = "mp") {
  const id = await t.c.createUpload("bkt", key);
  const e1 = await t.c.uploadPart("bkt", key, id, 1, randomBytes(1 * MiB, 1));
  const e2 = await t.c.uploadPart("bkt", key, id, 2, randomBytes(10 * KiB, 2));
  return { id, e1, e2 };
}

const cases: { name: string; code: string; status: number; run: (t: T) => Promise<Response> }[] = [
  // missing things
  { name: "GET object in a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.get("nobkt", "k") },
  { name: "ListObjects on a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.send("/nobkt") },
  { name: "ListObjectsV2 on a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.send("/nobkt?list-type=2") },
  { name: "PUT object into a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.put("nobkt", "k", "x") },
  { name: "DELETE a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.send("/nobkt", { method: "DELETE" }) },
  { name: "DELETE object in a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.del("nobkt", "k") },
  { name: "CreateMultipartUpload in a missing bucket", code: "NoSuchBucket", status: 404, run: ({ c }) => c.send("/nobkt/k?uploads", { method: "POST" }) },
  { name: "GET a missing key", code: "NoSuchKey", status: 404, run: ({ c }) => c.get("bkt", "missing") },
  { name: "GET ?tagging of a missing key", code: "NoSuchKey", status: 404, run: ({ c }) => c.send("/bkt/missing?tagging") },
  { name: "CopyObject from a missing key", code: "NoSuchKey", status: 404, run: ({ c }) => c.send("/bkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/missing" } }) },
  { name: "UploadPart to an unknown upload", code: "NoSuchUpload", status: 404, run: ({ c }) => c.send("/bkt/k?partNumber=1&uploadId=nope", { method: "PUT", body: "x" }) },
  { name: "Complete an unknown upload", code: "NoSuchUpload", status: 404, run: ({ c }) => c.send("/bkt/k?uploadId=nope", { method: "POST", body: c.completeBody([{ n: 1, etag: '"x"' }]) }) },
  { name: "Abort an unknown upload", code: "NoSuchUpload", status: 404, run: ({ c }) => c.send("/bkt/k?uploadId=nope", { method: "DELETE" }) },
  { name: "ListParts of an unknown upload", code: "NoSuchUpload", status: 404, run: ({ c }) => c.send("/bkt/k?uploadId=nope") },
  {
    name: "UploadPart with an upload id of another key", code: "NoSuchUpload", status: 404,
    run: async (t) => { const id = await t.c.createUpload("bkt", "a"); return t.c.send(`/bkt/b?partNumber=1&uploadId=${id}`, { method: "PUT", body: "x" }); },
  },
  {
    name: "UploadPart after the upload was aborted", code: "NoSuchUpload", status: 404,
    run: async (t) => {
      const id = await t.c.createUpload("bkt", "a");
      expect((await t.c.send(`/bkt/a?uploadId=${id}`, { method: "DELETE" })).status).toBe(204);
      return t.c.send(`/bkt/a?partNumber=1&uploadId=${id}`, { method: "PUT", body: "x" });
    },
  },

  // buckets
  { name: "CreateBucket twice", code: "BucketAlreadyOwnedByYou", status: 409, run: ({ c }) => c.send("/bkt", { method: "PUT" }) },
  { name: "DeleteBucket with an object in it", code: "BucketNotEmpty", status: 409, run: ({ c }) => c.send("/bkt", { method: "DELETE" }) },
  ...["Bad_Name", "ab", "a".repeat(64), "a..b", "-abc", "abc-", "192.168.1.1", "UPPER", "xn--abc"].map((name) => ({
    name: `CreateBucket ${JSON.stringify(name.length > 20 ? name.slice(0, 8) + "…" : name)}`, code: "InvalidBucketName", status: 400,
    run: ({ c }: T) => c.send(`/${name}`, { method: "PUT" }),
  })),

  // keys and bodies
  { name: "PUT a 1025-byte key", code: "KeyTooLongError", status: 400, run: ({ c }) => c.put("bkt", "k".repeat(1025), "x") },
  { name: "PUT a key of 342 three-byte characters (1026 bytes)", code: "KeyTooLongError", status: 400, run: ({ c }) => c.put("bkt", encodeURIComponent("€".repeat(342)), "x") },
  { name: "CreateMultipartUpload with a 1025-byte key", code: "KeyTooLongError", status: 400, run: ({ c }) => c.send(`/bkt/${"k".repeat(1025)}?uploads`, { method: "POST" }) },
  { name: "Content-MD5 of other content", code: "BadDigest", status: 400, run: ({ c }) => c.put("bkt", "k", "data", { "content-md5": md5B64("other") }) },
  { name: "Content-MD5 of other content on a multi-chunk body", code: "BadDigest", status: 400, run: ({ c }) => c.put("bkt", "k", randomBytes(200 * KiB), { "content-md5": md5B64("other") }) },
  { name: "Content-MD5 not base64", code: "InvalidDigest", status: 400, run: ({ c }) => c.put("bkt", "k", "data", { "content-md5": "not base64!" }) },
  { name: "Content-MD5 of the wrong length", code: "InvalidDigest", status: 400, run: ({ c }) => c.put("bkt", "k", "data", { "content-md5": "YWJj" }) },
  { name: "PUT without Content-Length", code: "MissingContentLength", status: 411, run: ({ c }) => c.send("/bkt/k", { method: "PUT", body: "data", contentLength: null }) },
  {
    name: "x-amz-content-sha256 of other content", code: "XAmzContentSHA256Mismatch", status: 400,
    run: ({ c }) => c.send("/bkt/k", { method: "PUT", body: "data", headers: { "x-amz-content-sha256": sha256Hex("other") } }),
  },
  { name: "body shorter than Content-Length", code: "IncompleteBody", status: 400, run: ({ c }) => c.send("/bkt/k", { method: "PUT", body: "data", contentLength: "10" }) },

  // signatures and credentials
  { name: "wrong secret", code: "SignatureDoesNotMatch", status: 403, run: ({ c }) => c.send("/bkt/obj", { creds: { accessKeyId: "AKIDTEST", secretAccessKey: "wrong" } }) },
  {
    name: "request altered after signing (path)", code: "SignatureDoesNotMatch", status: 403,
    run: async ({ c, env }) => { const r = await c.request("/bkt/obj"); return env.app.request(new Request(r.url.replace("/obj", "/obj2"), { headers: r.headers })); },
  },
  {
    name: "request altered after signing (signed header)", code: "SignatureDoesNotMatch", status: 403,
    run: async ({ c, env }) => {
      const r = await c.request("/bkt/obj", { headers: { "x-amz-meta-a": "1" } });
      const h = new Headers(r.headers);
      h.set("x-amz-meta-a", "2");
      return env.app.request(new Request(r.url, { headers: h }));
    },
  },
  {
    name: "presigned URL altered after signing", code: "SignatureDoesNotMatch", status: 403,
    run: async ({ c, env }) => { const r = await c.request("/bkt/obj", { presign: true }); return env.app.request(new Request(r.url + "&response-content-type=x", { headers: r.headers })); },
  },
  { name: "unknown access key", code: "InvalidAccessKeyId", status: 403, run: ({ c }) => c.send("/bkt/obj", { creds: { accessKeyId: "AKIDNOPE", secretAccessKey: "secretsecret" } }) },
  { name: "unknown access key (presigned)", code: "InvalidAccessKeyId", status: 403, run: ({ c }) => c.send("/bkt/obj", { presign: true, creds: { accessKeyId: "AKIDNOPE", secretAccessKey: "x" } }) },
  { name: "anonymous GET object", code: "AccessDenied", status: 403, run: ({ c }) => c.send("/bkt/obj", { anonymous: true }) },
  { name: "anonymous PUT object", code: "AccessDenied", status: 403, run: ({ c }) => c.send("/bkt/k", { method: "PUT", body: "x", anonymous: true }) },
  { name: "anonymous GET ?lifecycle (authorisation comes before NotImplemented)", code: "AccessDenied", status: 403, run: ({ c }) => c.send("/bkt?lifecycle", { anonymous: true }) },
  { name: "anonymous PATCH (authorisation comes before MethodNotAllowed)", code: "AccessDenied", status: 403, run: ({ c }) => c.send("/bkt/obj", { method: "PATCH", anonymous: true }) },
  { name: "anonymous ListBuckets", code: "AccessDenied", status: 403, run: ({ c }) => c.send("/", { anonymous: true }) },
  {
    name: "expired presigned URL", code: "AccessDenied", status: 403,
    run: ({ c, env }) => c.send("/bkt/obj", { presign: { expires: 60 }, signedAt: env.deps.clock.now() - 61_000 }),
  },
  {
    name: "header signature 20 minutes old", code: "RequestTimeTooSkewed", status: 403,
    run: ({ c, env }) => { const t = env.deps.clock.now(); env.setNow(t + 20 * 60_000); return c.send("/bkt/obj", { signedAt: t }); },
  },
  {
    name: "header signature 20 minutes in the future", code: "RequestTimeTooSkewed", status: 403,
    run: ({ c, env }) => c.send("/bkt/obj", { signedAt: env.deps.clock.now() + 20 * 60_000 }),
  },
  {
    name: "presigned URL dated 20 minutes in the future", code: "RequestTimeTooSkewed", status: 403,
    run: ({ c, env }) => c.send("/bkt/obj", { presign: true, signedAt: env.deps.clock.now() + 20 * 60_000 }),
  },
  { name: "X-Amz-Expires over a week", code: "AuthorizationQueryParametersError", status: 400, run: ({ c }) => c.send("/bkt/obj", { presign: { expires: 604801 } }) },
  {
    name: "presigned URL without X-Amz-Signature", code: "AuthorizationQueryParametersError", status: 400,
    run: async ({ c, env }) => { const r = await c.request("/bkt/obj", { presign: true }); const u = new URL(r.url); u.searchParams.delete("X-Amz-Signature"); return env.app.request(new Request(u, { headers: r.headers })); },
  },
  {
    name: "presigned URL with another algorithm", code: "AuthorizationQueryParametersError", status: 400,
    run: async ({ c, env }) => { const r = await c.request("/bkt/obj", { presign: true }); const u = new URL(r.url); u.searchParams.set("X-Amz-Algorithm", "AWS4-HMAC-SHA1"); return env.app.request(new Request(u, { headers: r.headers })); },
  },
  {
    name: "presigned URL with a malformed credential", code: "AuthorizationQueryParametersError", status: 400,
    run: async ({ c, env }) => { const r = await c.request("/bkt/obj", { presign: true }); const u = new URL(r.url); u.searchParams.set("X-Amz-Credential", "AKIDTEST/bad"); return env.app.request(new Request(u, { headers: r.headers })); },
  },

  // multipart
  {
    name: "Complete with a small part that is not the last", code: "EntityTooSmall", status: 400,
    run: async (t) => { const u = await upload(t); return t.c.complete("bkt", "mp", u.id, [{ n: 1, etag: u.e1 }, { n: 2, etag: u.e2 }]); },
  },
  {
    name: "Complete with a wrong part ETag", code: "InvalidPart", status: 400,
    run: async (t) => { const u = await upload(t); return t.c.complete("bkt", "mp", u.id, [{ n: 1, etag: '"0123456789abcdef0123456789abcdef"' }]); },
  },
  {
    name: "Complete with a part never uploaded", code: "InvalidPart", status: 400,
    run: async (t) => { const u = await upload(t); return t.c.complete("bkt", "mp", u.id, [{ n: 1, etag: u.e1 }, { n: 3, etag: u.e2 }]); },
  },
  {
    name: "Complete with parts out of order", code: "InvalidPartOrder", status: 400,
    run: async (t) => { const u = await upload(t); return t.c.complete("bkt", "mp", u.id, [{ n: 2, etag: u.e2 }, { n: 1, etag: u.e1 }]); },
  },
  {
    name: "Complete with broken XML", code: "MalformedXML", status: 400,
    run: async (t) => { const u = await upload(t); return t.c.send(`/bkt/mp?uploadId=${u.id}`, { method: "POST", body: "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>" }); },
  },
  {
    name: "Complete with no parts", code: "MalformedXML", status: 400,
    run: async (t) => { const u = await upload(t); return t.c.send(`/bkt/mp?uploadId=${u.id}`, { method: "POST", body: "<CompleteMultipartUpload></CompleteMultipartUpload>" }); },
  },
  { name: "UploadPart with partNumber=0", code: "InvalidArgument", status: 400, run: async (t) => t.c.send(`/bkt/k?partNumber=0&uploadId=${await t.c.createUpload("bkt", "k")}`, { method: "PUT", body: "x" }) },
  { name: "UploadPart with partNumber=10001", code: "InvalidArgument", status: 400, run: async (t) => t.c.send(`/bkt/k?partNumber=10001&uploadId=${await t.c.createUpload("bkt", "k")}`, { method: "PUT", body: "x" }) },
  { name: "UploadPart with partNumber=abc", code: "InvalidArgument", status: 400, run: async (t) => t.c.send(`/bkt/k?partNumber=abc&uploadId=${await t.c.createUpload("bkt", "k")}`, { method: "PUT", body: "x" }) },

  // other XML bodies
  { name: "DeleteObjects with broken XML", code: "MalformedXML", status: 400, run: ({ c }) => c.send("/bkt?delete", { method: "POST", body: "<Delete><Object><Key>a</Key></Delete>", headers: { "content-md5": md5B64("<Delete><Object><Key>a</Key></Delete>") } }) },
  { name: "DeleteObjects with no objects", code: "MalformedXML", status: 400, run: ({ c }) => c.send("/bkt?delete", { method: "POST", body: "<Delete></Delete>", headers: { "content-md5": md5B64("<Delete></Delete>") } }) },
  { name: "PutObjectTagging with broken XML", code: "MalformedXML", status: 400, run: ({ c }) => c.send("/bkt/obj?tagging", { method: "PUT", body: "<Tagging><TagSet><Tag><Key>a</Key></Tag></Tagging>" }) },
  { name: "PutObjectTagging with another root", code: "MalformedXML", status: 400, run: ({ c }) => c.send("/bkt/obj?tagging", { method: "PUT", body: "<Nope></Nope>" }) },

  // arguments
  { name: "GET with partNumber=0", code: "InvalidArgument", status: 400, run: ({ c }) => c.send("/bkt/obj?partNumber=0") },
  { name: "GET with partNumber=abc", code: "InvalidArgument", status: 400, run: ({ c }) => c.send("/bkt/obj?partNumber=abc") },
  { name: "GET partNumber=2 of a simple object", code: "InvalidPartNumber", status: 416, run: ({ c }) => c.send("/bkt/obj?partNumber=2") },
  { name: "ListObjects max-keys=abc", code: "InvalidArgument", status: 400, run: ({ c }) => c.send("/bkt?max-keys=abc") },
  { name: "ListObjectsV2 max-keys=-1", code: "InvalidArgument", status: 400, run: ({ c }) => c.send("/bkt?list-type=2&max-keys=-1") },
  { name: "ListObjectsV2 list-type=3", code: "InvalidArgument", status: 400, run: ({ c }) => c.send("/bkt?list-type=3") },
  { name: "ListObjects encoding-type=base64", code: "InvalidEncodingType", status: 400, run: ({ c }) => c.send("/bkt?encoding-type=base64") },
  { name: "Range past the end", code: "InvalidRange", status: 416, run: ({ c }) => c.get("bkt", "obj", { range: "bytes=100-200" }) },
  { name: "Range starting at the size", code: "InvalidRange", status: 416, run: ({ c }) => c.get("bkt", "obj", { range: "bytes=11-" }) },

  // conditions
  { name: "GET If-Match with another ETag", code: "PreconditionFailed", status: 412, run: ({ c }) => c.get("bkt", "obj", { "if-match": '"0123456789abcdef0123456789abcdef"' }) },
  { name: "GET If-Unmodified-Since before the write", code: "PreconditionFailed", status: 412, run: ({ c }) => c.get("bkt", "obj", { "if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT" }) },
  { name: "PUT If-None-Match:* over an existing key", code: "PreconditionFailed", status: 412, run: ({ c }) => c.put("bkt", "obj", "new", { "if-none-match": "*" }) },
  { name: "PUT If-Match on a missing key (S3: NoSuchKey)", code: "NoSuchKey", status: 404, run: ({ c }) => c.put("bkt", "nothing-here", "new", { "if-match": '"0123456789abcdef0123456789abcdef"' }) },
  { name: "PUT If-Match of another ETag over an existing key", code: "PreconditionFailed", status: 412, run: ({ c }) => c.put("bkt", "obj", "new", { "if-match": '"0123456789abcdef0123456789abcdef"' }) },
  {
    name: "CopyObject with x-amz-copy-source-if-match of another ETag", code: "PreconditionFailed", status: 412,
    run: ({ c }) => c.send("/bkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/obj", "x-amz-copy-source-if-match": '"0123456789abcdef0123456789abcdef"' } }),
  },

  // routing
  { name: "PUT on the service", code: "MethodNotAllowed", status: 405, run: ({ c }) => c.send("/", { method: "PUT" }) },
  { name: "DELETE on the service", code: "MethodNotAllowed", status: 405, run: ({ c }) => c.send("/", { method: "DELETE" }) },
  { name: "PATCH on an object", code: "MethodNotAllowed", status: 405, run: ({ c }) => c.send("/bkt/obj", { method: "PATCH" }) },
  { name: "PUT ?lifecycle without Content-MD5", code: "InvalidRequest", status: 400, run: ({ c }) => c.send("/bkt?lifecycle", { method: "PUT", body: "<LifecycleConfiguration/>" }) },
  { name: "PUT ?policy with an empty document", code: "MalformedPolicy", status: 400, run: ({ c }) => c.send("/bkt?policy", { method: "PUT", body: "{}" }) },
  { name: "GET ?policy on an object", code: "NotImplemented", status: 501, run: ({ c }) => c.send("/bkt/obj?policy") },
  { name: "GET ?versions with a version-id-marker but no key-marker", code: "InvalidArgument", status: 400, run: ({ c }) => c.send("/bkt?versions&version-id-marker=null") },
  { name: "GET ?retention on an object in a bucket without Object Lock", code: "InvalidRequest", status: 400, run: ({ c }) => c.send("/bkt/obj?retention") },
  { name: "GET ?torrent on an object", code: "NotImplemented", status: 501, run: ({ c }) => c.send("/bkt/obj?torrent") },
];

describe("S3 errors through app.request", () => {
  it.each(cases.map((x) => [x.name, x] as const))("%s", async (_name, x) => {
    const t = await setup();
    const res = await x.run(t);
    const text = await res.text();
    expect({ status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] }).toEqual({ status: x.status, code: x.code });
    expect(res.headers.get("content-type")).toBe("application/xml");
    const requestId = res.headers.get("x-amz-request-id");
    expect(requestId).toBeTruthy();
    expect(text).toContain(`<RequestId>${requestId}</RequestId>`);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>')).toBe(true);
  });
});

describe("error envelope", () => {
  it("names the resource and carries the code's message", async () => {
    const { c } = await setup();
    const res = await c.get("bkt", "dir/missing key");
    const text = await res.text();
    expect(text).toContain("<Code>NoSuchKey</Code>");
    expect(text).toContain("<Message>The specified key does not exist.</Message>");
    expect(text).toContain("<Resource>/bkt/dir/missing key</Resource>");
    expect(text).toContain("<Key>dir/missing key</Key>");
  });

  it("NoSuchBucket names the bucket", async () => {
    const { c } = await setup();
    const text = await (await c.send("/nobkt")).text();
    expect(text).toContain("<BucketName>nobkt</BucketName>");
  });

  it("a successful request carries a request id too", async () => {
    const { c } = await setup();
    const res = await c.get("bkt", "obj");
    expect(res.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
  });
});

describe("HEAD errors have a status and no body", () => {
  it.each([
    { name: "missing key", path: "/bkt/missing", opts: {}, status: 404 },
    { name: "missing bucket (object)", path: "/nobkt/k", opts: {}, status: 404 },
    { name: "missing bucket (bucket)", path: "/nobkt", opts: {}, status: 404 },
    { name: "anonymous", path: "/bkt/obj", opts: { anonymous: true }, status: 403 },
    { name: "bad signature", path: "/bkt/obj", opts: { creds: { accessKeyId: "AKIDTEST", secretAccessKey: "nope" } }, status: 403 },
    { name: "unsatisfiable range", path: "/bkt/obj", opts: { headers: { range: "bytes=50-" } }, status: 416 },
    { name: "If-Match failed", path: "/bkt/obj", opts: { headers: { "if-match": '"nope"' } }, status: 412 },
  ] as { name: string; path: string; opts: SendOpts; status: number }[])("$name → $status", async ({ path, opts, status }) => {
    const { c } = await setup();
    const res = await c.send(path, { ...opts, method: "HEAD" });
    expect(res.status).toBe(status);
    expect(await res.text()).toBe("");
  });
});

describe("304 Not Modified", () => {
  it.each([
    ["GET If-None-Match with the ETag", "GET", (etag: string) => ({ "if-none-match": etag })],
    ["GET If-None-Match:*", "GET", () => ({ "if-none-match": "*" })],
    ["HEAD If-None-Match with the ETag", "HEAD", (etag: string) => ({ "if-none-match": etag })],
    ["GET If-Modified-Since = Last-Modified", "GET", (_etag: string, lastModified: string) => ({ "if-modified-since": lastModified })],
  ] as const)("%s", async (_name, method, headers) => {
    const { c } = await setup();
    const head = await c.head("bkt", "obj");
    const etag = head.headers.get("etag")!;
    const res = await c.send("/bkt/obj", { method, headers: headers(etag, head.headers.get("last-modified")!) });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
    expect(res.headers.get("etag")).toBe(etag);
  });

  it("If-Match that holds wins over If-Unmodified-Since that fails (RFC 9110 §13.2.2)", async () => {
    const { c } = await setup();
    const etag = (await c.head("bkt", "obj")).headers.get("etag")!;
    const res = await c.get("bkt", "obj", { "if-match": etag, "if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(OBJ);
  });

  it("If-None-Match that holds wins over If-Modified-Since that fails", async () => {
    const { c } = await setup();
    const lastModified = (await c.head("bkt", "obj")).headers.get("last-modified")!;
    const res = await c.get("bkt", "obj", { "if-none-match": '"other"', "if-modified-since": lastModified });
    expect(res.status).toBe(200);
  });
});

describe("errors leave nothing behind", () => {
  it("a failed PUT does not replace the existing object", async () => {
    const { c } = await setup();
    expect(await errorCode(await c.put("bkt", "obj", "changed", { "content-md5": md5B64("other") }))).toBe("BadDigest");
    expect(await (await c.get("bkt", "obj")).text()).toBe(OBJ);
  });
});
