// What tools probe on a bucket (Terraform's refresh, rclone, s3cmd info, backup tools), through
// the aws cli: the "not configured" answers they handle instead of 501, bucket tagging and
// ownership controls stored, encryption never accepted and ignored, GetObjectAttributes and
// ListBuckets paging. boto3 (py/probes.py) where the cli cannot show it alone.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { aws, awsJson, bucketName, md5Hex, ok, python, runtime, tempDir, useServer } from "./harness.ts";

const ep = useServer();
const B = bucketName("probes");

/** An s3api call expected to fail with `code`: the service-error exit status (255 on cli v1, 254 on v2), code in stderr. */
async function failsWith(args: string[], code: string) {
  const r = await aws(ep, ["s3api", ...args]);
  expect({ args: args[0], exit: [254, 255].includes(r.code), stderr: r.stderr.includes(`(${code})`) ? code : r.stderr })
    .toEqual({ args: args[0], exit: true, stderr: code });
}

const NOT_CONFIGURED = [
  ["get-bucket-tagging", "NoSuchTagSet"],
  ["get-bucket-encryption", "ServerSideEncryptionConfigurationNotFoundError"],
  ["get-bucket-website", "NoSuchWebsiteConfiguration"],
  ["get-bucket-replication", "ReplicationConfigurationNotFoundError"],
  ["get-object-lock-configuration", "ObjectLockConfigurationNotFoundError"],
  ["get-bucket-ownership-controls", "OwnershipControlsNotFoundError"],
  ["get-public-access-block", "NoSuchPublicAccessBlockConfiguration"],
  ["get-bucket-policy-status", "NoSuchBucketPolicy"],
  ["get-bucket-lifecycle-configuration", "NoSuchLifecycleConfiguration"],
] as const;
/** The read-only probes of the fresh bucket, started together once it exists (each aws run is
 * mostly Python start-up); each test below checks its own. They settle before the tests that
 * configure the bucket start, as each is awaited by its test. */
const probes = new Map<string, Promise<void>>();

describe("aws s3api bucket probes", () => {
  test("create the bucket", async () => {
    ok(await aws(ep, ["s3api", "create-bucket", "--bucket", B]), "create-bucket");
    for (const [op, code] of NOT_CONFIGURED) {
      const p = failsWith([op, "--bucket", B], code);
      p.catch(() => {}); // reported by its test
      probes.set(op, p);
    }
  });

  test.each(NOT_CONFIGURED)("%s → %s", async (op) => {
    await probes.get(op);
  });

  test("get-bucket-logging, get-bucket-request-payment, get-bucket-accelerate-configuration answer 'not configured'", async () => {
    const [logging, payment, accelerate] = await Promise.all(
      ["get-bucket-logging", "get-bucket-request-payment", "get-bucket-accelerate-configuration"].map((op) => awsJson(ep, ["s3api", op, "--bucket", B])),
    );
    expect(logging).toEqual({});
    expect(payment).toEqual({ Payer: "BucketOwner" });
    expect(accelerate).toEqual({});
  });

  test("put-bucket-tagging, get-bucket-tagging, delete-bucket-tagging", async () => {
    ok(await aws(ep, ["s3api", "put-bucket-tagging", "--bucket", B, "--tagging", 'TagSet=[{Key=env,Value=prod},{Key=team,Value="a b"}]']), "put-bucket-tagging");
    expect((await awsJson(ep, ["s3api", "get-bucket-tagging", "--bucket", B])).TagSet).toEqual([{ Key: "env", Value: "prod" }, { Key: "team", Value: "a b" }]);
    ok(await aws(ep, ["s3api", "delete-bucket-tagging", "--bucket", B]), "delete-bucket-tagging");
    await failsWith(["get-bucket-tagging", "--bucket", B], "NoSuchTagSet");
    await failsWith(["put-bucket-tagging", "--bucket", B, "--tagging", "TagSet=[{Key=a,Value=1},{Key=a,Value=2}]"], "InvalidTag");
  });

  test("put-bucket-ownership-controls is stored and read back", async () => {
    ok(await aws(ep, ["s3api", "put-bucket-ownership-controls", "--bucket", B, "--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerEnforced}]"]), "put");
    expect(await awsJson(ep, ["s3api", "get-bucket-ownership-controls", "--bucket", B])).toEqual({ OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } });
    ok(await aws(ep, ["s3api", "delete-bucket-ownership-controls", "--bucket", B]), "delete");
  });

  test("put-bucket-encryption the gateway cannot apply is refused, never accepted and ignored; delete-bucket-encryption succeeds", async () => {
    // A KMS key it does not have: 501 without a master key (Bun's default gateway), KMS.NotFoundException
    // with one (the workerd suite's gateway has S3EDGE_KMS_SECRET_KEY; sse.test.ts covers applying defaults).
    await failsWith(["put-bucket-encryption", "--bucket", B, "--server-side-encryption-configuration",
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"not-a-key-here"}}]}'],
      runtime() === "workerd" ? "KMS.NotFoundException" : "NotImplemented");
    ok(await aws(ep, ["s3api", "delete-bucket-encryption", "--bucket", B]), "delete-bucket-encryption");
    await failsWith(["get-bucket-encryption", "--bucket", B], "ServerSideEncryptionConfigurationNotFoundError");
  });

  test("get-object-attributes of a small object", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "f"), "hello attributes");
    ok(await aws(ep, ["s3api", "put-object", "--bucket", B, "--key", "a.txt", "--body", join(dir, "f")]), "put-object");
    const r = await awsJson(ep, ["s3api", "get-object-attributes", "--bucket", B, "--key", "a.txt", "--object-attributes", "ETag", "ObjectSize", "StorageClass", "Checksum"]);
    expect(r.ETag).toBe(md5Hex(new TextEncoder().encode("hello attributes")));
    expect(r.ObjectSize).toBe(16);
    expect(r.StorageClass).toBe("STANDARD");
    expect(r.LastModified).toBeTruthy();
    // botocore ≥ 1.36 sends a CRC32 with every upload, so the object has one.
    expect(r.Checksum.ChecksumCRC32).toBeTruthy();
    await Promise.all([
      failsWith(["get-object-attributes", "--bucket", B, "--key", "a.txt", "--object-attributes", "Owner"], "InvalidArgument"),
      failsWith(["get-object-attributes", "--bucket", B, "--key", "missing", "--object-attributes", "ETag"], "NoSuchKey"),
    ]);
  });

  test("list-buckets --max-items pages through ContinuationToken", async () => {
    const [r, all] = await Promise.all([
      awsJson(ep, ["s3api", "list-buckets", "--max-items", "1"]),
      awsJson(ep, ["s3api", "list-buckets", "--page-size", "1"]),
    ]);
    expect(r.Buckets).toHaveLength(1);
    expect(all.Buckets.map((b: { Name: string }) => b.Name)).toContain(B);
  });
});

describe("aws s3api: deleting a configuration that cannot be stored", () => {
  test.each(["delete-bucket-website", "delete-bucket-lifecycle", "delete-bucket-replication", "delete-public-access-block"])(
    "%s → 204 (none is set, as S3 answers)", async (op) => {
      const [done] = await Promise.all([aws(ep, ["s3api", op, "--bucket", B]), failsWith([op, "--bucket", `${B}-missing`], "NoSuchBucket")]);
      ok(done, op);
    },
  );
});

describe("aws s3api sweep", () => {
  // Every bucket/object subcommand once (py/s3api_sweep.py: input from the botocore model,
  // required members only). Prints how many still answer 501; none may be a 500.
  test("every subcommand: no InternalError; the 501s are listed", async () => {
    const r = await python(ep, "s3api_sweep.py", { S3EDGE_E2E_BUCKET: bucketName("sweep"), S3EDGE_SWEEP_VIA: "boto3" });
    const sent = r.tried.length - r.not_sent.length;
    console.log(`s3api sweep: ${r.not_implemented.length} of ${sent} sent answer 501: ${r.not_implemented.join(" ")}`);
    expect(r.internal).toEqual([]);
    for (const op of ["GetBucketWebsite", "GetBucketTagging", "DeleteBucketWebsite", "DeleteObject", "PutObject", "GetObjectAttributes"]) {
      expect({ op, code: r.results[op] }).not.toEqual({ op, code: "NotImplemented" });
    }
  }, 300_000);
});

describe("boto3 probes", () => {
  test("get_object_attributes of a multipart upload with SHA256 parts, paged; list_buckets paging", async () => {
    const o = await python(ep, "probes.py", { S3EDGE_E2E_BUCKET: B });
    expect(o.first.ETag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(o.first.Checksum).toEqual({ ChecksumSHA256: o.want_composite, ChecksumType: "COMPOSITE" });
    expect(o.first.ObjectSize).toBe(10 * 1024 * 1024 + 1000);
    expect(o.first.StorageClass).toBe("STANDARD");
    expect(o.last_modified).toBe(true);
    expect(o.first.ObjectParts).toMatchObject({ TotalPartsCount: 3, MaxParts: 2, IsTruncated: true, NextPartNumberMarker: 2, Parts: o.want_parts.slice(0, 2) });
    expect(o.second).toMatchObject({ TotalPartsCount: 3, IsTruncated: false, Parts: o.want_parts.slice(2) });
    expect(o.page).toEqual(o.names.slice(0, 2));
    expect(o.page_token).toBe(true);
    expect(o.prefix).toBe(`${B}-pg`);
    expect(o.rest).toEqual(o.names.slice(2));
    expect(o.rest_token).toBeNull();
    expect(o.paged).toEqual(o.names);
  });
});
