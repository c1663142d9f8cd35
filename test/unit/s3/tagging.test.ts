import { describe, expect, it } from "bun:test";
import { errorCode, withBucket } from "../helpers/s3.ts";

const tagging = (tags: [string, string][]) =>
  `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join("")}</TagSet></Tagging>`;

async function tagsOf(c: Awaited<ReturnType<typeof withBucket>>["c"], key: string) {
  const doc = await c.xml(`/bkt/${key}?tagging`);
  return (doc.Tagging.TagSet?.Tag ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]);
}

describe("object tagging", () => {
  it("put, get, delete", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v");
    expect(await tagsOf(c, "k")).toEqual([]);
    const put = await c.send("/bkt/k?tagging", { method: "PUT", body: tagging([["project", "blue"], ["cost", "a&amp;b"]]) });
    expect(put.status).toBe(200);
    expect(await tagsOf(c, "k")).toEqual([["project", "blue"], ["cost", "a&b"]]);
    expect((await c.head("bkt", "k")).headers.get("x-amz-tagging-count")).toBe("2");
    expect((await c.send("/bkt/k?tagging", { method: "DELETE" })).status).toBe(204);
    expect(await tagsOf(c, "k")).toEqual([]);
    expect((await c.head("bkt", "k")).headers.get("x-amz-tagging-count")).toBeNull();
  });

  it("putting tags replaces the whole set and leaves the data alone", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "data", { "x-amz-tagging": "a=1&b=2" });
    await c.send("/bkt/k?tagging", { method: "PUT", body: tagging([["c", "3"]]) });
    expect(await tagsOf(c, "k")).toEqual([["c", "3"]]);
    expect(await (await c.get("bkt", "k")).text()).toBe("data");
  });

  it("x-amz-tagging on PUT is URL-query encoded", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v", { "x-amz-tagging": "team=data%20eng&empty=&k%2Bey=v%26al" });
    expect(await tagsOf(c, "k")).toEqual([["team", "data eng"], ["empty", ""], ["k+ey", "v&al"]]);
  });

  it("overwriting an object drops its tags", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v", { "x-amz-tagging": "a=1" });
    await c.put("bkt", "k", "v2");
    expect(await tagsOf(c, "k")).toEqual([]);
  });

  it("an empty TagSet clears the tags", async () => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v", { "x-amz-tagging": "a=1" });
    expect((await c.send("/bkt/k?tagging", { method: "PUT", body: "<Tagging><TagSet></TagSet></Tagging>" })).status).toBe(200);
    expect(await tagsOf(c, "k")).toEqual([]);
  });

  it.each([
    ["eleven tags", tagging(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"] as [string, string]))],
    ["a duplicate key", tagging([["a", "1"], ["a", "2"]])],
    ["an aws: prefix", tagging([["aws:cost", "1"]])],
    ["a 129-character key", tagging([["k".repeat(129), "v"]])],
    ["a 257-character value", tagging([["k", "v".repeat(257)]])],
  ])("%s is InvalidTag", async (_name, body) => {
    const { c } = await withBucket();
    await c.put("bkt", "k", "v");
    const res = await c.send("/bkt/k?tagging", { method: "PUT", body });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidTag");
  });

  it("x-amz-tagging with too many tags is InvalidTag and stores nothing", async () => {
    const { c } = await withBucket();
    const res = await c.put("bkt", "k", "v", { "x-amz-tagging": Array.from({ length: 11 }, (_, i) => `k${i}=v`).join("&") });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidTag");
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  it("tagging a missing key is NoSuchKey", async () => {
    const { c } = await withBucket();
    const res = await c.send("/bkt/missing?tagging", { method: "PUT", body: tagging([["a", "1"]]) });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchKey");
  });
});
