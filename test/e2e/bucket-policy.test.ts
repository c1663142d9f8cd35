// Bucket policies end to end (issue 13 "Bucket policies"): the documents `mc anonymous set
// download|upload|public` write (spec §9.2) put with the AWS SDK v3 and the aws cli, read back,
// classified as public, and enforced for unsigned requests (plain fetch, as curl would).
import { beforeAll, describe, expect, test } from "bun:test";
import {
  CreateBucketCommand, DeleteBucketPolicyCommand, GetBucketPolicyCommand, GetBucketPolicyStatusCommand, PutBucketPolicyCommand,
  PutObjectCommand, S3Client, S3ServiceException,
} from "@aws-sdk/client-s3";
import { aws, awsJson, bucketName, ok, sdkConfig, useServer, xmlCode } from "./harness.ts";

const ep = useServer();
const B = bucketName("bpol");
let s3: S3Client;

/** The statements minio-go's pkg/policy writes for a whole bucket (spec §9.2). */
function mcPolicy(kind: "download" | "upload" | "public", bucket = B): string {
  const bucketActions = { download: ["s3:GetBucketLocation", "s3:ListBucket"], upload: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
    public: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"] }[kind];
  const objectActions = { download: ["s3:GetObject"], upload: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
    public: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"] }[kind];
  return JSON.stringify({ Version: "2012-10-17", Statement: [
    { Action: bucketActions, Effect: "Allow", Principal: { AWS: ["*"] }, Resource: [`arn:aws:s3:::${bucket}`], Sid: "" },
    { Action: objectActions, Effect: "Allow", Principal: { AWS: ["*"] }, Resource: [`arn:aws:s3:::${bucket}/*`], Sid: "" },
  ] });
}

const anon = (path: string, init: RequestInit = {}) => fetch(`${ep.url}/${B}${path}`, init);

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { name: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error("expected an error");
}

beforeAll(async () => {
  s3 = new S3Client(sdkConfig(ep));
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: "pub/hello.txt", Body: "hello", ContentType: "text/plain" }));
});

describe("Get/Put/DeleteBucketPolicy", () => {
  test("no policy: GetBucketPolicy and GetBucketPolicyStatus are 404 NoSuchBucketPolicy; anonymous GET is 403", async () => {
    expect(await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: B })))).toEqual({ name: "NoSuchBucketPolicy", status: 404 });
    expect(await errorOf(s3.send(new GetBucketPolicyStatusCommand({ Bucket: B })))).toEqual({ name: "NoSuchBucketPolicy", status: 404 });
    const r = await anon("/pub/hello.txt");
    expect(r.status).toBe(403);
    expect(xmlCode(await r.text())).toBe("AccessDenied");
  });

  test.each(["download", "upload", "public"] as const)("the %s document round-trips and is public", async (kind) => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: mcPolicy(kind) }));
    const got = await s3.send(new GetBucketPolicyCommand({ Bucket: B }));
    expect(JSON.parse(got.Policy!)).toEqual(JSON.parse(mcPolicy(kind)));
    expect((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: B }))).PolicyStatus?.IsPublic).toBe(true);
  });

  test.each([
    ["not JSON", "{nope"],
    ["no Statement", JSON.stringify({ Version: "2012-10-17" })],
    ["no Principal", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${B}/*` }] })],
    ["an unknown action", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObjekt", Resource: `arn:aws:s3:::${B}/*` }] })],
    ["another bucket's resource", mcPolicy("download", "someone-elses-bucket")],
  ])("%s: 400 MalformedPolicy, the stored policy unchanged", async (_, policy) => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: mcPolicy("download") }));
    expect(await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: policy })))).toEqual({ name: "MalformedPolicy", status: 400 });
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: B }))).Policy!)).toEqual(JSON.parse(mcPolicy("download")));
  });

  test("DeleteBucketPolicy: 204, then NoSuchBucketPolicy and anonymous access is gone", async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: mcPolicy("download") }));
    expect((await anon("/pub/hello.txt")).status).toBe(200);
    const del = await s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: B })))).toEqual({ name: "NoSuchBucketPolicy", status: 404 });
    expect((await anon("/pub/hello.txt")).status).toBe(403);
  });

  test("aws cli: put-bucket-policy / get-bucket-policy / get-bucket-policy-status / delete-bucket-policy", async () => {
    ok(await aws(ep, ["s3api", "put-bucket-policy", "--bucket", B, "--policy", mcPolicy("download")]), "put-bucket-policy");
    const got = await awsJson(ep, ["s3api", "get-bucket-policy", "--bucket", B]);
    expect(JSON.parse(got.Policy)).toEqual(JSON.parse(mcPolicy("download")));
    const status = await awsJson(ep, ["s3api", "get-bucket-policy-status", "--bucket", B]);
    expect(status.PolicyStatus.IsPublic).toBe(true);
    ok(await aws(ep, ["s3api", "delete-bucket-policy", "--bucket", B]), "delete-bucket-policy");
    const gone = await aws(ep, ["s3api", "get-bucket-policy", "--bucket", B]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("NoSuchBucketPolicy");
  });
});

describe("anonymous requests under the policy", () => {
  test("download: unsigned GET and HEAD of an object and ListObjects work; PUT, DELETE and ?policy do not", async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: mcPolicy("download") }));
    const get = await anon("/pub/hello.txt");
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello");
    expect(get.headers.get("content-type")).toBe("text/plain");
    expect((await anon("/pub/hello.txt", { method: "HEAD" })).status).toBe(200);
    const list = await anon("?list-type=2&prefix=pub%2F");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("<Key>pub/hello.txt</Key>");
    expect((await anon("/missing")).status).toBe(404); // allowed to read, so it may learn the key is absent
    for (const [path, method] of [["/pub/x", "PUT"], ["/pub/hello.txt", "DELETE"], ["?policy", "GET"], ["?policy", "DELETE"], ["?uploads", "GET"]] as const) {
      const r = await anon(path, { method, body: method === "PUT" ? "x" : undefined });
      expect([path, method, r.status]).toEqual([path, method, 403]);
    }
    expect((await fetch(`${ep.url}/`)).status).toBe(403); // ListBuckets is never anonymous
  });

  test("upload: unsigned PUT works, GET and listing do not", async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: mcPolicy("upload") }));
    expect((await anon("/drop/new.txt", { method: "PUT", body: "dropped" })).status).toBe(200);
    expect((await anon("/drop/new.txt")).status).toBe(403);
    expect((await anon("?list-type=2")).status).toBe(403);
  });

  test("a prefix-scoped download (s3:prefix condition on ListBucket, as mc writes for bucket/prefix)", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
      { Action: ["s3:GetBucketLocation"], Effect: "Allow", Principal: { AWS: ["*"] }, Resource: [`arn:aws:s3:::${B}`], Sid: "" },
      { Action: ["s3:ListBucket"], Condition: { StringEquals: { "s3:prefix": ["pub/"] } }, Effect: "Allow", Principal: { AWS: ["*"] }, Resource: [`arn:aws:s3:::${B}`], Sid: "" },
      { Action: ["s3:GetObject"], Effect: "Allow", Principal: { AWS: ["*"] }, Resource: [`arn:aws:s3:::${B}/pub/*`], Sid: "" },
    ] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: policy }));
    expect((await anon("?list-type=2&prefix=pub%2F")).status).toBe(200);
    expect((await anon("?list-type=2&prefix=drop%2F")).status).toBe(403);
    expect((await anon("?list-type=2")).status).toBe(403);
    expect((await anon("/pub/hello.txt")).status).toBe(200);
    expect((await anon("/drop/new.txt")).status).toBe(403);
  });
});

describe("condition keys: object tags, source address, transport", () => {
  test("anonymous GET only of objects tagged class=public (s3:ExistingObjectTag); PUT only with the tag the policy asks for (s3:RequestObjectTag)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "tagged/open.txt", Body: "open", Tagging: "class=public" }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "tagged/closed.txt", Body: "closed", Tagging: "class=internal" }));
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${B}/tagged/*`, Condition: { StringEquals: { "s3:ExistingObjectTag/class": "public" } } },
      { Effect: "Allow", Principal: "*", Action: ["s3:PutObject", "s3:PutObjectTagging"], Resource: `arn:aws:s3:::${B}/inbox/*`, Condition: { StringEquals: { "s3:RequestObjectTag/source": "form" } } },
    ] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: policy }));
    const open = await anon("/tagged/open.txt");
    expect([open.status, await open.text()]).toEqual([200, "open"]);
    expect((await anon("/tagged/closed.txt")).status).toBe(403);
    expect((await anon("/inbox/a.txt", { method: "PUT", body: "a", headers: { "x-amz-tagging": "source=form" } })).status).toBe(200);
    expect((await anon("/inbox/b.txt", { method: "PUT", body: "b", headers: { "x-amz-tagging": "source=other" } })).status).toBe(403);
    expect((await anon("/inbox/c.txt", { method: "PUT", body: "c" })).status).toBe(403);
    // Retagged by its owner, the object follows its new tag at once.
    ok(await aws(ep, ["s3api", "put-object-tagging", "--bucket", B, "--key", "tagged/closed.txt", "--tagging", "TagSet=[{Key=class,Value=public}]"]), "put-object-tagging");
    expect((await anon("/tagged/closed.txt")).status).toBe(200);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
  });

  test("aws:SourceIp (the client's address as the runtime reports it) and aws:SecureTransport (plain HTTP here)", async () => {
    const allow = (Condition: unknown) => JSON.stringify({ Version: "2012-10-17", Statement: [
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${B}/pub/*`, Condition },
    ] });
    const cases: [unknown, number][] = [
      [{ IpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1/128"] }, Bool: { "aws:SecureTransport": "false" } }, 200],
      [{ NotIpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1/128"] } }, 403],
      [{ Bool: { "aws:SecureTransport": "true" } }, 403],
    ];
    for (const [cond, want] of cases) {
      await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: allow(cond) }));
      expect([JSON.stringify(cond), (await anon("/pub/hello.txt")).status]).toEqual([JSON.stringify(cond), want]);
    }
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
  });
});
