// Bucket configurations tools probe: tagging (stored), ownership controls (stored), encryption
// (read as "none", writes refused until issue 19), and the "not configured" answers.
import { describe, expect, it } from "bun:test";
import { errorCode, withBucket } from "../helpers/s3.ts";

const tagging = (tags: [string, string][]) =>
  `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join("")}</TagSet></Tagging>`;
const many = (n: number) => Array.from({ length: n }, (_, i) => [`k${i}`, "v"] as [string, string]);
const sse = (alg: string, extra = "") =>
  `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${alg}</SSEAlgorithm>${extra}</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
const ownership = (v: string) => `<OwnershipControls><Rule><ObjectOwnership>${v}</ObjectOwnership></Rule></OwnershipControls>`;

describe("bucket tagging", () => {
  it("GET without tags is NoSuchTagSet; put, get, delete", async () => {
    const { c } = await withBucket();
    const none = await c.send("/bkt?tagging");
    expect(none.status).toBe(404);
    expect(await errorCode(none)).toBe("NoSuchTagSet");

    const put = await c.send("/bkt?tagging", { method: "PUT", body: tagging([["env", "prod"], ["cost", "a&amp;b"], ["empty", ""]]) });
    expect(put.status).toBe(204);
    const doc = await c.xml("/bkt?tagging");
    expect(doc.Tagging.TagSet.Tag).toEqual([{ Key: "env", Value: "prod" }, { Key: "cost", Value: "a&b" }, { Key: "empty", Value: "" }]);

    expect((await c.send("/bkt?tagging", { method: "DELETE" })).status).toBe(204);
    expect((await c.send("/bkt?tagging")).status).toBe(404);
    // Object listing is untouched by the bucket-level subresource.
    expect((await c.xml("/bkt?list-type=2")).ListBucketResult.KeyCount).toBe("0");
  });

  it("50 tags are accepted, and an empty TagSet removes them", async () => {
    const { c } = await withBucket();
    expect((await c.send("/bkt?tagging", { method: "PUT", body: tagging(many(50)) })).status).toBe(204);
    expect((await c.xml("/bkt?tagging")).Tagging.TagSet.Tag).toHaveLength(50);
    expect((await c.send("/bkt?tagging", { method: "PUT", body: "<Tagging><TagSet></TagSet></Tagging>" })).status).toBe(204);
    expect(await errorCode(await c.send("/bkt?tagging"))).toBe("NoSuchTagSet");
  });

  it.each([
    ["51 tags", tagging(many(51)), "InvalidTag"],
    ["a duplicate key", tagging([["a", "1"], ["a", "2"]]), "InvalidTag"],
    ["an aws: prefix", tagging([["aws:cloudformation:stack-name", "x"]]), "InvalidTag"],
    ["a 129-character key", tagging([["k".repeat(129), "v"]]), "InvalidTag"],
    ["a 257-character value", tagging([["k", "v".repeat(257)]]), "InvalidTag"],
    ["no TagSet", "<Tagging></Tagging>", "MalformedXML"],
    ["not XML", "tags", "MalformedXML"],
  ])("%s → 400 %s, nothing stored", async (_n, body, code) => {
    const { c } = await withBucket();
    const res = await c.send("/bkt?tagging", { method: "PUT", body });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe(code);
    expect((await c.send("/bkt?tagging")).status).toBe(404);
  });

  it("a 128-character key and a 256-character value are accepted", async () => {
    const { c } = await withBucket();
    expect((await c.send("/bkt?tagging", { method: "PUT", body: tagging([["k".repeat(128), "v".repeat(256)]]) })).status).toBe(204);
  });

  it("a missing bucket is NoSuchBucket", async () => {
    const { c } = await withBucket();
    const res = await c.send("/nobucket?tagging");
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchBucket");
  });
});

describe("bucket encryption", () => {
  it("GET is ServerSideEncryptionConfigurationNotFoundError; DELETE is 204", async () => {
    const { c } = await withBucket();
    const res = await c.send("/bkt?encryption");
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("ServerSideEncryptionConfigurationNotFoundError");
    expect((await c.send("/bkt?encryption", { method: "DELETE" })).status).toBe(204);
  });

  it.each([
    ["AES256", sse("AES256"), 501, "NotImplemented"],
    ["aws:kms with a key", sse("aws:kms", "<KMSMasterKeyID>arn:aws:kms:us-east-1:1:key/k</KMSMasterKeyID>"), 501, "NotImplemented"],
    ["an unknown algorithm", sse("ROT13"), 400, "MalformedXML"],
    ["AES256 with a KMS key", sse("AES256", "<KMSMasterKeyID>k</KMSMasterKeyID>"), 400, "InvalidArgument"],
    ["no rule", "<ServerSideEncryptionConfiguration/>", 400, "MalformedXML"],
  ])("PUT %s → %d %s (never accepted and ignored)", async (_n, body, status, code) => {
    const { c } = await withBucket();
    const res = await c.send("/bkt?encryption", { method: "PUT", body });
    expect(res.status).toBe(status);
    expect(await errorCode(res)).toBe(code);
    expect((await c.send("/bkt?encryption")).status).toBe(404);
  });

  it("a stored default (issue 19's) is rendered in the AWS shape", async () => {
    const { c, env } = await withBucket();
    await env.deps.meta.putBucketConfig("bkt", "encryption", JSON.stringify({ algorithm: "aws:kms", kmsKeyId: "k1", bucketKeyEnabled: true }));
    const doc = await c.xml("/bkt?encryption");
    expect(doc.ServerSideEncryptionConfiguration.Rule).toEqual({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "k1" }, BucketKeyEnabled: "true",
    });
  });
});

describe("bucket ownership controls", () => {
  it.each(["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"])("put %s, get it back, delete", async (v) => {
    const { c } = await withBucket();
    const none = await c.send("/bkt?ownershipControls");
    expect(none.status).toBe(404);
    expect(await errorCode(none)).toBe("OwnershipControlsNotFoundError");
    expect((await c.send("/bkt?ownershipControls", { method: "PUT", body: ownership(v) })).status).toBe(200);
    expect((await c.xml("/bkt?ownershipControls")).OwnershipControls.Rule.ObjectOwnership).toBe(v);
    expect((await c.send("/bkt?ownershipControls", { method: "DELETE" })).status).toBe(204);
    expect((await c.send("/bkt?ownershipControls")).status).toBe(404);
  });

  it.each([
    ["an unknown value", ownership("Everyone")],
    ["no rule", "<OwnershipControls/>"],
    ["two rules", "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>"],
  ])("PUT with %s → 400 MalformedXML", async (_n, body) => {
    const { c } = await withBucket();
    const res = await c.send("/bkt?ownershipControls", { method: "PUT", body });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MalformedXML");
  });
});

describe("not configured", () => {
  it.each([
    ["website", "NoSuchWebsiteConfiguration"],
    ["replication", "ReplicationConfigurationNotFoundError"],
    ["object-lock", "ObjectLockConfigurationNotFoundError"],
    ["publicAccessBlock", "NoSuchPublicAccessBlockConfiguration"],
    ["policyStatus", "NoSuchBucketPolicy"],
    ["lifecycle", "NoSuchLifecycleConfiguration"],
  ])("GET ?%s → 404 %s", async (sub, code) => {
    const { c } = await withBucket();
    const res = await c.send(`/bkt?${sub}`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain(`<Code>${code}</Code>`);
    expect(text).toContain("<BucketName>bkt</BucketName>");
  });

  it.each([
    ["logging", '<BucketLoggingStatus xmlns="http://doc.s3.amazonaws.com/2006-03-01"></BucketLoggingStatus>'],
    ["requestPayment", '<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>'],
    ["accelerate", '<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></AccelerateConfiguration>'],
  ])("GET ?%s → 200 %s", async (sub, xml) => {
    const { c } = await withBucket();
    const res = await c.send(`/bkt?${sub}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/xml");
    expect(await res.text()).toBe(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  });

  it.each(["website", "replication", "object-lock", "logging", "lifecycle", "publicAccessBlock", "requestPayment", "accelerate", "policyStatus"])(
    "GET ?%s of a missing bucket → NoSuchBucket",
    async (sub) => {
      const { c } = await withBucket();
      expect(await errorCode(await c.send(`/nobucket?${sub}`))).toBe("NoSuchBucket");
    },
  );

  it.each(["website", "logging", "replication", "requestPayment", "accelerate"])(
    "PUT ?%s stays 501 NotImplemented and creates nothing",
    async (sub) => {
      const { c } = await withBucket();
      const res = await c.send(`/bkt?${sub}`, { method: "PUT", body: "<X/>" });
      expect(res.status).toBe(501);
      expect(await errorCode(res)).toBe("NotImplemented");
    },
  );
});
