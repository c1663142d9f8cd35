// ListObjects (v1) and ListObjectsV2 over 30 keys: prefixes, delimiters, markers, pagination,
// encoding-type=url, and UTF-8 byte order.
import { beforeAll, describe, expect, it } from "bun:test";
import { errorCode, withBucket } from "../helpers/s3.ts";

const KEYS = [
  "a", "a/1", "a/2", "a/3/x", "a/3/y", "b/1", "b/2/z",
  ...Array.from({ length: 16 }, (_, i) => `c${String(i).padStart(2, "0")}`),
  "d e+f", "d&e<f>", "é", "\u{1F600}", "\uFFFF", "z", "zz/top",
];
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const SORTED = [...KEYS].sort(utf8Order);
const NO_SLASH = SORTED.filter((k) => !k.includes("/"));
const TOP_PREFIXES = ["a/", "b/", "zz/"];

let t: Awaited<ReturnType<typeof withBucket>>;
beforeAll(async () => {
  expect(KEYS.length).toBe(30);
  t = await withBucket();
  for (const [i, k] of KEYS.entries()) {
    const path = k.split("/").map(encodeURIComponent).join("/");
    expect((await t.c.put("bkt", path, "x".repeat(i))).status).toBe(200);
  }
});

type Result = { keys: string[]; prefixes: string[]; doc: Record<string, any> };
async function list(query: string): Promise<Result> {
  const doc = (await t.c.xml(`/bkt?${query}`)).ListBucketResult;
  return {
    keys: (doc.Contents ?? []).map((o: { Key: string }) => o.Key),
    prefixes: (doc.CommonPrefixes ?? []).map((p: { Prefix: string }) => p.Prefix),
    doc,
  };
}

describe("ListObjectsV2", () => {
  it("lists every key in UTF-8 byte order (U+FFFF before U+1F600)", async () => {
    const r = await list("list-type=2");
    expect(r.keys).toEqual(SORTED);
    expect(r.keys.indexOf("\uFFFF")).toBeLessThan(r.keys.indexOf("\u{1F600}"));
    expect(r.doc.KeyCount).toBe("30");
    expect(r.doc.IsTruncated).toBe("false");
    expect(r.doc.NextContinuationToken).toBeUndefined();
  });

  it("each entry has the object's size, ETag, date and storage class; Owner only with fetch-owner", async () => {
    const { doc } = await list("list-type=2&prefix=a/1");
    expect(doc.Contents).toHaveLength(1);
    const o = doc.Contents[0];
    expect(o.Size).toBe("1");
    expect(o.ETag).toBe('"9dd4e461268c8034f5c8564e155c67a6"'); // md5("x")
    expect(o.StorageClass).toBe("STANDARD");
    expect(new Date(o.LastModified).getTime()).toBe(Math.floor(t.env.deps.clock.now()));
    expect(o.Owner).toBeUndefined();
    const withOwner = await list("list-type=2&prefix=a/1&fetch-owner=true");
    expect(withOwner.doc.Contents[0].Owner.ID).toBeTruthy();
  });

  it.each([1, 7, 29, 30])("paginates with continuation tokens, max-keys=%i", async (max) => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(40);
      const r = await list(`list-type=2&max-keys=${max}${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`);
      expect(r.keys.length).toBeLessThanOrEqual(max);
      expect(r.doc.KeyCount).toBe(String(r.keys.length));
      expect(r.doc.MaxKeys).toBe(String(max));
      if (token) expect(r.doc.ContinuationToken).toBe(token);
      seen.push(...r.keys);
      if (r.doc.IsTruncated === "false") { expect(r.doc.NextContinuationToken).toBeUndefined(); break; }
      token = r.doc.NextContinuationToken;
      expect(token).toBeTruthy();
    }
    expect(seen).toEqual(SORTED);
  });

  it("delimiter folds keys into common prefixes", async () => {
    const r = await list("list-type=2&delimiter=/");
    expect(r.keys).toEqual(NO_SLASH);
    expect(r.prefixes).toEqual(TOP_PREFIXES);
    expect(r.doc.KeyCount).toBe(String(NO_SLASH.length + TOP_PREFIXES.length));
    expect(r.doc.Delimiter).toBe("/");
  });

  it.each([1, 2, 3, 5])("paginates with a delimiter, max-keys=%i; prefixes count toward max-keys and never repeat", async (max) => {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(40);
      const r = await list(`list-type=2&delimiter=/&max-keys=${max}${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`);
      expect(r.keys.length + r.prefixes.length).toBeLessThanOrEqual(max);
      keys.push(...r.keys);
      prefixes.push(...r.prefixes);
      if (r.doc.IsTruncated === "false") break;
      token = r.doc.NextContinuationToken;
    }
    expect(keys).toEqual(NO_SLASH);
    expect(prefixes).toEqual(TOP_PREFIXES);
  });

  it.each([
    ["prefix and delimiter", "prefix=a/&delimiter=/", ["a/1", "a/2"], ["a/3/"]],
    ["nested prefix", "prefix=a/3/&delimiter=/", ["a/3/x", "a/3/y"], []],
    ["prefix without delimiter", "prefix=c1", ["c10", "c11", "c12", "c13", "c14", "c15"], []],
    ["prefix that is also a key", "prefix=a", ["a", "a/1", "a/2", "a/3/x", "a/3/y"], []],
    ["prefix matching nothing", "prefix=nothing", [], []],
    ["start-after", "start-after=c13", SORTED.slice(SORTED.indexOf("c13") + 1), []],
    ["start-after with prefix", "prefix=c0&start-after=c05", ["c06", "c07", "c08", "c09"], []],
    ["start-after that is not a key", "prefix=c0&start-after=c055", ["c06", "c07", "c08", "c09"], []],
    ["start-after past everything", `start-after=${encodeURIComponent("\u{10FFFF}")}`, [], []],
    ["delimiter that is not a slash", "prefix=c&delimiter=1", ["c00", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09"], ["c01", "c1"]],
  ])("%s", async (_name, query, keys, prefixes) => {
    const r = await list(`list-type=2&${query}`);
    expect(r.keys).toEqual(keys);
    expect(r.prefixes).toEqual(prefixes);
  });

  it("start-after is echoed", async () => {
    const r = await list("list-type=2&start-after=c13");
    expect(r.doc.StartAfter).toBe("c13");
  });

  it("max-keys=0 returns no keys", async () => {
    const r = await list("list-type=2&max-keys=0");
    expect(r.keys).toEqual([]);
    expect(r.doc.KeyCount).toBe("0");
  });

  it("max-keys above 1000 is capped at 1000", async () => {
    const r = await list("list-type=2&max-keys=5000");
    expect(r.doc.MaxKeys).toBe("1000");
    expect(r.keys).toHaveLength(30);
  });

  it("encoding-type=url encodes keys, prefixes and the delimiter's echo, keeping '/'", async () => {
    const r = await list("list-type=2&encoding-type=url&prefix=d");
    expect(r.keys).toEqual(["d%20e%2Bf", "d%26e%3Cf%3E"]);
    expect(r.doc.EncodingType).toBe("url");
    const all = await list("list-type=2&encoding-type=url&delimiter=/");
    expect(all.keys).toContain("%C3%A9");
    expect(all.keys).toContain("%F0%9F%98%80");
    expect(all.prefixes).toEqual(TOP_PREFIXES);
    const nested = await list("list-type=2&encoding-type=url&prefix=a/3/");
    expect(nested.keys).toEqual(["a/3/x", "a/3/y"]);
    expect(nested.doc.Prefix).toBe("a/3/");
  });

  it("an invalid continuation token is InvalidArgument", async () => {
    const res = await t.c.send("/bkt?list-type=2&continuation-token=%25%25%25");
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidArgument");
  });
});

describe("ListObjects (v1)", () => {
  it("lists every key with Owner", async () => {
    const r = await list("");
    expect(r.keys).toEqual(SORTED);
    expect(r.doc.Contents[0].Owner.ID).toBeTruthy();
    expect(r.doc.Marker).toBe("");
    expect(r.doc.IsTruncated).toBe("false");
  });

  it.each([1, 4, 13])("paginates with marker = last key (no NextMarker without a delimiter), max-keys=%i", async (max) => {
    const seen: string[] = [];
    let marker = "";
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(40);
      const r = await list(`max-keys=${max}&marker=${encodeURIComponent(marker)}`);
      expect(r.keys.length).toBeLessThanOrEqual(max);
      expect(r.doc.Marker).toBe(marker);
      seen.push(...r.keys);
      if (r.doc.IsTruncated === "false") break;
      expect(r.doc.NextMarker).toBeUndefined();
      marker = r.keys[r.keys.length - 1];
    }
    expect(seen).toEqual(SORTED);
  });

  it.each([1, 2, 4])("paginates with NextMarker when a delimiter is given, max-keys=%i", async (max) => {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let marker = "";
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(40);
      const r = await list(`delimiter=/&max-keys=${max}&marker=${encodeURIComponent(marker)}`);
      keys.push(...r.keys);
      prefixes.push(...r.prefixes);
      if (r.doc.IsTruncated === "false") break;
      marker = r.doc.NextMarker;
      const last = [...r.keys, ...r.prefixes].sort(utf8Order).pop();
      expect(marker).toBe(last!);
    }
    expect(keys).toEqual(NO_SLASH);
    expect(prefixes).toEqual(TOP_PREFIXES);
  });

  it("marker inside the key space", async () => {
    const r = await list("marker=c14&max-keys=3");
    expect(r.keys).toEqual(["c15", "d e+f", "d&e<f>"]);
    expect(r.doc.IsTruncated).toBe("true");
  });

  it("encoding-type=url encodes Marker and NextMarker too", async () => {
    const r = await list(`encoding-type=url&delimiter=/&max-keys=1&marker=${encodeURIComponent("d e+f")}`);
    expect(r.doc.Marker).toBe("d%20e%2Bf");
    expect(r.keys).toEqual(["d%26e%3Cf%3E"]);
    expect(r.doc.NextMarker).toBe("d%26e%3Cf%3E");
  });
});

it("an empty bucket lists nothing", async () => {
  const { c } = await withBucket("empty");
  const doc = (await c.xml("/empty?list-type=2")).ListBucketResult;
  expect(doc.Contents).toBeUndefined();
  expect(doc.KeyCount).toBe("0");
  expect(doc.Name).toBe("empty");
});
