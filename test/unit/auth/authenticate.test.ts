// The authenticator through app.request: AWS's published requests verbatim, presigned URLs,
// SigV2, virtual-host addressing, clock skew.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { memoryDeps } from "../helpers/deps.ts";
import { concatBytes, enc, errorCode, s3, withBucket } from "../helpers/s3.ts";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const CRED = { accessKeyId: KEY, secretAccessKey: SECRET };
const T0 = Date.UTC(2013, 4, 24);
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const CONTENT = "0123456789abcdefghijklmnopqrstuvwxyz";

/** The docs' account at the docs' date, with examplebucket/test.txt in place. */
async function awsExampleEnv() {
  const env = memoryDeps({ rootUser: KEY, rootPassword: SECRET, domains: ["s3.amazonaws.com"] });
  env.setNow(T0);
  const c = s3(env);
  expect((await c.send("/examplebucket", { method: "PUT", creds: CRED })).status).toBe(200);
  expect((await c.send("/examplebucket/test.txt", { method: "PUT", creds: CRED, body: CONTENT })).status).toBe(200);
  return { env, c };
}

describe("AWS's published SigV4 requests are accepted verbatim", () => {
  it("GET object with Range (virtual-host style)", async () => {
    const { env } = await awsExampleEnv();
    const res = await env.app.request(new Request("http://examplebucket.s3.amazonaws.com/test.txt", {
      headers: {
        host: "examplebucket.s3.amazonaws.com", range: "bytes=0-9", "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z",
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
      },
    }));
    expect(res.status).toBe(206);
    expect(await res.text()).toBe("0123456789");
  });

  it("PUT object with '$' in the key, a Date header and a signed payload hash", async () => {
    const { env, c } = await awsExampleEnv();
    const res = await env.app.request(new Request("http://examplebucket.s3.amazonaws.com/test$file.text", {
      method: "PUT",
      body: "Welcome to Amazon S3.",
      headers: {
        host: "examplebucket.s3.amazonaws.com", date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY", "content-length": "21",
        "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
      },
    }));
    expect(res.status).toBe(200);
    const get = await c.send("/examplebucket/test%24file.text", { creds: CRED });
    expect(await get.text()).toBe("Welcome to Amazon S3.");
    expect(get.headers.get("x-amz-storage-class")).toBe("REDUCED_REDUNDANCY");
  });

  it("GET bucket ?max-keys=2&prefix=J (list objects)", async () => {
    const { env } = await awsExampleEnv();
    const res = await env.app.request(new Request("http://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", {
      headers: {
        host: "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z",
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7`,
      },
    }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<MaxKeys>2</MaxKeys>");
  });

  it("GET bucket ?lifecycle authenticates, then answers that none is configured", async () => {
    const { env } = await awsExampleEnv();
    const res = await env.app.request(new Request("http://examplebucket.s3.amazonaws.com/?lifecycle", {
      headers: {
        host: "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z",
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543`,
      },
    }));
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchLifecycleConfiguration");
  });

  const PRESIGNED = "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
    `&X-Amz-Credential=${KEY}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400` +
    "&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

  it("the presigned GET URL, until it expires a day later", async () => {
    const { env } = await awsExampleEnv();
    const get = () => env.app.request(new Request(PRESIGNED, { headers: { host: "examplebucket.s3.amazonaws.com" } }));
    const ok = await get();
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(CONTENT);
    env.setNow(T0 + 86400_000);
    expect((await get()).status).toBe(200);
    env.setNow(T0 + 86401_000);
    const expired = await get();
    expect(expired.status).toBe(403);
    expect(await errorCode(expired)).toBe("AccessDenied");
  });

  it("the streaming (aws-chunked) PUT of 64 KiB + 1 KiB", async () => {
    const { env, c } = await awsExampleEnv();
    const frame = (size: number, sig: string, byte = 0x61) =>
      concatBytes(enc(`${size.toString(16)};chunk-signature=${sig}\r\n`), new Uint8Array(size).fill(byte), enc("\r\n"));
    const body = concatBytes(
      frame(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
      frame(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
      frame(0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
    );
    const res = await env.app.request(new Request("http://s3.amazonaws.com/examplebucket/chunkObject.txt", {
      method: "PUT",
      body,
      headers: {
        host: "s3.amazonaws.com", "x-amz-date": "20130524T000000Z", "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560", "content-length": "66824",
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9`,
      },
    }));
    expect(res.status).toBe(200);
    const get = await c.send("/examplebucket/chunkObject.txt", { creds: CRED });
    const data = new Uint8Array(await get.arrayBuffer());
    expect(data.length).toBe(66560);
    expect(data.every((b) => b === 0x61)).toBe(true);
    expect(get.headers.get("content-encoding")).toBeNull();
  });
});

describe("presigned URLs (aws4fetch)", () => {
  it("GET and PUT work presigned", async () => {
    const { c } = await withBucket();
    expect((await c.send("/bkt/k", { method: "PUT", body: "presigned body", presign: true })).status).toBe(200);
    const get = await c.send("/bkt/k", { presign: true });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("presigned body");
  });

  it("a presigned URL whose query values contain spaces (serialised as '+') is accepted, as S3 does", async () => {
    // aws4fetch signs spaces as %20 but returns the URL through URLSearchParams, which writes '+'
    // (mhart/aws4fetch#83: "AWS S3 currently accepts both representations").
    const { env, c } = await withBucket();
    await c.put("bkt", "k", "v");
    const disposition = 'attachment; filename="a b.txt"';
    const req = await c.request(`/bkt/k?response-content-disposition=${encodeURIComponent(disposition)}`, { presign: true });
    expect(req.url).toContain("filename%3D%22a+b.txt%22");
    const res = await env.app.request(req);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(disposition);
  });

  it("a presigned URL with spaces encoded as %20 is accepted", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", "v");
    const disposition = 'attachment; filename="a b.txt"';
    const req = await c.request(`/bkt/k?response-content-disposition=${encodeURIComponent(disposition)}`, { presign: true });
    const res = await env.app.request(new Request(req.url.replace(/\+/g, "%20"), { headers: req.headers }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(disposition);
  });

  it("a presigned URL is valid until X-Amz-Date + X-Amz-Expires", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "k", "v");
    const t = env.deps.clock.now();
    const req = await c.request("/bkt/k", { presign: { expires: 300 } });
    env.setNow(t + 299_000);
    expect((await env.app.request(req.clone())).status).toBe(200);
    env.setNow(t + 301_000);
    expect((await env.app.request(req.clone())).status).toBe(403);
  });
});

describe("clock skew", () => {
  it.each([
    ["14 minutes behind", -14],
    ["14 minutes ahead", 14],
  ])("a signature %s is accepted", async (_n, minutes) => {
    const { env, c } = await withBucket();
    const res = await c.send("/bkt", { signedAt: env.deps.clock.now() + minutes * 60_000 });
    expect(res.status).toBe(200);
  });
});

describe("virtual-host style", () => {
  it("bucket from the Host header under a configured domain", async () => {
    const { env, c } = await withBucket("vbkt", { domains: ["s3.local"] });
    expect((await c.send("http://vbkt.s3.local/dir/k", { method: "PUT", body: "vh" })).status).toBe(200);
    expect(await (await c.get("vbkt", "dir/k")).text()).toBe("vh");
    const list = await c.xml("http://vbkt.s3.local/?list-type=2");
    expect(list.ListBucketResult.Name).toBe("vbkt");
    expect(env.blobs.size()).toBe(0);
  });
});

describe("SigV2", () => {
  const v2 = (sts: string) => createHmac("sha1", "secretsecret").update(sts).digest("base64");

  it("header signature (boto3 signature_version='s3')", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "obj", "v2 data");
    const date = new Date(env.deps.clock.now()).toUTCString();
    const res = await env.app.request(new Request("http://127.0.0.1:9000/bkt/obj", {
      headers: { host: "127.0.0.1:9000", date, authorization: `AWS AKIDTEST:${v2(`GET\n\n\n${date}\n/bkt/obj`)}` },
    }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("v2 data");
  });

  it("a wrong header signature is SignatureDoesNotMatch", async () => {
    const { env } = await withBucket();
    const date = new Date(env.deps.clock.now()).toUTCString();
    const res = await env.app.request(new Request("http://127.0.0.1:9000/bkt/obj", {
      headers: { host: "127.0.0.1:9000", date, authorization: `AWS AKIDTEST:${v2(`GET\n\n\n${date}\n/bkt/other`)}` },
    }));
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("SignatureDoesNotMatch");
  });

  it("query signature, until Expires", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "obj", "v2 data");
    const expires = Math.floor(env.deps.clock.now() / 1000) + 60;
    const url = `http://127.0.0.1:9000/bkt/obj?AWSAccessKeyId=AKIDTEST&Expires=${expires}&Signature=${encodeURIComponent(v2(`GET\n\n\n${expires}\n/bkt/obj`))}`;
    const get = () => env.app.request(new Request(url, { headers: { host: "127.0.0.1:9000" } }));
    expect((await get()).status).toBe(200);
    env.setNow((expires + 1) * 1000);
    const res = await get();
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("AccessDenied");
  });
});
