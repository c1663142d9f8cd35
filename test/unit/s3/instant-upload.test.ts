// Instant upload (s3/instant-upload.ts): a PUT naming its content by SHA-256 and size, answered
// from an object of the same bucket the caller may read; the copy shares the chunks.
import { describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { collectGarbage } from "../../../src/store/gc.ts";
import { errorCode, KiB, MiB, md5B64, md5Hex, parseXmlText, randomBytes, withBucket } from "../helpers/s3.ts";

const DATA = randomBytes(300 * KiB, 7); // five 64 KiB chunks in the test config
const sha256B64 = (b: Uint8Array) => createHash("sha256").update(b).digest("base64");
const instant = (data: Uint8Array, extra: Record<string, string> = {}) => ({
  method: "PUT", body: new Uint8Array(), contentLength: "0",
  headers: { "x-s3edge-instant": String(data.length), "x-amz-checksum-sha256": sha256B64(data), ...extra },
});

async function withSource(opts?: Parameters<typeof withBucket>[2], putHeaders: Record<string, string> = { "x-amz-checksum-sha256": sha256B64(DATA) }) {
  const b = await withBucket("bkt", undefined, opts);
  expect((await b.c.put("bkt", "src", DATA, putHeaders)).status).toBe(200);
  return b;
}

describe.each([["SQLite", false], ["sharded", true]] as const)("instant upload (%s store)", (_name, sharded) => {
  it("a hit creates the object without bytes: 200, the content's MD5 as ETag, same bytes, no new blobs", async () => {
    const { env, c } = await withSource({ sharded });
    const blobs = env.blobs.size();
    const res = await c.send("/bkt/copy", instant(DATA, { "content-type": "text/x-copy", "x-amz-meta-a": "1" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${md5Hex(DATA)}"`);
    expect(res.headers.get("x-amz-checksum-sha256")).toBe(sha256B64(DATA));
    expect(env.blobs.size()).toBe(blobs);
    expect(await c.bytes("bkt", "copy")).toEqual(DATA);
    const head = await c.head("bkt", "copy");
    expect(head.headers.get("content-type")).toBe("text/x-copy");
    expect(head.headers.get("x-amz-meta-a")).toBe("1");
  });

  it("a miss, a wrong size, a wrong hash or a wrong Content-MD5 is 412 ContentNotStored and writes nothing", async () => {
    const { c } = await withSource({ sharded });
    const other = randomBytes(1000, 9);
    for (const opts of [
      instant(other),
      { ...instant(DATA), headers: { ...instant(DATA).headers, "x-s3edge-instant": String(DATA.length + 1) } },
      { ...instant(DATA), headers: { ...instant(DATA).headers, "x-amz-checksum-sha256": sha256B64(other) } },
      instant(DATA, { "content-md5": md5B64(other) }),
    ]) {
      const res = await c.send("/bkt/copy", opts);
      expect(res.status).toBe(412);
      expect(await errorCode(res)).toBe("ContentNotStored");
    }
    expect((await c.head("bkt", "copy")).status).toBe(404);
    expect((await c.send("/bkt/copy", instant(DATA, { "content-md5": md5B64(DATA) }))).status).toBe(200);
  });

  it("malformed requests are 400s: a body, no checksum, a size that is not a number", async () => {
    const { c } = await withSource({ sharded });
    const bad: { method: string; body: string | Uint8Array; contentLength?: string; headers: Record<string, string> }[] = [
      { method: "PUT", body: "x", headers: { "x-s3edge-instant": String(DATA.length), "x-amz-checksum-sha256": sha256B64(DATA) } },
      { method: "PUT", body: new Uint8Array(), contentLength: "0", headers: { "x-s3edge-instant": String(DATA.length) } },
      { method: "PUT", body: new Uint8Array(), contentLength: "0", headers: { "x-s3edge-instant": "big", "x-amz-checksum-sha256": sha256B64(DATA) } },
    ];
    for (const opts of bad) expect((await c.send("/bkt/k", opts)).status).toBe(400);
  });

  it("many names, one copy: deleting some keeps the others; GC frees the chunks only with the last", async () => {
    const { env, c } = await withSource({ sharded });
    const chunks = await env.deps.meta.countChunks();
    for (const k of ["a", "b", "c"]) expect((await c.send(`/bkt/${k}`, instant(DATA))).status).toBe(200);
    expect(await env.deps.meta.countChunks()).toBe(chunks);
    for (const k of ["src", "a", "b"]) expect((await c.del("bkt", k)).status).toBe(204);
    await collectGarbage(env.deps);
    expect(await c.bytes("bkt", "c")).toEqual(DATA);
    // The copy is findable in turn: a new name from the last one standing.
    expect((await c.send("/bkt/d", instant(DATA))).status).toBe(200);
    await c.del("bkt", "c");
    await c.del("bkt", "d");
    await collectGarbage(env.deps);
    expect(await env.deps.meta.countChunks()).toBe(0);
    expect(env.blobs.size()).toBe(0);
    expect(await errorCode(await c.send("/bkt/e", instant(DATA)))).toBe("ContentNotStored");
  });

  it("only the request's bucket is searched", async () => {
    const { c } = await withSource({ sharded });
    await c.createBucket("other");
    expect(await errorCode(await c.send("/other/k", instant(DATA)))).toBe("ContentNotStored");
  });

  it("write conditions apply as to any PUT (If-None-Match: *)", async () => {
    const { c } = await withSource({ sharded });
    const res = await c.send("/bkt/src", instant(DATA, { "if-none-match": "*" }));
    expect(res.status).toBe(412);
    expect(await errorCode(res)).toBe("PreconditionFailed");
  });

  it("a versioned bucket answers the version id", async () => {
    const { c } = await withSource({ sharded });
    await c.send("/bkt?versioning", { method: "PUT", body: `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>` });
    const res = await c.send("/bkt/v", instant(DATA));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-version-id")).toBeTruthy();
  });
});

describe("which objects can be found by content", () => {
  it.each([
    ["x-amz-checksum-sha256", DATA, { "x-amz-checksum-sha256": sha256B64(DATA) }, false],
    ["a signed payload", DATA, {}, true],
    ["one chunk, no checksum", DATA.subarray(0, 60 * KiB), {}, false],
  ] as const)("%s", async (_n, data, headers, signPayload) => {
    const { c } = await withBucket();
    expect((await c.send("/bkt/src", { method: "PUT", body: data, headers, signPayload })).status).toBe(200);
    expect((await c.send("/bkt/copy", instant(data))).status).toBe(200);
    expect(await c.bytes("bkt", "copy")).toEqual(new Uint8Array(data));
  });

  it("an object small enough to be inline is not, even with a checksum (not worth an index entry per small PUT)", async () => {
    const { c } = await withBucket();
    const small = DATA.subarray(0, 100);
    expect((await c.put("bkt", "src", small, { "x-amz-checksum-sha256": sha256B64(small) })).status).toBe(200);
    expect(await errorCode(await c.send("/bkt/copy", instant(small)))).toBe("ContentNotStored");
  });

  it("a multi-chunk unsigned PUT without a checksum is not (its SHA-256 was never computed)", async () => {
    const { c } = await withBucket();
    expect((await c.put("bkt", "src", DATA)).status).toBe(200);
    expect(await errorCode(await c.send("/bkt/copy", instant(DATA)))).toBe("ContentNotStored");
  });

  it("a multipart object is, once Complete verified x-s3edge-content-sha256; a wrong claim is BadDigest", async () => {
    const { c } = await withBucket();
    const MP = randomBytes(5 * MiB + 10 * KiB, 11); // parts but the last are at least 5 MiB
    const id = await c.createUpload("bkt", "mp");
    const parts = [MP.subarray(0, 5 * MiB), MP.subarray(5 * MiB)];
    const etags = [];
    for (const [i, p] of parts.entries()) etags.push(await c.uploadPart("bkt", "mp", id, i + 1, p));
    const body = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const wrong = await c.send(`/bkt/mp?uploadId=${id}`, { method: "POST", body, headers: { "x-s3edge-content-sha256": sha256B64(parts[0]) } });
    expect(await errorCode(wrong)).toBe("BadDigest");
    const done = await c.send(`/bkt/mp?uploadId=${id}`, { method: "POST", body, headers: { "x-s3edge-content-sha256": sha256B64(MP) } });
    expect(done.status).toBe(200);
    expect(parseXmlText(await done.text()).CompleteMultipartUploadResult.ETag).toMatch(/-2"$/);
    const res = await c.send("/bkt/copy", instant(MP));
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${md5Hex(MP)}"`);
    expect(await c.bytes("bkt", "copy")).toEqual(MP);
  });
});

describe("authorization", () => {
  const ALICE = { accessKeyId: "alice", secretAccessKey: "alice-secret" };
  const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

  it("a source the caller may not read counts as absent; one it may read is used", async () => {
    const { env, c } = await withBucket();
    expect((await c.put("bkt", "private/src", DATA, { "x-amz-checksum-sha256": sha256B64(DATA) })).status).toBe(200);
    await env.deps.iam.putPolicy("home", doc(
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: "arn:aws:s3:::bkt/alice/*" },
    ));
    await env.deps.iam.putUser({ accessKey: "alice", secretKey: "alice-secret", status: "enabled", policies: ["home"] });
    const res = await c.send("/bkt/alice/copy", { ...instant(DATA), creds: ALICE });
    expect(res.status).toBe(412);
    expect(await errorCode(res)).toBe("ContentNotStored");
    expect((await c.put("bkt", "alice/mine", DATA, { "x-amz-checksum-sha256": sha256B64(DATA) })).status).toBe(200);
    expect((await c.send("/bkt/alice/copy", { ...instant(DATA), creds: ALICE })).status).toBe(200);
    // No PutObject right: refused before any lookup, as any PUT.
    expect((await c.send("/bkt/private/x", { ...instant(DATA), creds: ALICE })).status).toBe(403);
  });
});
