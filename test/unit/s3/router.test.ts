import { describe, expect, it } from "bun:test";
import { OPS, route, type Level } from "../../../src/s3/router.ts";
import { HANDLERS } from "../../../src/s3/handlers.ts";
import { resolveAddress } from "../../../src/s3/address.ts";

describe("route", () => {
  it.each([
    ["GET", "service", "", {}, "ListBuckets", "s3:ListAllMyBuckets"],
    ["GET", "bucket", "", {}, "ListObjects", "s3:ListBucket"],
    ["GET", "bucket", "list-type=2", {}, "ListObjectsV2", "s3:ListBucket"],
    ["GET", "bucket", "uploads", {}, "ListMultipartUploads", "s3:ListBucketMultipartUploads"],
    ["GET", "bucket", "location", {}, "GetBucketLocation", "s3:GetBucketLocation"],
    ["HEAD", "bucket", "", {}, "HeadBucket", "s3:ListBucket"],
    ["PUT", "bucket", "", {}, "CreateBucket", "s3:CreateBucket"],
    ["DELETE", "bucket", "", {}, "DeleteBucket", "s3:DeleteBucket"],
    ["POST", "bucket", "delete", {}, "DeleteObjects", "s3:DeleteObject"],
    ["GET", "bucket", "cors", {}, "GetBucketCors", "s3:GetBucketCORS"],
    ["PUT", "bucket", "cors", {}, "PutBucketCors", "s3:PutBucketCORS"],
    ["DELETE", "bucket", "cors", {}, "DeleteBucketCors", "s3:PutBucketCORS"],
    ["PUT", "object", "", {}, "PutObject", "s3:PutObject"],
    ["PUT", "object", "", { "x-amz-copy-source": "/b/k" }, "CopyObject", "s3:PutObject"],
    ["PUT", "object", "partNumber=1&uploadId=u", {}, "UploadPart", "s3:PutObject"],
    ["PUT", "object", "partNumber=1&uploadId=u", { "x-amz-copy-source": "/b/k" }, "UploadPartCopy", "s3:PutObject"],
    ["POST", "object", "uploads", {}, "CreateMultipartUpload", "s3:PutObject"],
    ["POST", "object", "uploadId=u", {}, "CompleteMultipartUpload", "s3:PutObject"],
    ["DELETE", "object", "uploadId=u", {}, "AbortMultipartUpload", "s3:AbortMultipartUpload"],
    ["GET", "object", "uploadId=u", {}, "ListParts", "s3:ListMultipartUploadParts"],
    ["GET", "object", "", {}, "GetObject", "s3:GetObject"],
    ["GET", "object", "partNumber=2", {}, "GetObject", "s3:GetObject"],
    ["GET", "object", "response-content-type=x", {}, "GetObject", "s3:GetObject"],
    ["HEAD", "object", "", {}, "HeadObject", "s3:GetObject"],
    ["DELETE", "object", "", {}, "DeleteObject", "s3:DeleteObject"],
    ["GET", "object", "tagging", {}, "GetObjectTagging", "s3:GetObjectTagging"],
    ["PUT", "object", "tagging", {}, "PutObjectTagging", "s3:PutObjectTagging"],
    ["DELETE", "object", "tagging", {}, "DeleteObjectTagging", "s3:DeleteObjectTagging"],
    ["GET", "bucket", "tagging", {}, "GetBucketTagging", "s3:GetBucketTagging"],
    ["PUT", "bucket", "tagging", {}, "PutBucketTagging", "s3:PutBucketTagging"],
    ["DELETE", "bucket", "tagging", {}, "DeleteBucketTagging", "s3:PutBucketTagging"],
    ["GET", "bucket", "encryption", {}, "GetBucketEncryption", "s3:GetEncryptionConfiguration"],
    ["PUT", "bucket", "encryption", {}, "PutBucketEncryption", "s3:PutEncryptionConfiguration"],
    ["DELETE", "bucket", "encryption", {}, "DeleteBucketEncryption", "s3:PutEncryptionConfiguration"],
    ["PUT", "bucket", "ownershipControls", {}, "PutBucketOwnershipControls", "s3:PutBucketOwnershipControls"],
    ["GET", "bucket", "website", {}, "GetBucketWebsite", "s3:GetBucketWebsite"],
    ["GET", "bucket", "object-lock", {}, "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"],
    ["PUT", "bucket", "object-lock", {}, "PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"],
    ["GET", "object", "retention", {}, "GetObjectRetention", "s3:GetObjectRetention"],
    ["PUT", "object", "retention&versionId=v", {}, "PutObjectRetention", "s3:PutObjectRetention"],
    ["GET", "object", "legal-hold", {}, "GetObjectLegalHold", "s3:GetObjectLegalHold"],
    ["PUT", "object", "legal-hold", {}, "PutObjectLegalHold", "s3:PutObjectLegalHold"],
    ["GET", "bucket", "policyStatus", {}, "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"],
    ["GET", "bucket", "policy", {}, "GetBucketPolicy", "s3:GetBucketPolicy"],
    ["PUT", "bucket", "policy", {}, "PutBucketPolicy", "s3:PutBucketPolicy"],
    ["DELETE", "bucket", "policy", {}, "DeleteBucketPolicy", "s3:DeleteBucketPolicy"],
    ["GET", "bucket", "acl", {}, "GetBucketAcl", "s3:GetBucketAcl"],
    ["PUT", "bucket", "acl", {}, "PutBucketAcl", "s3:PutBucketAcl"],
    ["GET", "object", "acl", {}, "GetObjectAcl", "s3:GetObjectAcl"],
    ["PUT", "object", "acl", {}, "PutObjectAcl", "s3:PutObjectAcl"],
    ["GET", "bucket", "publicAccessBlock", {}, "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    ["PUT", "bucket", "publicAccessBlock", {}, "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
    ["DELETE", "bucket", "publicAccessBlock", {}, "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"],
    ["GET", "object", "attributes", {}, "GetObjectAttributes", "s3:GetObjectAttributes"],
    ["PUT", "bucket", "versioning", {}, "PutBucketVersioning", "s3:PutBucketVersioning"],
    ["GET", "bucket", "versioning", {}, "GetBucketVersioning", "s3:GetBucketVersioning"],
    ["GET", "bucket", "versions", {}, "ListObjectVersions", "s3:ListBucketVersions"],
    // ?versionId asks for the *Version action, as S3 does.
    ["GET", "object", "versionId=v", {}, "GetObject", "s3:GetObjectVersion"],
    ["HEAD", "object", "versionId=v", {}, "HeadObject", "s3:GetObjectVersion"],
    ["DELETE", "object", "versionId=v", {}, "DeleteObject", "s3:DeleteObjectVersion"],
    ["GET", "object", "tagging&versionId=v", {}, "GetObjectTagging", "s3:GetObjectVersionTagging"],
    ["PUT", "object", "acl&versionId=v", {}, "PutObjectAcl", "s3:PutObjectVersionAcl"],
    ["GET", "service", "max-buckets=2&continuation-token=x&prefix=a&bucket-region=r", {}, "ListBuckets", "s3:ListAllMyBuckets"],
  ] as const)("%s %s ?%s %j → %s", (method, level, query, headers, op, action) => {
    expect(route(method, level as Level, new URLSearchParams(query), new Headers(headers))).toEqual({ op, action });
  });

  it.each([
    ["GET", "object", "policy"],
    ["POST", "bucket", "policy"],
    ["GET", "bucket", "analytics"],
    ["PUT", "bucket", "website"],
    ["PUT", "bucket", "logging"],
    ["PUT", "bucket", "replication"],
    ["DELETE", "bucket", "object-lock"],
    ["GET", "bucket", "attributes"],
    ["PUT", "object", "attributes"],
    ["GET", "bucket", "retention"],
    ["POST", "object", "select&select-type=2"],
    ["POST", "object", "restore"],
    ["POST", "bucket", ""],
  ] as const)("%s %s ?%s → NotImplemented (501), never a plain object/bucket op", (method, level, query) => {
    expect(route(method, level as Level, new URLSearchParams(query), new Headers()).op).toBe("NotImplemented");
  });

  it.each([
    ["PUT", "service"],
    ["DELETE", "service"],
    ["PATCH", "object"],
  ] as const)("%s on %s → MethodNotAllowed", (method, level) => {
    expect(route(method, level as Level, new URLSearchParams(), new Headers()).op).toBe("MethodNotAllowed");
  });

  it("every op has a handler", () => {
    for (const op of OPS) expect(typeof HANDLERS[op]).toBe("function");
    expect(Object.keys(HANDLERS).sort()).toEqual([...OPS].sort());
  });
});

describe("resolveAddress", () => {
  it.each([
    ["http://h/", "h", [], { level: "service", bucket: "", key: "", vhost: false }],
    ["http://h/b", "h", [], { level: "bucket", bucket: "b", key: "", vhost: false }],
    ["http://h/b/", "h", [], { level: "bucket", bucket: "b", key: "", vhost: false }],
    ["http://h/b/k/with/slashes", "h", [], { level: "object", bucket: "b", key: "k/with/slashes", vhost: false }],
    ["http://h/b/a%20b%2Bc%25", "h", [], { level: "object", bucket: "b", key: "a b+c%", vhost: false }],
    ["http://h/b/dir/", "h", [], { level: "object", bucket: "b", key: "dir/", vhost: false }],
    ["http://b.s3.local/k", "b.s3.local:9000", ["s3.local"], { level: "object", bucket: "b", key: "k", vhost: true }],
    ["http://b.s3.local/", "B.S3.LOCAL", ["s3.local"], { level: "bucket", bucket: "b", key: "", vhost: true }],
    ["http://s3.local/b/k", "s3.local", ["s3.local"], { level: "object", bucket: "b", key: "k", vhost: false }],
    ["http://my.bucket.s3.local/k", "my.bucket.s3.local", ["s3.local"], { level: "object", bucket: "my.bucket", key: "k", vhost: true }],
  ] as const)("%s (Host %s, domains %j)", (url, host, domains, expected) => {
    expect(resolveAddress(new URL(url), new URL(url).pathname, host, [...domains])).toEqual(expected);
  });

  it("a malformed percent-escape is InvalidURI", () => {
    let err: unknown;
    try { resolveAddress(new URL("http://h/b/%E0%A4%A"), "/b/%E0%A4%A", "h", []); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: "InvalidURI", status: 400 });
  });
});
