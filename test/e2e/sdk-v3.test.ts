// @aws-sdk/client-s3 v3 (in this process) against the gateway. The SDK computes a CRC32
// flexible checksum by default; for a streaming body it sends it as a trailer in an
// aws-chunked body (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER), which the
// tests below verify on the wire before trusting the result.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
  type ChecksumAlgorithm,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { bucketName, md5Hex, MiB, randomData, runtime, sameBytes, useServer, xmlCode, sdkConfig } from "./harness.ts";

const ep = useServer();
const B = bucketName("sdkv3");
let s3: S3Client;
/** The SDK's defaults untouched, Expect: 100-continue included (one test uses it on workerd too). */
let s3Default: S3Client;
/** Request headers of every request the SDK sent, after signing, by operation. */
const sent: { op: string; headers: Record<string, string> }[] = [];
// workerd never sends 100 Continue (workers-sdk#7185), so before every body of 2 MiB or more the
// SDK would wait out its 6 s timeout and then send anyway: there, `s3` leaves the header off.
const noExpect = runtime() === "workerd" ? { expectContinueHeader: false } : {};

function recorded(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args: any) => {
      sent.push({ op: String(context.commandName), headers: { ...(args.request?.headers ?? {}) } });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "e2eRecorder" },
  );
  return client;
}

beforeAll(() => {
  s3 = recorded(new S3Client({ ...sdkConfig(ep), ...noExpect }));
  // The SDK default again (sdkConfig turns the header off on workerd): 2 MiB and up send Expect.
  s3Default = recorded(new S3Client({ ...sdkConfig(ep), expectContinueHeader: 2 * 1024 * 1024 }));
});
afterAll(() => {
  s3?.destroy();
  s3Default?.destroy();
});

function lastSent(op: string) {
  for (let i = sent.length - 1; i >= 0; i--) if (sent[i].op === op) return sent[i].headers;
  throw new Error(`no ${op} was sent`);
}

/** A Node Readable that yields `data` in uneven pieces (so aws-chunked framing is exercised). */
function streamOf(data: Uint8Array, piece = 100_003): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off >= data.length) return void this.push(null);
      this.push(Buffer.from(data.subarray(off, off + piece)));
      off += piece;
    },
  });
}

async function bodyBytes(out: { Body?: any }): Promise<Uint8Array> {
  return await out.Body!.transformToByteArray();
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status?: number; code?: string }> {
  let ok: any;
  try {
    ok = await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, code: (err as any).Code };
  }
  // Drain an unexpected success's body so its socket is not torn down mid-stream later.
  await ok?.Body?.transformToByteArray?.().catch(() => {});
  return { name: "(succeeded)", status: ok?.$metadata?.httpStatusCode };
}

describe("@aws-sdk/client-s3", () => {
  test("CreateBucket; HeadBucket", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    const head = await s3.send(new HeadBucketCommand({ Bucket: B }));
    expect(head.$metadata.httpStatusCode).toBe(200);
  });

  test("PutObject with a Buffer body: CRC32 header checksum; GetObject streams it back", async () => {
    const data = randomData(200_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "buf/obj.bin", Body: data, ContentType: "application/x-buf", Metadata: { a: "1" } }));
    const h = lastSent("PutObjectCommand");
    expect(h["x-amz-checksum-crc32"]).toBeDefined();
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    expect(put.ChecksumCRC32).toBe(h["x-amz-checksum-crc32"]);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "buf/obj.bin" }));
    expect(got.ContentType).toBe("application/x-buf");
    expect(got.Metadata).toEqual({ a: "1" });
    // Read as a web stream, chunk by chunk.
    const reader = (got.Body as any).transformToWebStream().getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value);
    }
    expect(sameBytes(Buffer.concat(chunks), data)).toBe("equal");
    // S3 always sends Content-Length on a GET object response.
    expect(got.ContentLength).toBe(200_000);
  });

  for (const alg of ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as ChecksumAlgorithm[]) {
    test(`PutObject with a stream body: aws-chunked + ${alg} trailer; GetObject with ChecksumMode validates`, async () => {
      const data = randomData(3 * MiB + 17);
      const key = `stream/${alg}.bin`;
      // The CRC32 case goes with the SDK's defaults everywhere: Expect: 100-continue (3 MiB ≥ its 2 MiB threshold).
      const client = alg === "CRC32" ? s3Default : s3;
      const put = await client.send(new PutObjectCommand({ Bucket: B, Key: key, Body: streamOf(data), ContentLength: data.length, ChecksumAlgorithm: alg }));
      const h = lastSent("PutObjectCommand");
      if (alg === "CRC32") expect(h.Expect ?? h.expect).toBe("100-continue");
      // The path under test really was taken:
      expect({
        encoding: h["content-encoding"],
        sha: h["x-amz-content-sha256"],
        trailer: h["x-amz-trailer"],
        decoded: h["x-amz-decoded-content-length"],
      }).toEqual({
        encoding: "aws-chunked",
        sha: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        trailer: `x-amz-checksum-${alg.toLowerCase()}`,
        decoded: String(data.length),
      });
      expect(put.ETag).toBe(`"${md5Hex(data)}"`);
      const member = `Checksum${alg}` as const;
      expect(typeof (put as any)[member]).toBe("string");
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: "ENABLED" }));
      expect((got as any)[member]).toBe((put as any)[member]);
      // The SDK validates the body against the checksum while it is read.
      expect(sameBytes(await bodyBytes(got), data)).toBe("equal");
      // Stored content must not include aws-chunked framing or the Content-Encoding token.
      const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key }));
      expect(head.ContentLength).toBe(data.length);
      expect(head.ContentEncoding ?? "").not.toContain("aws-chunked");
    });
  }

  test("stream body with ContentEncoding gzip: 'gzip,aws-chunked' on the wire, 'gzip' stored", async () => {
    const gz = Bun.gzipSync(new TextEncoder().encode("compressed ".repeat(1000)));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "stream/gz.txt", Body: streamOf(gz, 1000), ContentLength: gz.length, ContentEncoding: "gzip", ContentType: "text/plain" }));
    expect(lastSent("PutObjectCommand")["content-encoding"]).toBe("gzip,aws-chunked");
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "stream/gz.txt" }));
    expect(head.ContentEncoding).toBe("gzip");
    expect(head.ContentLength).toBe(gz.length);
    // The stored bytes are the gzip stream itself (S3 never decodes Content-Encoding).
    const raw = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: "stream/gz.txt" })), { decompress: false } as any);
    expect(raw.headers.get("content-encoding")).toBe("gzip");
    expect(sameBytes(new Uint8Array(await raw.arrayBuffer()), gz)).toBe("equal");
  });

  test("empty object: PutObject of 0 bytes (stream and buffer), GetObject returns 0 bytes", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: "empty/buf", Body: new Uint8Array(0) }));
    expect(put.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    await s3.send(new PutObjectCommand({ Bucket: B, Key: "empty/stream", Body: streamOf(new Uint8Array(0)), ContentLength: 0 }));
    for (const key of ["empty/buf", "empty/stream"]) {
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key }));
      expect((await bodyBytes(got)).length).toBe(0);
      const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key }));
      expect({ key, len: head.ContentLength, etag: head.ETag }).toEqual({ key, len: 0, etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    }
  });

  test("PutObject stream with a wrong trailing checksum is rejected (BadDigest) and stores nothing", async () => {
    const data = randomData(300_000);
    const key = "stream/bad-trailer.bin";
    // A checksum implementation that always reports the checksum of other bytes.
    const liar = new S3Client({
      ...sdkConfig(ep),
      checksumAlgorithms: {
        CRC32: class {
          update() {}
          async digest() {
            return new Uint8Array([1, 2, 3, 4]);
          }
          reset() {}
        } as any,
      },
    } as any);
    const body = streamOf(data);
    body.on("error", () => {}); // the SDK aborts the body once the server has answered
    try {
      const err = await errorOf(liar.send(new PutObjectCommand({ Bucket: B, Key: key, Body: body, ContentLength: data.length, ChecksumAlgorithm: "CRC32" })));
      expect({ name: err.name, status: err.status }).toEqual({ name: "BadDigest", status: 400 });
    } finally {
      liar.destroy();
    }
    const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket: B, Key: key })));
    expect(head.status).toBe(404);
  });

  test("Upload (lib-storage) multipart from a stream, 17 MiB in 5 MiB parts", async () => {
    const data = randomData(17 * MiB + 5);
    const up = new Upload({
      client: s3,
      params: { Bucket: B, Key: "upload/big.bin", Body: streamOf(data, 1 << 20), ContentType: "application/x-upload" },
      partSize: 5 * MiB,
      queueSize: 2,
    });
    const parts: number[] = [];
    up.on("httpUploadProgress", (p) => p.part && parts.push(p.part));
    const res = await up.done();
    expect(res.ETag).toMatch(/^"[0-9a-f]{32}-4"$/);
    expect(new Set(parts).size).toBe(4);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "upload/big.bin" }));
    expect(got.ContentType).toBe("application/x-upload");
    expect(sameBytes(await bodyBytes(got), data)).toBe("equal");
  });

  test("Upload (lib-storage) of a small body uses a single PutObject", async () => {
    const data = randomData(1000);
    const res = await new Upload({ client: s3, params: { Bucket: B, Key: "upload/small.bin", Body: data } }).done();
    expect(res.ETag).toBe(`"${md5Hex(data)}"`);
  });

  test("ListObjectsV2 pagination (paginator, MaxKeys, StartAfter, Delimiter)", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `page/k${i}`);
    await Promise.all(keys.map((k) => s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: k }))));
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: B, Prefix: "page/" })) {
      pages.push((page.Contents ?? []).map((o) => o.Key!));
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
    }
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)]);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "page/", StartAfter: "page/k4" }));
    expect(after.Contents!.map((o) => o.Key)).toEqual(["page/k5", "page/k6"]);
    const top = await s3.send(new ListObjectsV2Command({ Bucket: B, Delimiter: "/" }));
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["buf/", "empty/", "page/", "stream/", "upload/"]);
    // Delimited listing paged one entry at a time: common prefixes count towards MaxKeys and
    // each appears once across pages.
    const entries: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: B, Delimiter: "/" })) {
      entries.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
      expect((page.CommonPrefixes?.length ?? 0) + (page.Contents?.length ?? 0)).toBeLessThanOrEqual(1);
    }
    expect(entries).toEqual(["buf/", "empty/", "page/", "stream/", "upload/"]);
    expect(top.Contents ?? []).toEqual([]);
    const owner = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "page/", FetchOwner: true, MaxKeys: 1 }));
    expect(owner.Contents![0].Owner?.ID).toBeTruthy();
    expect(owner.MaxKeys).toBe(1);
    expect(owner.IsTruncated).toBe(true);
  });

  test("CopyObject: source keys with spaces/unicode/'+', REPLACE metadata, missing source", async () => {
    const src = "copy/src ü+x.txt";
    await s3.send(new PutObjectCommand({ Bucket: B, Key: src, Body: "copy me", Metadata: { orig: "yes" }, ContentType: "text/plain" }));
    // CopySource must be URL-encoded by the caller (SDK v3 passes it through).
    const copy = await s3.send(new CopyObjectCommand({ Bucket: B, Key: "copy/dst.txt", CopySource: `${B}/${encodeURIComponent(src)}` }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5Hex(new TextEncoder().encode("copy me"))}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: "copy/dst.txt" }));
    expect(await got.Body!.transformToString()).toBe("copy me");
    expect(got.Metadata).toEqual({ orig: "yes" });

    await s3.send(new CopyObjectCommand({ Bucket: B, Key: "copy/dst2.txt", CopySource: `${B}/${encodeURIComponent(src)}`, MetadataDirective: "REPLACE", Metadata: { new: "1" }, ContentType: "text/x-new" }));
    const h2 = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "copy/dst2.txt" }));
    expect(h2.Metadata).toEqual({ new: "1" });
    expect(h2.ContentType).toBe("text/x-new");

    // Conditional copy: x-amz-copy-source-if-match with a wrong ETag → 412.
    // Copying onto itself is allowed with REPLACE (the way to change metadata in place).
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: "copy/dst2.txt", CopySource: `${B}/copy/dst2.txt`, MetadataDirective: "REPLACE", Metadata: { newer: "2" }, ContentType: "text/x-newer" }));
    const h3 = await s3.send(new HeadObjectCommand({ Bucket: B, Key: "copy/dst2.txt" }));
    expect({ meta: h3.Metadata, type: h3.ContentType, len: h3.ContentLength }).toEqual({ meta: { newer: "2" }, type: "text/x-newer", len: 7 });

    const pre = await errorOf(s3.send(new CopyObjectCommand({ Bucket: B, Key: "copy/dst3.txt", CopySource: `${B}/${encodeURIComponent(src)}`, CopySourceIfMatch: '"00000000000000000000000000000000"' })));
    expect({ name: pre.name, status: pre.status }).toEqual({ name: "PreconditionFailed", status: 412 });

    const missing = await errorOf(s3.send(new CopyObjectCommand({ Bucket: B, Key: "copy/x", CopySource: `${B}/copy/none` })));
    expect({ name: missing.name, status: missing.status }).toEqual({ name: "NoSuchKey", status: 404 });
  });

  test("DeleteObjects (verbose and quiet), DeleteObject of a missing key is 204", async () => {
    const keys = ["del/a", "del/b", "del/c d"];
    await Promise.all(keys.map((k) => s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: "x" }))));
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: "del/a" }, { Key: "del/c d" }, { Key: "del/zzz" }] } }));
    expect(res.Deleted!.map((d) => d.Key).sort()).toEqual(["del/a", "del/c d", "del/zzz"]);
    expect(res.Errors ?? []).toEqual([]);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: "del/b" }], Quiet: true } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "del/" }));
    expect(left.KeyCount).toBe(0);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: "del/never" }));
    expect(del.$metadata.httpStatusCode).toBe(204);
  });

  test("errors: HeadObject missing → NotFound 404; GetObject missing → NoSuchKey; missing bucket → NoSuchBucket / NotFound", async () => {
    const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket: B, Key: "nope" })));
    expect(head).toMatchObject({ name: "NotFound", status: 404 });
    const get = await errorOf(s3.send(new GetObjectCommand({ Bucket: B, Key: "nope" })));
    expect(get).toMatchObject({ name: "NoSuchKey", status: 404 });
    const nb = bucketName("sdkv3-missing");
    const getNb = await errorOf(s3.send(new GetObjectCommand({ Bucket: nb, Key: "x" })));
    expect(getNb).toMatchObject({ name: "NoSuchBucket", status: 404 });
    const headNb = await errorOf(s3.send(new HeadBucketCommand({ Bucket: nb })));
    expect(headNb).toMatchObject({ name: "NotFound", status: 404 });
    const putNb = await errorOf(s3.send(new PutObjectCommand({ Bucket: nb, Key: "x", Body: "x" })));
    expect(putNb).toMatchObject({ name: "NoSuchBucket", status: 404 });
    const delNb = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: nb })));
    expect(delNb).toMatchObject({ name: "NoSuchBucket", status: 404 });
    const bad = await errorOf(s3.send(new CreateBucketCommand({ Bucket: "Bad_Bucket_Name" })));
    expect(bad).toMatchObject({ name: "InvalidBucketName", status: 400 });
  });

  test("signing errors: clock skew → 403 RequestTimeTooSkewed; wrong region in the scope → 400 AuthorizationHeaderMalformed", async () => {
    const mk = (extra: Record<string, unknown>) =>
      new S3Client({
        ...sdkConfig(ep),
        ...extra,
      } as any);
    const skewed = mk({ systemClockOffset: -60 * 60 * 1000 }); // signs one hour in the past
    const wrongRegion = mk({ region: "eu-west-3" });
    try {
      const a = await errorOf(skewed.send(new HeadBucketCommand({ Bucket: B })));
      expect(a.status).toBe(403);
      // SDK v3 corrects its clock offset from the Date of a skew error, so use a fresh client.
      const skewed2 = mk({ systemClockOffset: -60 * 60 * 1000 });
      const a2 = await errorOf(skewed2.send(new GetObjectCommand({ Bucket: B, Key: "buf/obj.bin" }))).finally(() => skewed2.destroy());
      expect({ name: a2.name, status: a2.status }).toEqual({ name: "RequestTimeTooSkewed", status: 403 });
      const b = await errorOf(wrongRegion.send(new GetObjectCommand({ Bucket: B, Key: "buf/obj.bin" })));
      expect({ name: b.name, status: b.status }).toEqual({ name: "AuthorizationHeaderMalformed", status: 400 });
    } finally {
      skewed.destroy();
      wrongRegion.destroy();
    }
  });

  test("ListMultipartUploads and ListParts pagination (MaxUploads / MaxParts markers)", async () => {
    const ids: string[] = [];
    for (const k of ["mpu/a", "mpu/b", "mpu/c"]) {
      ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: k }))).UploadId!);
    }
    try {
      const p1 = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, Prefix: "mpu/", MaxUploads: 2 }));
      expect(p1.Uploads!.map((u) => u.Key)).toEqual(["mpu/a", "mpu/b"]);
      expect(p1.IsTruncated).toBe(true);
      expect(p1.NextKeyMarker).toBe("mpu/b");
      const p2 = await s3.send(new ListMultipartUploadsCommand({ Bucket: B, Prefix: "mpu/", MaxUploads: 2, KeyMarker: p1.NextKeyMarker, UploadIdMarker: p1.NextUploadIdMarker }));
      expect(p2.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([["mpu/c", ids[2]]]);
      expect(p2.IsTruncated).toBe(false);

      const body = randomData(1000);
      for (const n of [1, 2, 3]) await s3.send(new UploadPartCommand({ Bucket: B, Key: "mpu/a", UploadId: ids[0], PartNumber: n, Body: body }));
      const lp1 = await s3.send(new ListPartsCommand({ Bucket: B, Key: "mpu/a", UploadId: ids[0], MaxParts: 2 }));
      expect(lp1.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
      expect(lp1.IsTruncated).toBe(true);
      expect(String(lp1.NextPartNumberMarker)).toBe("2");
      const lp2 = await s3.send(new ListPartsCommand({ Bucket: B, Key: "mpu/a", UploadId: ids[0], MaxParts: 2, PartNumberMarker: lp1.NextPartNumberMarker }));
      expect(lp2.Parts!.map((p) => p.PartNumber)).toEqual([3]);
      expect(lp2.IsTruncated).toBe(false);
    } finally {
      for (const [i, k] of ["mpu/a", "mpu/b", "mpu/c"].entries()) await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: k, UploadId: ids[i] }));
    }
  });

  test("multipart errors: part number 10001, parts out of order, no parts, unknown upload id", async () => {
    const key = "mpu/errors";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: key }));
    try {
      const big = await errorOf(s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 10001, Body: "x" })));
      expect({ name: big.name, status: big.status }).toEqual({ name: "InvalidArgument", status: 400 });
      const body = randomData(5 * MiB);
      const p1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 1, Body: body }));
      const p2 = await s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 2, Body: "tail" }));
      const order = await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }] } })));
      expect({ name: order.name, status: order.status }).toEqual({ name: "InvalidPartOrder", status: 400 });
      const none = await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts: [] } })));
      expect({ name: none.name, status: none.status }).toEqual({ name: "MalformedXML", status: 400 });
      // Still completable after the failed attempts.
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
      expect(done.ETag).toMatch(/-2"$/);
      expect((await s3.send(new HeadObjectCommand({ Bucket: B, Key: key }))).ContentLength).toBe(5 * MiB + 4);
    } finally {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: B, Key: key, UploadId })).catch(() => {});
    }
    const unknown = await errorOf(s3.send(new UploadPartCommand({ Bucket: B, Key: key, UploadId: "no-such-upload", PartNumber: 1, Body: "x" })));
    expect({ name: unknown.name, status: unknown.status }).toEqual({ name: "NoSuchUpload", status: 404 });
  });

  test("user metadata over 2 KB → 400 MetadataTooLarge", async () => {
    const err = await errorOf(s3.send(new PutObjectCommand({ Bucket: B, Key: "meta/too-large", Body: "x", Metadata: { big: "v".repeat(2100) } })));
    expect({ name: err.name, status: err.status }).toEqual({ name: "MetadataTooLarge", status: 400 });
    const okPut = await s3.send(new PutObjectCommand({ Bucket: B, Key: "meta/fits", Body: "x", Metadata: { big: "v".repeat(1900) } }));
    expect(okPut.$metadata.httpStatusCode).toBe(200);
  });

  test("listing more than 1000 keys: pages are capped at 1000; DeleteObjects of 1000 keys at once", async () => {
    const N = 1003;
    const keys = Array.from({ length: N }, (_, i) => `many/${String(i).padStart(5, "0")}`);
    for (let i = 0; i < N; i += 32) {
      await Promise.all(keys.slice(i, i + 32).map((k) => s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: "" }))));
    }
    const first = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "many/", MaxKeys: 5000 }));
    expect(first.KeyCount).toBe(1000);
    expect(first.IsTruncated).toBe(true);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "many/", ContinuationToken: first.NextContinuationToken }));
    expect(rest.Contents!.map((o) => o.Key)).toEqual(keys.slice(1000));
    const del = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: keys.slice(0, 1000).map((Key) => ({ Key })), Quiet: true } }));
    expect(del.Errors ?? []).toEqual([]);
    await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: keys.slice(1000).map((Key) => ({ Key })) } }));
    const left = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: "many/" }));
    expect(left.KeyCount).toBe(0);
  });

  test("getSignedUrl GET/PUT + fetch", async () => {
    const data = randomData(50_000);
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: B, Key: "signed/file name.bin" }), { expiresIn: 120 });
    expect(putUrl).toContain("X-Amz-Signature=");
    const put = await fetch(putUrl, { method: "PUT", body: data });
    expect(put.status).toBe(200);
    expect(put.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: "signed/file name.bin", ResponseContentDisposition: "attachment; filename=x.bin" }), { expiresIn: 120 });
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-disposition")).toBe("attachment; filename=x.bin");
    expect(sameBytes(new Uint8Array(await got.arrayBuffer()), data)).toBe("equal");
    // Without any query auth the request is anonymous → 403 AccessDenied; with the other
    // X-Amz-* parameters but no signature it is malformed → 400 AuthorizationQueryParametersError.
    const anon = await fetch(getUrl.slice(0, getUrl.indexOf("?")));
    expect({ status: anon.status, code: xmlCode(await anon.text()) }).toEqual({ status: 403, code: "AccessDenied" });
    const partial = await fetch(getUrl.replace(/&?X-Amz-Signature=[0-9a-f]+/, ""));
    expect({ status: partial.status, code: xmlCode(await partial.text()) }).toEqual({ status: 400, code: "AuthorizationQueryParametersError" });
  });
});
