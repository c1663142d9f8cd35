// minio-js 8 (in this process) against the gateway, path-style. partSize is lowered to the
// S3 minimum (5 MiB) so that a stream larger than that goes through multipart.
import { beforeAll, describe, expect, test } from "bun:test";
import { Readable } from "node:stream";
import * as Minio from "minio";
import { bucketName, md5Hex, MiB, randomData, sameBytes, useServer } from "./harness.ts";

const ep = useServer();
const B = bucketName("minio");
let mc: Minio.Client;

beforeAll(() => {
  mc = new Minio.Client({
    endPoint: ep.host,
    port: ep.port,
    useSSL: ep.url.startsWith("https:"),
    accessKey: ep.accessKey,
    secretKey: ep.secretKey,
    region: ep.region,
    pathStyle: true,
    partSize: 5 * MiB,
  });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream as any) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function streamOf(data: Uint8Array, piece = 256 * 1024): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off >= data.length) return void this.push(null);
      this.push(Buffer.from(data.subarray(off, off + piece)));
      off += piece;
    },
  });
}

async function listV2(prefix: string, recursive: boolean, startAfter = ""): Promise<{ names: string[]; prefixes: string[] }> {
  const names: string[] = [];
  const prefixes: string[] = [];
  const stream = mc.listObjectsV2(B, prefix, recursive, startAfter);
  for await (const item of stream as any) {
    if (item.prefix) prefixes.push(item.prefix);
    else names.push(item.name);
  }
  return { names, prefixes };
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; status?: number }> {
  try {
    await p;
  } catch (e: any) {
    return { code: e.code, status: e.amzRequestid === undefined ? e.statusCode : e.statusCode };
  }
  throw new Error("expected the call to fail");
}

let big: Uint8Array;

describe("minio-js", () => {
  test("makeBucket, bucketExists", async () => {
    await mc.makeBucket(B, ep.region);
    expect(await mc.bucketExists(B)).toBe(true);
    expect(await mc.bucketExists(bucketName("minio-none"))).toBe(false);
    const again = await errorOf(mc.makeBucket(B, ep.region));
    expect(["BucketAlreadyOwnedByYou", "BucketAlreadyExists"]).toContain(again.code!);
  });

  test("putObject from a string (single PUT) and a 7 MiB Buffer (multipart); getObject; statObject", async () => {
    await mc.putObject(B, "buf/hello.txt", "hello minio");
    expect(new TextDecoder().decode(await readAll(await mc.getObject(B, "buf/hello.txt")))).toBe("hello minio");
    expect((await mc.statObject(B, "buf/hello.txt")).etag).toBe(md5Hex(new TextEncoder().encode("hello minio")));

    // minio-js turns a Buffer larger than partSize into a stream and uploads it with
    // multipart (its block stream yields the buffer as one part here).
    const data = randomData(7 * MiB);
    const r = await mc.putObject(B, "buf/seven.bin", Buffer.from(data), data.length, { "Content-Type": "application/x-seven", "X-Amz-Meta-Origin": "buffer" });
    expect(r.etag).toMatch(/^[0-9a-f]{32}-\d+$/);
    const back = await readAll(await mc.getObject(B, "buf/seven.bin"));
    expect(sameBytes(back, data)).toBe("equal");
    const st = await mc.statObject(B, "buf/seven.bin");
    expect(st.size).toBe(7 * MiB);
    expect(st.etag).toBe(r.etag);
    expect(st.metaData["content-type"]).toBe("application/x-seven");
    expect(st.metaData.origin).toBe("buffer");
    expect(st.lastModified).toBeInstanceOf(Date);
  });

  test("putObject from a stream > 5 MiB goes multipart (12 MiB → 3 parts); round trip", async () => {
    big = randomData(12 * MiB + 99);
    const r = await mc.putObject(B, "stream/big.bin", streamOf(big), big.length, { "Content-Type": "application/x-big" });
    expect(r.etag).toMatch(/^[0-9a-f]{32}-3$/);
    const st = await mc.statObject(B, "stream/big.bin");
    expect(st.size).toBe(big.length);
    expect(st.metaData["content-type"]).toBe("application/x-big");
    const back = await readAll(await mc.getObject(B, "stream/big.bin"));
    expect(sameBytes(back, big)).toBe("equal");
  });

  test("putObject from a stream of unknown size (multipart of 5 MiB parts)", async () => {
    const data = randomData(11 * MiB);
    const r = await mc.putObject(B, "stream/unknown.bin", streamOf(data));
    expect(r.etag).toMatch(/^[0-9a-f]{32}-3$/);
    expect((await mc.statObject(B, "stream/unknown.bin")).size).toBe(data.length);
  });

  test("getPartialObject: offset+length, offset to end, across part boundaries", async () => {
    const a = await readAll(await mc.getPartialObject(B, "stream/big.bin", 10, 100));
    expect(sameBytes(a, big.subarray(10, 110))).toBe("equal");
    // Across the 5 MiB part boundary.
    const b = await readAll(await mc.getPartialObject(B, "stream/big.bin", 5 * MiB - 1000, 2000));
    expect(sameBytes(b, big.subarray(5 * MiB - 1000, 5 * MiB + 1000))).toBe("equal");
    // length 0 = to the end.
    const c = await readAll(await mc.getPartialObject(B, "stream/big.bin", 12 * MiB));
    expect(sameBytes(c, big.subarray(12 * MiB))).toBe("equal");
  });

  test("statObject / getObject on a missing key → NotFound / NoSuchKey", async () => {
    const st = await errorOf(mc.statObject(B, "nope"));
    expect(st.code).toBe("NotFound");
    const get = await errorOf(mc.getObject(B, "nope"));
    expect(get.code).toBe("NoSuchKey");
  });

  test("listObjectsV2 stream: recursive, delimited, startAfter", async () => {
    const rec = await listV2("", true);
    expect(rec.names).toEqual(["buf/hello.txt", "buf/seven.bin", "stream/big.bin", "stream/unknown.bin"]);
    const top = await listV2("", false);
    expect(top.prefixes).toEqual(["buf/", "stream/"]);
    expect(top.names).toEqual([]);
    const after = await listV2("buf/", true, "buf/hello.txt");
    expect(after.names).toEqual(["buf/seven.bin"]);
    // listObjects (v1) as an event stream: names and sizes.
    const obj = await new Promise<any[]>((res, rej) => {
      const items: any[] = [];
      mc.listObjects(B, "stream/", true).on("data", (d) => items.push(d)).on("end", () => res(items)).on("error", rej);
    });
    expect(obj.map((o) => [o.name, o.size])).toEqual([
      ["stream/big.bin", big.length],
      ["stream/unknown.bin", 11 * MiB],
    ]);
  });

  test("copyObject (CopySourceOptions/CopyDestinationOptions) with metadata replace, and legacy form", async () => {
    const src = new Minio.CopySourceOptions({ Bucket: B, Object: "buf/hello.txt" });
    const dst = new Minio.CopyDestinationOptions({ Bucket: B, Object: "copy/hello copy.txt", MetadataDirective: "REPLACE", UserMetadata: { copied: "yes" } });
    const r = await mc.copyObject(src, dst);
    expect((r as { Key?: string }).Key).toBe("copy/hello copy.txt");
    const st = await mc.statObject(B, "copy/hello copy.txt");
    expect(st.metaData.copied).toBe("yes");
    expect(new TextDecoder().decode(await readAll(await mc.getObject(B, "copy/hello copy.txt")))).toBe("hello minio");

    // Legacy (v1) signature: copyObject(bucket, key, "/bucket/key", conditions)
    const conds = new Minio.CopyConditions();
    conds.setMatchETag(md5Hex(new TextEncoder().encode("hello minio")));
    await mc.copyObject(B, "copy/legacy.txt", `/${B}/buf/hello.txt`, conds);
    expect((await mc.statObject(B, "copy/legacy.txt")).size).toBe(11);
    const bad = new Minio.CopyConditions();
    bad.setMatchETag("00000000000000000000000000000000");
    const err = await errorOf(mc.copyObject(B, "copy/never.txt", `/${B}/buf/hello.txt`, bad));
    expect(err.code).toBe("PreconditionFailed");
  });

  test("composeObject (UploadPartCopy with ranges) concatenates sources", async () => {
    const sources = [
      new Minio.CopySourceOptions({ Bucket: B, Object: "stream/big.bin", MatchRange: true, Start: 0, End: 5 * MiB - 1 }),
      new Minio.CopySourceOptions({ Bucket: B, Object: "buf/hello.txt" }),
    ];
    await mc.composeObject(new Minio.CopyDestinationOptions({ Bucket: B, Object: "copy/composed.bin" }), sources);
    const back = await readAll(await mc.getObject(B, "copy/composed.bin"));
    expect(sameBytes(back, Buffer.concat([big.subarray(0, 5 * MiB), Buffer.from("hello minio")]))).toBe("equal");
  });

  test("presignedGetObject / presignedPutObject + fetch", async () => {
    const data = randomData(40_000);
    const putUrl = await mc.presignedPutObject(B, "presigned/up ü.bin", 120);
    const put = await fetch(putUrl, { method: "PUT", body: data });
    expect(put.status).toBe(200);
    await put.arrayBuffer();
    const getUrl = await mc.presignedGetObject(B, "presigned/up ü.bin", 120, { "response-content-type": "application/x-presigned" });
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/x-presigned");
    expect(sameBytes(new Uint8Array(await got.arrayBuffer()), data)).toBe("equal");
  });

  test("removeObjects (bulk), removeObject, removeBucket", async () => {
    const all = (await listV2("", true)).names;
    const res = await mc.removeObjects(B, all);
    expect(res.flat().filter((r: any) => r && r.Code)).toEqual([]);
    expect((await listV2("", true)).names).toEqual([]);
    await mc.removeObject(B, "never-existed"); // S3: deleting a missing key succeeds
    await mc.removeBucket(B);
    expect(await mc.bucketExists(B)).toBe(false);
  });
});


