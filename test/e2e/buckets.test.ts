// Several buckets at once, and copies between them. On Workers each bucket's metadata (and its
// chunk registry) lives in its own Durable Object, so these also prove that cross-bucket copies
// carry their data and that bucket create/delete keep the catalog and the shards in step.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { bucketName, md5Hex, MiB, randomData, sameBytes, useServer, sdkConfig } from "./harness.ts";

const ep = useServer();
let s3: S3Client;

beforeAll(() => {
  s3 = new S3Client(sdkConfig(ep));
});
afterAll(() => s3?.destroy());

async function get(bucket: string, key: string, range?: string): Promise<Uint8Array> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return await r.Body!.transformToByteArray();
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return e.name;
    throw e;
  }
  return "no error";
}

async function emptyAndDelete(bucket: string) {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const o of list.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

describe("many buckets", () => {
  test("buckets written in parallel each keep their own objects; list, delete and re-create stay consistent", async () => {
    const names = Array.from({ length: 5 }, (_, i) => bucketName(`multi${i}`));
    await Promise.all(names.map((b) => s3.send(new CreateBucketCommand({ Bucket: b }))));
    await Promise.all(names.flatMap((b) =>
      Array.from({ length: 4 }, (_, k) => s3.send(new PutObjectCommand({ Bucket: b, Key: `k${k}`, Body: `${b}/${k}` })))));
    for (const b of names) {
      const keys = (await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents?.map((o) => o.Key);
      expect(keys).toEqual(["k0", "k1", "k2", "k3"]);
      expect(new TextDecoder().decode(await get(b, "k2"))).toBe(`${b}/2`);
    }
    const listed = (await s3.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name);
    for (const b of names) expect(listed).toContain(b);

    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: names[0] })))).toBe("BucketAlreadyOwnedByYou");
    expect(await errorOf(s3.send(new DeleteBucketCommand({ Bucket: names[0] })))).toBe("BucketNotEmpty");

    await emptyAndDelete(names[0]);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name)).not.toContain(names[0]);
    expect(await errorOf(s3.send(new HeadBucketCommand({ Bucket: names[0] })))).toBe("NotFound");
    expect(await errorOf(s3.send(new DeleteBucketCommand({ Bucket: names[0] })))).toBe("NoSuchBucket");
    expect(await errorOf(get(names[0], "k0"))).toBe("NoSuchBucket");

    // The same name again starts empty.
    await s3.send(new CreateBucketCommand({ Bucket: names[0] }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: names[0] }))).KeyCount).toBe(0);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name)).toContain(names[0]);
    for (const b of names) await emptyAndDelete(b);
  });
});

describe("copies between buckets", () => {
  const A = bucketName("copysrc");
  const B = bucketName("copydst");
  // Several chunks (8 MiB each), so the copy is a manifest, not an inline row.
  const data = randomData(20 * MiB + 12345);

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: A }));
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutObjectCommand({ Bucket: A, Key: "big", Body: data }));
  });

  test("CopyObject and UploadPartCopy into another bucket survive the source's deletion", async () => {
    const copied = await s3.send(new CopyObjectCommand({ Bucket: B, Key: "copy", CopySource: `${A}/big` }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5Hex(data)}"`);

    // A part from a range that starts and ends inside chunks, and one whole-object part.
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: "assembled" }));
    const first = { start: 3 * MiB + 7, end: 11 * MiB + 99 };
    const p1 = await s3.send(new UploadPartCopyCommand({
      Bucket: B, Key: "assembled", UploadId: up.UploadId, PartNumber: 1, CopySource: `${A}/big`,
      CopySourceRange: `bytes=${first.start}-${first.end}`,
    }));
    const p2 = await s3.send(new UploadPartCopyCommand({
      Bucket: B, Key: "assembled", UploadId: up.UploadId, PartNumber: 2, CopySource: `${A}/big`,
    }));
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: B, Key: "assembled", UploadId: up.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] },
    }));

    // The source goes away entirely (object, then bucket); the copies keep their bytes.
    await emptyAndDelete(A);
    await Bun.sleep(2000); // the gateways run with S3EDGE_GC_INTERVAL_MS=500: the source's chunks are collected
    expect(sameBytes(await get(B, "copy"), data)).toBe("equal");
    const expected = new Uint8Array(first.end - first.start + 1 + data.length);
    expected.set(data.subarray(first.start, first.end + 1));
    expected.set(data, first.end - first.start + 1);
    expect(sameBytes(await get(B, "assembled"), expected)).toBe("equal");
    const r = `bytes=${9 * MiB}-${10 * MiB + 5}`;
    expect(sameBytes(await get(B, "assembled", r), expected.subarray(9 * MiB, 10 * MiB + 6))).toBe("equal");
    await emptyAndDelete(B);
  });
});
