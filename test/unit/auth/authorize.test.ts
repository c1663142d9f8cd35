// The authorization seam (issue 11 item 3): the pipeline asks for each request's action with
// its condition context; handlers ask again for what a request also touches.
import { describe, expect, it } from "bun:test";
import { createApp } from "../../../src/app.ts";
import { S3Error } from "../../../src/xml/errors.ts";
import type { Authorize, Conditions } from "../../../src/auth/authorize.ts";
import { withRequestInfo } from "../../../src/http/request-info.ts";
import { memoryDeps } from "../helpers/deps.ts";
import { errorCode, md5B64, parseXmlText, s3 } from "../helpers/s3.ts";

interface Call { action: string; resource: string; conditions: Conditions }

/** A gateway whose authorizer records every question and denies what `deny` says. */
async function setup(deny: (c: Call) => boolean = () => false) {
  const base = memoryDeps();
  const calls: Call[] = [];
  const authorize: Authorize = async (principal, action, resource, conditions) => {
    const call = { action, resource, conditions };
    calls.push(call);
    if (principal.kind !== "root" || deny(call)) throw new S3Error("AccessDenied");
  };
  const env = { ...base, app: createApp(base.deps, { authorize }) };
  const c = s3(env);
  await c.createBucket("bkt");
  calls.length = 0;
  return { env, c, calls };
}

describe("the pipeline's question", () => {
  it("ListObjectsV2: s3:ListBucket on the bucket, with s3:prefix, s3:delimiter, s3:max-keys and the global keys", async () => {
    const { env, c, calls } = await setup();
    const req = await c.request("/bkt?list-type=2&prefix=a%2F&delimiter=%2F&max-keys=5");
    expect((await env.app.request(req, undefined, withRequestInfo({ remoteAddress: "10.0.0.7" }))).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0].action).toBe("s3:ListBucket");
    expect(calls[0].resource).toBe("arn:aws:s3:::bkt");
    expect(calls[0].conditions).toMatchObject({
      "s3:prefix": "a/", "s3:delimiter": "/", "s3:max-keys": "5", "aws:SourceIp": "10.0.0.7", "aws:SecureTransport": "false",
      "s3:signatureversion": "AWS4-HMAC-SHA256", "s3:authType": "REST-HEADER",
    });
    expect(calls[0].conditions["aws:CurrentTime"]).toBe(new Date(env.deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"));
  });

  it("a presigned PutObject with x-amz-acl: s3:PutObject on the key, REST-QUERY-STRING, s3:x-amz-acl", async () => {
    const { env, c, calls } = await setup();
    const req = await c.request("/bkt/k", { method: "PUT", body: "x", presign: true, headers: { "x-amz-acl": "private" } });
    const res = await env.app.request(req);
    expect(calls[0]).toMatchObject({ action: "s3:PutObject", resource: "arn:aws:s3:::bkt/k" });
    expect(calls[0].conditions).toMatchObject({ "s3:authType": "REST-QUERY-STRING", "s3:x-amz-acl": "private" });
    expect(res.status).toBeLessThan(500);
  });

  it("an absent key is absent from the context (no s3:prefix without ?prefix)", async () => {
    const { c, calls } = await setup();
    await c.send("/bkt?list-type=2");
    expect("s3:prefix" in calls[0].conditions).toBe(false);
    expect("aws:SourceIp" in calls[0].conditions).toBe(false);
  });
});

describe("second questions from handlers", () => {
  it("CopyObject asks s3:GetObject on the source; denied, nothing is copied (and the source's existence is not told)", async () => {
    const { c, calls } = await setup((x) => x.action === "s3:GetObject");
    expect((await c.put("bkt", "src", "secret")).status).toBe(200);
    calls.length = 0;
    const res = await c.send("/bkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/src" } });
    expect(res.status).toBe(403);
    expect(calls.map((x) => [x.action, x.resource])).toEqual([["s3:PutObject", "arn:aws:s3:::bkt/dst"], ["s3:GetObject", "arn:aws:s3:::bkt/src"]]);
    const missing = await c.send("/bkt/dst", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/nope" } });
    expect(await errorCode(missing)).toBe("AccessDenied");
    // HEAD needs s3:GetObject, denied here: the listing shows what is stored.
    expect((await c.xml("/bkt?list-type=2")).ListBucketResult.Contents.map((o: { Key: string }) => o.Key)).toEqual(["src"]);
  });

  it("DeleteObjects asks s3:DeleteObject per key; a denied key is an AccessDenied entry and stays", async () => {
    const { c, calls } = await setup((x) => x.action === "s3:DeleteObject" && x.resource.endsWith("/keep"));
    await c.put("bkt", "keep", "1");
    await c.put("bkt", "go", "2");
    calls.length = 0;
    const body = "<Delete><Object><Key>keep</Key></Object><Object><Key>go</Key></Object></Delete>";
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(200);
    const doc = parseXmlText(await res.text()).DeleteResult;
    expect(doc.Deleted.map((d: { Key: string }) => d.Key)).toEqual(["go"]);
    expect(doc.Error).toEqual([{ Key: "keep", Code: "AccessDenied", Message: "Access Denied" }]);
    // Per key only: a bucket-level question would refuse a policy on bkt/* (AWS asks per key).
    expect(calls.map((x) => [x.action, x.resource])).toEqual([["s3:DeleteObject", "arn:aws:s3:::bkt/keep"], ["s3:DeleteObject", "arn:aws:s3:::bkt/go"]]);
    expect((await c.head("bkt", "keep")).status).toBe(200);
    expect((await c.head("bkt", "go")).status).toBe(404);
  });

  it("PutObject with x-amz-tagging asks s3:PutObjectTagging too; denied, nothing is stored", async () => {
    const { c, calls } = await setup((x) => x.action === "s3:PutObjectTagging");
    const res = await c.send("/bkt/t", { method: "PUT", body: "x", headers: { "x-amz-tagging": "a=b" } });
    expect(res.status).toBe(403);
    expect(calls.map((x) => x.action)).toEqual(["s3:PutObject", "s3:PutObjectTagging"]);
    expect((await c.head("bkt", "t")).status).toBe(404);
    expect((await c.send("/bkt/u", { method: "PUT", body: "x" })).status).toBe(200);
  });
});

describe("the bucket is resolved before authorization, with its configurations, in one MetaStore call", () => {
  it("GET, PUT, DELETE and listing read the bucket once (getBucketState), never getBucket or getBucketConfig", async () => {
    const base = memoryDeps();
    const counts: Record<string, number> = {};
    const meta = base.deps.meta;
    base.deps.meta = new Proxy(meta, {
      get(t, name: string) {
        const v = (t as unknown as Record<string, unknown>)[name];
        return typeof v === "function" ? (...a: unknown[]) => { counts[name] = (counts[name] ?? 0) + 1; return (v as (...x: unknown[]) => unknown).apply(t, a); } : v;
      },
    });
    const env = { ...base, app: createApp(base.deps) };
    const c = s3(env);
    await c.createBucket("bkt");
    for (const k of Object.keys(counts)) delete counts[k];
    expect((await c.put("bkt", "k", "v")).status).toBe(200);
    expect((await c.get("bkt", "k")).status).toBe(200);
    expect((await c.send("/bkt?list-type=2")).status).toBe(200);
    expect((await c.del("bkt", "k")).status).toBe(204);
    expect(counts.getBucketState).toBe(4);
    expect(counts.getBucket ?? 0).toBe(0);
    expect(counts.getBucketConfig ?? 0).toBe(0);
  });

  it("a missing bucket is NoSuchBucket, for anyone; an existing one is AccessDenied for a stranger", async () => {
    const { c } = await setup();
    const missing = await c.send("/nope/k", { anonymous: true });
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe("NoSuchBucket");
    const denied = await c.send("/bkt/k", { anonymous: true });
    expect(denied.status).toBe(403);
    expect(await errorCode(denied)).toBe("AccessDenied");
  });
});
