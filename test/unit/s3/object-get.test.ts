// GetObject / HeadObject: ranges over chunk boundaries, response overrides, read conditions.
import { beforeAll, describe, expect, it } from "bun:test";
import { KiB, md5Hex, randomBytes, withBucket } from "../helpers/s3.ts";

const SIZE = 300 * KiB; // chunks of 64 KiB: boundaries at 65536, 131072, 196608, 262144
const DATA = randomBytes(SIZE, 42);
let t: Awaited<ReturnType<typeof withBucket>>;

beforeAll(async () => {
  t = await withBucket();
  expect((await t.c.put("bkt", "big", DATA)).status).toBe(200);
  expect((await t.c.put("bkt", "small", "0123456789")).status).toBe(200);
  expect(t.env.blobs.size()).toBe(5);
});

describe("Range on a multi-chunk object", () => {
  it.each([
    ["first byte", "bytes=0-0", 0, 0],
    ["across the first boundary", "bytes=65535-65536", 65535, 65536],
    ["across two boundaries", "bytes=65530-131080", 65530, 131080],
    ["exactly the second chunk", "bytes=65536-131071", 65536, 131071],
    ["most of the object", "bytes=1-307198", 1, 307198],
    ["open-ended from inside a chunk", "bytes=200000-", 200000, SIZE - 1],
    ["end past the size is clamped", "bytes=262000-999999", 262000, SIZE - 1],
    ["suffix across chunks", "bytes=-70000", SIZE - 70000, SIZE - 1],
    ["suffix longer than the object", "bytes=-999999", 0, SIZE - 1],
    ["last byte", "bytes=-1", SIZE - 1, SIZE - 1],
  ])("%s (%s)", async (_name, range, start, end) => {
    const res = await t.c.get("bkt", "big", { range });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.headers.get("content-length")).toBe(String(end - start + 1));
    expect(res.headers.get("etag")).toBe(`"${md5Hex(DATA)}"`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(DATA.subarray(start, end + 1));
  });

  it("HEAD with a Range answers 206 with the range's length and no body", async () => {
    const res = await t.c.head("bkt", "big", { range: "bytes=100-199" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-length")).toBe("100");
    expect(res.headers.get("content-range")).toBe(`bytes 100-199/${SIZE}`);
    expect(await res.text()).toBe("");
  });

  it.each(["bytes=0-1,5-6", "lines=1-2"])("a multi-range or non-bytes %j Range returns the whole object (200)", async (range) => {
    const res = await t.c.get("bkt", "big", { range });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-range")).toBeNull();
    expect((await res.arrayBuffer()).byteLength).toBe(SIZE);
  });
});

describe("Range on an inline object", () => {
  it.each([
    ["bytes=2-4", "234", "bytes 2-4/10"],
    ["bytes=-3", "789", "bytes 7-9/10"],
    ["bytes=8-", "89", "bytes 8-9/10"],
  ])("%s", async (range, body, contentRange) => {
    const res = await t.c.get("bkt", "small", { range });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(contentRange);
    expect(await res.text()).toBe(body);
  });

  it("an unsatisfiable range reports the object size", async () => {
    const res = await t.c.get("bkt", "small", { range: "bytes=10-" });
    expect(res.status).toBe(416);
    const text = await res.text();
    expect(text).toContain("<Code>InvalidRange</Code>");
    expect(text).toContain("<ActualObjectSize>10</ActualObjectSize>");
  });
});

describe("partNumber on a simple object", () => {
  it("partNumber=1 returns the whole object and says it has one part", async () => {
    const res = await t.c.send("/bkt/big?partNumber=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-mp-parts-count")).toBe("1");
    expect((await res.arrayBuffer()).byteLength).toBe(SIZE);
  });

  it("Range together with partNumber is InvalidRequest", async () => {
    const res = await t.c.send("/bkt/big?partNumber=1", { headers: { range: "bytes=0-1" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidRequest</Code>");
  });
});

describe("response-* overrides", () => {
  const OVERRIDES = {
    "response-content-type": ["content-type", "text/csv"],
    "response-content-disposition": ["content-disposition", 'attachment; filename="x.csv"'],
    "response-content-language": ["content-language", "de"],
    "response-content-encoding": ["content-encoding", "identity"],
    "response-cache-control": ["cache-control", "no-store"],
    "response-expires": ["expires", "Thu, 01 Dec 2039 16:00:00 GMT"],
  } as const;

  it.each(Object.entries(OVERRIDES))("%s sets %j", async (param, [header, value]) => {
    const res = await t.c.send(`/bkt/small?${param}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get(header)).toBe(value);
    expect(await res.text()).toBe("0123456789");
  });

  it("response-content-type overrides the stored Content-Type, on a presigned URL too", async () => {
    await t.c.put("bkt", "typed", "{}", { "content-type": "application/json" });
    expect((await t.c.get("bkt", "typed")).headers.get("content-type")).toBe("application/json");
    for (const presign of [false, true]) {
      const res = await t.c.send("/bkt/typed?response-content-type=text%2Fplain", { presign });
      expect(res.headers.get("content-type")).toBe("text/plain");
    }
  });
});

describe("read conditions", () => {
  it.each([
    ["If-Match with the ETag", () => ({ "if-match": `"${md5Hex(DATA)}"` }), 200],
    ["If-Match with the unquoted ETag", () => ({ "if-match": md5Hex(DATA) }), 200],
    ["If-Match with a list containing the ETag", () => ({ "if-match": `"nope", "${md5Hex(DATA)}"` }), 200],
    ["If-Match:*", () => ({ "if-match": "*" }), 200],
    ["If-Match with another ETag", () => ({ "if-match": '"nope"' }), 412],
    ["If-None-Match with another ETag", () => ({ "if-none-match": '"nope"' }), 200],
    ["If-None-Match with the ETag", () => ({ "if-none-match": `"${md5Hex(DATA)}"` }), 304],
    ["If-Modified-Since a day before", () => ({ "if-modified-since": new Date(t.env.deps.clock.now() - 86400_000).toUTCString() }), 200],
    ["If-Modified-Since the write time", () => ({ "if-modified-since": new Date(t.env.deps.clock.now()).toUTCString() }), 304],
    ["If-Unmodified-Since a day after", () => ({ "if-unmodified-since": new Date(t.env.deps.clock.now() + 86400_000).toUTCString() }), 200],
    ["If-Unmodified-Since a day before", () => ({ "if-unmodified-since": new Date(t.env.deps.clock.now() - 86400_000).toUTCString() }), 412],
    ["an invalid If-Modified-Since is ignored", () => ({ "if-modified-since": "yesterday" }), 200],
  ].map(([name, headers, status]) => ({ name, headers, status } as { name: string; headers: () => Record<string, string>; status: number })))("$name → $status", async ({ headers, status }) => {
    const res = await t.c.head("bkt", "big", headers());
    expect(res.status).toBe(status);
  });
});
