// Server-side encryption through the app (createApp + memory deps): each mode round-trips with
// the headers S3 answers, ranges, multipart, copies between modes, the errors of wrong or
// missing keys, the bucket default, dedup within a bucket only, and no plaintext in any blob.
import { describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { concatBytes, errorCode, md5Hex, randomBytes, withBucket } from "../helpers/s3.ts";

const MASTER = { id: "test-key", key: new Uint8Array(32).fill(7) };
const CONFIG = { kmsSecretKey: MASTER, insecureSseC: true };
const MARKER = "PLAINTEXT-MARKER-7f3a";

const ssec = (key: Uint8Array, prefix = "x-amz-server-side-encryption-customer-") => ({
  [`${prefix}algorithm`]: "AES256",
  [`${prefix}key`]: Buffer.from(key).toString("base64"),
  [`${prefix}key-md5`]: createHash("md5").update(key).digest("base64"),
});
const K1 = new Uint8Array(32).fill(1), K2 = new Uint8Array(32).fill(2);
const SSE_S3 = { "x-amz-server-side-encryption": "AES256" };
const KMS = { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "test-key" };

/** A body with the marker spread over several 64 KiB chunks (the unit deps' chunk size). */
const body = (n = 200 * 1024) => {
  const b = randomBytes(n);
  const m = new TextEncoder().encode(MARKER);
  for (let off = 0; off + m.length < n; off += 50_000) b.set(m, off);
  return b;
};

async function blobsContain(env: Awaited<ReturnType<typeof withBucket>>["env"], needle: string): Promise<boolean> {
  const { keys } = await env.deps.blobs.list({ limit: 10_000 });
  for (const k of keys) {
    const got = await env.deps.blobs.get(k);
    if (Buffer.from(await new Response(got!.body).arrayBuffer()).includes(needle)) return true;
  }
  return false;
}

describe("SSE-S3", () => {
  it("round-trips with its header, ETag = MD5 of the plaintext, ranges across chunks, no plaintext stored", async () => {
    const { c, env } = await withBucket("bkt", CONFIG);
    const data = body();
    const put = await c.put("bkt", "k", data, SSE_S3);
    expect(put.status).toBe(200);
    expect(put.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    expect(put.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
    const get = await c.get("bkt", "k");
    expect(get.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(data);
    const head = await c.head("bkt", "k");
    expect(head.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    expect(head.headers.get("content-length")).toBe(String(data.length));
    for (const [s, e] of [[0, 0], [65_530, 65_545], [100, 150_000], [data.length - 10, data.length - 1]]) {
      const r = await c.get("bkt", "k", { range: `bytes=${s}-${e}` });
      expect(r.status).toBe(206);
      expect(new Uint8Array(await r.arrayBuffer())).toEqual(data.subarray(s, e + 1));
    }
    expect(await blobsContain(env, MARKER)).toBe(false);
  });

  it("a small object is sealed too (never inline), and an empty one reads back empty", async () => {
    const { c, env } = await withBucket("bkt", CONFIG);
    await c.put("bkt", "small", MARKER, SSE_S3);
    expect(new TextDecoder().decode(await c.bytes("bkt", "small"))).toBe(MARKER);
    expect(await blobsContain(env, MARKER)).toBe(false);
    expect((await c.put("bkt", "empty", "", SSE_S3)).status).toBe(200);
    expect((await c.bytes("bkt", "empty")).length).toBe(0);
  });

  it("equal content dedups within a bucket, not across buckets", async () => {
    const { c, env } = await withBucket("bkt", CONFIG);
    await c.createBucket("other");
    const data = body(130 * 1024);
    await c.put("bkt", "a", data, SSE_S3);
    const one = await env.deps.meta.countChunks();
    await c.put("bkt", "b", data, SSE_S3);
    expect(await env.deps.meta.countChunks()).toBe(one);
    await c.put("other", "a", data, SSE_S3);
    expect(await env.deps.meta.countChunks()).toBe(one * 2);
  });

  it("without a master key: 501 NotImplemented, nothing stored", async () => {
    const { c } = await withBucket();
    const res = await c.put("bkt", "k", "x", SSE_S3);
    expect([res.status, await errorCode(res)]).toEqual([501, "NotImplemented"]);
    expect((await c.head("bkt", "k")).status).toBe(404);
  });

  it.each([
    ["an unknown algorithm", { "x-amz-server-side-encryption": "AES128" }, 400, "InvalidArgument"],
    ["a KMS key id with AES256", { ...SSE_S3, "x-amz-server-side-encryption-aws-kms-key-id": "test-key" }, 400, "InvalidArgument"],
    ["an encryption context with AES256", { ...SSE_S3, "x-amz-server-side-encryption-context": "e30=" }, 400, "InvalidArgument"],
    ["SSE-C together with SSE-S3", { ...SSE_S3, ...ssec(K1) }, 400, "InvalidArgument"],
  ])("%s → %d %s", async (_n, headers, status, code) => {
    const { c } = await withBucket("bkt", CONFIG);
    const res = await c.put("bkt", "k", "x", headers);
    expect([res.status, await errorCode(res)]).toEqual([status, code]);
  });
});

describe("SSE-KMS", () => {
  it("the master key's name (or its ARN) is the key id; the ETag is not the MD5", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    for (const id of ["test-key", "arn:aws:kms:test-key"]) {
      const put = await c.put("bkt", "k", MARKER, { ...KMS, "x-amz-server-side-encryption-aws-kms-key-id": id });
      expect(put.status).toBe(200);
      expect(put.headers.get("x-amz-server-side-encryption")).toBe("aws:kms");
      expect(put.headers.get("x-amz-server-side-encryption-aws-kms-key-id")).toBe("arn:aws:kms:test-key");
      expect(put.headers.get("etag")).not.toBe(`"${md5Hex(MARKER)}"`);
    }
    const head = await c.head("bkt", "k");
    expect(head.headers.get("x-amz-server-side-encryption-aws-kms-key-id")).toBe("arn:aws:kms:test-key");
    expect(new TextDecoder().decode(await c.bytes("bkt", "k"))).toBe(MARKER);
  });

  it("any other key id → 400 KMS.NotFoundException", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    const res = await c.put("bkt", "k", "x", { ...KMS, "x-amz-server-side-encryption-aws-kms-key-id": "other" });
    expect([res.status, await errorCode(res)]).toEqual([400, "KMS.NotFoundException"]);
  });
});

describe("SSE-C", () => {
  it("round-trips with the key; the key MD5 is answered; ranges", async () => {
    const { c, env } = await withBucket("bkt", CONFIG);
    const data = body();
    const put = await c.put("bkt", "k", data, ssec(K1));
    expect(put.status).toBe(200);
    expect(put.headers.get("x-amz-server-side-encryption-customer-key-md5")).toBe(ssec(K1)["x-amz-server-side-encryption-customer-key-md5"]);
    expect(put.headers.get("etag")).not.toBe(`"${md5Hex(data)}"`);
    expect(await c.bytes("bkt", "k", ssec(K1))).toEqual(data);
    const r = await c.get("bkt", "k", { ...ssec(K1), range: "bytes=60000-70000" });
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(data.subarray(60000, 70001));
    expect(await blobsContain(env, MARKER)).toBe(false);
  });

  it.each([
    ["no key", {}, 400, "InvalidRequest"],
    ["a wrong key", ssec(K2), 403, "AccessDenied"],
    ["a key whose MD5 does not match", { ...ssec(K1), "x-amz-server-side-encryption-customer-key-md5": ssec(K2)["x-amz-server-side-encryption-customer-key-md5"] }, 400, "InvalidArgument"],
    ["a short key", { ...ssec(K1), "x-amz-server-side-encryption-customer-key": "a2V5" }, 400, "InvalidArgument"],
    ["another algorithm", { ...ssec(K1), "x-amz-server-side-encryption-customer-algorithm": "AES128" }, 400, "InvalidArgument"],
  ])("GET and HEAD with %s → %d %s", async (_n, headers, status, code) => {
    const { c } = await withBucket("bkt", CONFIG);
    await c.put("bkt", "k", "secret", ssec(K1));
    const res = await c.get("bkt", "k", headers);
    expect([res.status, await errorCode(res)]).toEqual([status, code]);
    expect((await c.head("bkt", "k", headers)).status).toBe(status);
  });

  it("SSE-C headers on an object stored without them → 400; equal content under two keys never dedups", async () => {
    const { c, env } = await withBucket("bkt", CONFIG);
    await c.put("bkt", "plain", "x");
    expect((await c.get("bkt", "plain", ssec(K1))).status).toBe(400);
    const data = body(70 * 1024);
    await c.put("bkt", "a", data, ssec(K1));
    const n = await env.deps.meta.countChunks();
    await c.put("bkt", "b", data, ssec(K1));
    expect(await env.deps.meta.countChunks()).toBe(n + 2);
  });

  it("over plain HTTP without insecureSseC → 400 InvalidRequest", async () => {
    const { c } = await withBucket("bkt", { kmsSecretKey: MASTER });
    const res = await c.put("bkt", "k", "x", ssec(K1));
    expect([res.status, await errorCode(res)]).toEqual([400, "InvalidRequest"]);
  });
});

describe("bucket default encryption", () => {
  const rule = (alg: string, extra = "") => `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${alg}</SSEAlgorithm>${extra}</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;

  it("is stored, read back and applied to PUTs and multipart uploads without SSE headers", async () => {
    const { c, env } = await withBucket("bkt", CONFIG);
    expect((await c.send("/bkt?encryption", { method: "PUT", body: rule("aws:kms", "<KMSMasterKeyID>test-key</KMSMasterKeyID>") })).status).toBe(200);
    const doc = await c.xml("/bkt?encryption");
    expect(doc.ServerSideEncryptionConfiguration.Rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm).toBe("aws:kms");
    const put = await c.put("bkt", "k", MARKER);
    expect(put.headers.get("x-amz-server-side-encryption")).toBe("aws:kms");
    expect(await blobsContain(env, MARKER)).toBe(false);
    const id = await c.createUpload("bkt", "mp");
    const etag = await c.uploadPart("bkt", "mp", id, 1, new TextEncoder().encode(MARKER));
    const done = await c.complete("bkt", "mp", id, [{ n: 1, etag }]);
    expect(done.headers.get("x-amz-server-side-encryption")).toBe("aws:kms");
    expect((await c.head("bkt", "mp")).headers.get("x-amz-server-side-encryption")).toBe("aws:kms");
    expect(await blobsContain(env, MARKER)).toBe(false);
  });

  it("naming another KMS key → KMS.NotFoundException; without a master key → 501", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    const res = await c.send("/bkt?encryption", { method: "PUT", body: rule("aws:kms", "<KMSMasterKeyID>nope</KMSMasterKeyID>") });
    expect([res.status, await errorCode(res)]).toEqual([400, "KMS.NotFoundException"]);
    const { c: plain } = await withBucket();
    expect((await plain.send("/bkt?encryption", { method: "PUT", body: rule("AES256") })).status).toBe(501);
  });
});

describe("multipart", () => {
  it("SSE-C parts must bring the upload's key; the object reads back whole and by part", async () => {
    const { c, env } = await withBucket("bkt", { ...CONFIG, chunkSize: 1024 * 1024 }); // a 5 MiB part in few chunks
    const id = await c.createUpload("bkt", "mp", ssec(K1));
    const p1 = body(5 * 1024 * 1024), p2 = body(100 * 1024); // S3's smallest part but the last
    const missing = await c.send(`/bkt/mp?partNumber=1&uploadId=${id}`, { method: "PUT", body: p1 });
    expect([missing.status, await errorCode(missing)]).toEqual([400, "InvalidRequest"]);
    const wrong = await c.send(`/bkt/mp?partNumber=1&uploadId=${id}`, { method: "PUT", body: p1, headers: ssec(K2) });
    expect(wrong.status).toBe(400);
    const e1 = (await c.send(`/bkt/mp?partNumber=1&uploadId=${id}`, { method: "PUT", body: p1, headers: ssec(K1) })).headers.get("etag")!;
    const e2 = (await c.send(`/bkt/mp?partNumber=2&uploadId=${id}`, { method: "PUT", body: p2, headers: ssec(K1) })).headers.get("etag")!;
    expect(e1).not.toBe(`"${md5Hex(p1)}"`);
    expect((await c.complete("bkt", "mp", id, [{ n: 1, etag: e1 }, { n: 2, etag: e2 }])).status).toBe(200);
    expect(await c.bytes("bkt", "mp", ssec(K1))).toEqual(concatBytes(p1, p2));
    const part2 = await c.send("/bkt/mp?partNumber=2", { headers: ssec(K1) });
    expect(new Uint8Array(await part2.arrayBuffer())).toEqual(p2);
    expect((await c.get("bkt", "mp")).status).toBe(400);
    expect(await blobsContain(env, MARKER)).toBe(false);
  });
});

describe("copy between modes", () => {
  it("SSE-C → SSE-S3 → clear → SSE-C, with the source's key in x-amz-copy-source-server-side-encryption-customer-*", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    const data = body(150 * 1024);
    await c.put("bkt", "c1", data, ssec(K1));
    const noKey = await c.send("/bkt/s3", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/c1", ...SSE_S3 } });
    expect(noKey.status).toBe(400);
    const toS3 = await c.send("/bkt/s3", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/c1", ...SSE_S3, ...ssec(K1, "x-amz-copy-source-server-side-encryption-customer-") } });
    expect(toS3.status).toBe(200);
    expect(toS3.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    expect(await c.bytes("bkt", "s3")).toEqual(data);
    expect((await c.send("/bkt/clear", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/s3" } })).status).toBe(200);
    const clear = await c.get("bkt", "clear");
    expect(clear.headers.get("x-amz-server-side-encryption")).toBeNull();
    expect(new Uint8Array(await clear.arrayBuffer())).toEqual(data);
    expect((await c.send("/bkt/c2", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/clear", ...ssec(K2) } })).status).toBe(200);
    expect(await c.bytes("bkt", "c2", ssec(K2))).toEqual(data);
    // Re-encrypting an object onto itself is a legal copy (it changes the encryption).
    expect((await c.send("/bkt/clear", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/clear", ...SSE_S3 } })).status).toBe(200);
    expect((await c.head("bkt", "clear")).headers.get("x-amz-server-side-encryption")).toBe("AES256");
  });

  it("UploadPartCopy from an SSE-C source into an SSE-S3 upload, with a range", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    const data = body(300 * 1024);
    await c.put("bkt", "src", data, ssec(K1));
    const id = await c.createUpload("bkt", "mp", SSE_S3);
    const r = await c.send(`/bkt/mp?partNumber=1&uploadId=${id}`, {
      method: "PUT", headers: { "x-amz-copy-source": "/bkt/src", "x-amz-copy-source-range": "bytes=1-200000", ...ssec(K1, "x-amz-copy-source-server-side-encryption-customer-") },
    });
    expect(r.status).toBe(200);
    const etag = /<ETag>([^<]+)<\/ETag>/.exec(await r.text())![1].replace(/&quot;/g, '"');
    expect((await c.complete("bkt", "mp", id, [{ n: 1, etag }])).status).toBe(200);
    expect(await c.bytes("bkt", "mp")).toEqual(data.subarray(1, 200001));
  });
});

describe("ListParts and GetObjectAttributes", () => {
  it("answer the encryption; GetObjectAttributes of an SSE-C object needs its key", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    const id = await c.createUpload("bkt", "mp", KMS);
    const lp = await c.send(`/bkt/mp?uploadId=${id}`);
    expect(lp.headers.get("x-amz-server-side-encryption")).toBe("aws:kms");
    await c.put("bkt", "c", "x", ssec(K1));
    const attrs = { "x-amz-object-attributes": "ETag,ObjectSize" };
    expect((await c.send("/bkt/c?attributes", { headers: attrs })).status).toBe(400);
    const ok = await c.send("/bkt/c?attributes", { headers: { ...attrs, ...ssec(K1) } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-amz-server-side-encryption-customer-algorithm")).toBe("AES256");
  });
});

describe("versions", () => {
  it("a noncurrent encrypted version keeps its encryption and reads back (sharded store too)", async () => {
    for (const sharded of [false, true]) {
      const { c } = await withBucket("bkt", CONFIG, { sharded });
      await c.send("/bkt?versioning", { method: "PUT", body: "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>" });
      const v1 = (await c.put("bkt", "k", "first " + MARKER, ssec(K1))).headers.get("x-amz-version-id")!;
      await c.put("bkt", "k", "second", SSE_S3);
      expect(new TextDecoder().decode(await c.bytes("bkt", "k"))).toBe("second");
      expect((await c.send(`/bkt/k?versionId=${v1}`)).status).toBe(400);
      expect(new TextDecoder().decode(await c.bytes("bkt", `k?versionId=${v1}`, ssec(K1)))).toBe("first " + MARKER);
    }
  });
});

describe("copy onto itself", () => {
  it("is legal when the encryption changes (SSE-C → clear), illegal when nothing does", async () => {
    const { c } = await withBucket("bkt", CONFIG);
    await c.put("bkt", "k", "x", ssec(K1));
    const src = ssec(K1, "x-amz-copy-source-server-side-encryption-customer-");
    expect((await c.send("/bkt/k", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/k", ...src } })).status).toBe(200);
    expect(new TextDecoder().decode(await c.bytes("bkt", "k"))).toBe("x");
    const again = await c.send("/bkt/k", { method: "PUT", headers: { "x-amz-copy-source": "/bkt/k" } });
    expect([again.status, await errorCode(again)]).toEqual([400, "InvalidRequest"]);
  });
});
