// The `s3edge put` engine (src/put/upload.ts) against the real app (memory blobs, SQLite
// metadata) through app.request: instant hit and miss, one PUT, multipart, and a resume that
// sends only the parts missing or not matching the local file.
import { describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";
import { partRanges, partSizeFor, putFile, type PutOptions } from "../../../src/put/upload.ts";
import { formatBytes, parseSize, progressLine } from "../../../src/put/progress.ts";
import { KiB, MiB, md5Hex, ROOT, withBucket, type Env } from "../helpers/s3.ts";

/** Random bytes, fast (the helpers' seeded generator takes ~20 ms per MiB). */
const randomBytes = (n: number, _seed?: number) => {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(n, off + 65536)));
  return out;
};

const hasher = (alg: "sha256" | "md5") => {
  const h = createHash(alg);
  return { update: (d: Uint8Array) => { h.update(d); }, digest: () => new Uint8Array(h.digest()) };
};
const source = (data: Uint8Array) => ({
  size: data.length,
  slice: (start: number, end: number) => new Blob([data.subarray(start, end) as Uint8Array<ArrayBuffer>]).stream(),
});

function options(env: Env, key: string, data: Uint8Array, over: Partial<PutOptions> = {}): PutOptions {
  return {
    client: new AwsClient({ ...ROOT, service: "s3", region: env.deps.config.region, retries: 0 }),
    endpoint: "http://127.0.0.1:9000", bucket: "bkt", key, source: source(data), hasher,
    fetch: async (url, init) => {
      const headers = new Headers(init.headers);
      headers.set("host", "127.0.0.1:9000");
      // Buffered here: an in-process stream body crawls through app.request (the e2e test streams for real).
      const body = init.body instanceof ReadableStream ? await new Response(init.body).arrayBuffer() : init.body;
      return env.app.request(new Request(url, { ...init, body, headers }));
    },
    ...over,
  };
}

describe("putFile", () => {
  it("sends a new file in one PUT, then a second name of it instantly", async () => {
    const { env, c } = await withBucket("bkt", { chunkSize: 4 * MiB });
    const data = randomBytes(300 * KiB, 3);
    const first = await putFile(options(env, "a", data));
    expect([first.mode, first.etag]).toEqual(["single", md5Hex(data)]);
    const blobs = env.blobs.size();
    const second = await putFile(options(env, "dir/b", data));
    expect([second.mode, second.etag]).toEqual(["instant", md5Hex(data)]);
    expect(env.blobs.size()).toBe(blobs);
    expect(await c.bytes("bkt", "dir/b")).toEqual(data);
  });

  it("goes multipart above the threshold, resuming an interrupted upload: parts sent with the local MD5 are kept; then instant", async () => {
    const { env, c } = await withBucket("bkt", { chunkSize: 4 * MiB });
    const data = randomBytes(11 * MiB, 5);
    const id = await c.createUpload("bkt", "big");
    await c.uploadPart("bkt", "big", id, 1, data.subarray(0, 5 * MiB));
    await c.uploadPart("bkt", "big", id, 2, randomBytes(5 * MiB, 99)); // not this file's part 2
    const seen: string[] = [];
    const r = await putFile(options(env, "big", data, { multipartThreshold: 8 * MiB, partSize: 5 * MiB, onProgress: (p) => { if (!seen.includes(p)) seen.push(p); } }));
    expect([r.mode, r.uploadId, r.partsReused, r.partsSent, r.etag]).toEqual(["multipart", id, 1, 2, expect.stringMatching(/-3$/)]);
    expect(seen).toEqual(["hash", "upload"]);
    expect(md5Hex(await c.bytes("bkt", "big"))).toBe(md5Hex(data));
    // Completed with x-s3edge-content-sha256: verified, so the file is found by content now.
    const again = await putFile(options(env, "big2", data, { multipartThreshold: 8 * MiB }));
    expect([again.mode, again.etag]).toEqual(["instant", md5Hex(data)]);
  });

  it("paces the upload with limitRate", async () => {
    const { env } = await withBucket("bkt", { chunkSize: 4 * MiB });
    const data = randomBytes(200 * KiB, 6);
    const t = Date.now();
    await putFile(options(env, "slow", data, { limitRate: 1000 * KiB, noInstant: true }));
    expect(Date.now() - t).toBeGreaterThanOrEqual(150);
  });

  it("fails clearly on a refused request", async () => {
    const { env } = await withBucket("bkt", { chunkSize: 4 * MiB });
    await expect(putFile(options(env, "k", randomBytes(10, 1), { bucket: "missing" }))).rejects.toThrow(/NoSuchBucket/);
  });
});

describe("plan and progress helpers", () => {
  it("part sizes and ranges", () => {
    expect(partSizeFor(100 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(100 * MiB, MiB)).toBe(5 * MiB);
    expect(partSizeFor(500_000 * MiB)).toBe(50 * MiB);
    expect(partRanges(11, 5)).toEqual([{ number: 1, start: 0, end: 5 }, { number: 2, start: 5, end: 10 }, { number: 3, start: 10, end: 11 }]);
  });
  it("sizes and the progress line", () => {
    expect([parseSize("16MiB"), parseSize("64k"), parseSize("1G"), parseSize("12"), parseSize("x")]).toEqual([16 * MiB, 64 * KiB, 1024 * MiB, 12, undefined]);
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(progressLine("upload", 50, 100, 1000, 10)).toBe("upload [#####.....]  50%  50 B / 100 B  50 B/s");
  });
});
