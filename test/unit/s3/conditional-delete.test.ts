// S3 conditional deletes: DeleteObject's If-Match / x-amz-if-match-last-modified-time /
// x-amz-if-match-size, and DeleteObjects' per-<Object> ETag / LastModifiedTime / Size.
import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, md5Hex, withBucket } from "../helpers/s3.ts";

const BODY = "hello";
const ETAG = `"${md5Hex(BODY)}"`;

async function seeded() {
  const b = await withBucket();
  expect((await b.c.put("bkt", "k", BODY)).status).toBe(200);
  const lastModified = (await b.c.head("bkt", "k")).headers.get("last-modified")!;
  return { ...b, lastModified };
}

const del = (c: Awaited<ReturnType<typeof withBucket>>["c"], headers: Record<string, string>, key = "k") =>
  c.send(`/bkt/${key}`, { method: "DELETE", headers });

describe("DeleteObject with conditions", () => {
  const failing: [string, (lm: string) => Record<string, string>][] = [
    ["another ETag", () => ({ "if-match": '"0123"' })],
    ["an unquoted other ETag", () => ({ "if-match": "0123" })],
    ["a later Last-Modified", (lm) => ({ "x-amz-if-match-last-modified-time": new Date(Date.parse(lm) + 1000).toUTCString() })],
    ["another size", () => ({ "x-amz-if-match-size": "6" })],
    ["the ETag but another size", () => ({ "if-match": ETAG, "x-amz-if-match-size": "4" })],
  ];
  it.each(failing)("%s: 412 PreconditionFailed, the object stays", async (_n, headers) => {
    const { c, lastModified } = await seeded();
    const res = await del(c, headers(lastModified));
    expect(res.status).toBe(412);
    expect(await errorCode(res)).toBe("PreconditionFailed");
    expect((await c.get("bkt", "k")).status).toBe(200);
  });

  const passing: [string, (lm: string) => Record<string, string>][] = [
    ["its ETag", () => ({ "if-match": ETAG })],
    ["its ETag unquoted, in a list", () => ({ "if-match": `"x", ${ETAG.replace(/"/g, "")}` })],
    ["*", () => ({ "if-match": "*" })],
    ["its Last-Modified", (lm) => ({ "x-amz-if-match-last-modified-time": lm })],
    ["its size", () => ({ "x-amz-if-match-size": String(BODY.length) })],
    ["all three", (lm) => ({ "if-match": ETAG, "x-amz-if-match-last-modified-time": lm, "x-amz-if-match-size": "5" })],
  ];
  it.each(passing)("%s: 204, deleted", async (_n, headers) => {
    const { c, lastModified } = await seeded();
    expect((await del(c, headers(lastModified))).status).toBe(204);
    expect((await c.get("bkt", "k")).status).toBe(404);
  });

  it("If-Match on a missing key is 404 NoSuchKey; size or time alone on a missing key is 204", async () => {
    const { c, lastModified } = await seeded();
    for (const v of ["*", ETAG]) {
      const res = await del(c, { "if-match": v }, "missing");
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe("NoSuchKey");
    }
    expect((await del(c, { "x-amz-if-match-size": "5" }, "missing")).status).toBe(204);
    expect((await del(c, { "x-amz-if-match-last-modified-time": lastModified }, "missing")).status).toBe(204);
  });

  it.each([
    ["x-amz-if-match-size", "-1"], ["x-amz-if-match-size", "five"], ["x-amz-if-match-last-modified-time", "yesterday"],
  ])("an unparseable %s (%s) is 400 InvalidArgument, never an unconditional delete", async (name, value) => {
    const { c } = await seeded();
    const res = await del(c, { [name]: value });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("InvalidArgument");
    expect((await c.get("bkt", "k")).status).toBe(200);
  });
});

describe("DeleteObjects with per-key conditions", () => {
  it("a failed condition is an <Error> entry for that key only", async () => {
    const { c, lastModified } = await seeded();
    for (const k of ["a", "b", "c", "d"]) expect((await c.put("bkt", k, BODY)).status).toBe(200);
    const iso = new Date(Date.parse(lastModified)).toISOString();
    const body = `<Delete>` +
      `<Object><Key>k</Key><ETag>${ETAG}</ETag><Size>5</Size></Object>` +
      `<Object><Key>a</Key><ETag>"nope"</ETag></Object>` +
      `<Object><Key>b</Key><Size>4</Size></Object>` +
      `<Object><Key>c</Key><LastModifiedTime>${iso}</LastModifiedTime></Object>` +
      `<Object><Key>d</Key><LastModifiedTime>2001-01-01T00:00:00.000Z</LastModifiedTime></Object>` +
      `<Object><Key>gone</Key><ETag>*</ETag></Object>` +
      `</Delete>`;
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const deleted = [...text.matchAll(/<Deleted><Key>([^<]*)<\/Key><\/Deleted>/g)].map((m) => m[1]);
    const errors = [...text.matchAll(/<Error><Key>([^<]*)<\/Key><Code>([^<]*)<\/Code>/g)].map((m) => [m[1], m[2]]);
    expect(deleted).toEqual(["k", "c"]);
    expect(errors).toEqual([["a", "PreconditionFailed"], ["b", "PreconditionFailed"], ["d", "PreconditionFailed"], ["gone", "NoSuchKey"]]);
    for (const k of ["a", "b", "d"]) expect((await c.get("bkt", k)).status).toBe(200);
    for (const k of ["k", "c"]) expect((await c.get("bkt", k)).status).toBe(404);
  });
});
