import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, withBucket } from "../helpers/s3.ts";

async function seeded(keys: string[]) {
  const b = await withBucket();
  for (const k of keys) expect((await b.c.put("bkt", k.split("/").map(encodeURIComponent).join("/"), k)).status).toBe(200);
  return b;
}

const deleteXml = (keys: string[], quiet?: boolean) =>
  `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
  keys.map((k) => `<Object><Key>${k.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</Key></Object>`).join("") +
  (quiet === undefined ? "" : `<Quiet>${quiet}</Quiet>`) + "</Delete>";

async function listKeys(c: Awaited<ReturnType<typeof withBucket>>["c"]) {
  return ((await c.xml("/bkt?list-type=2")).ListBucketResult.Contents ?? []).map((o: { Key: string }) => o.Key);
}

describe("DeleteObject", () => {
  it("deletes and answers 204; deleting again is still 204", async () => {
    const { c } = await seeded(["a"]);
    expect((await c.del("bkt", "a")).status).toBe(204);
    expect((await c.get("bkt", "a")).status).toBe(404);
    expect((await c.del("bkt", "a")).status).toBe(204);
  });
});

describe("DeleteObjects", () => {
  it.each([
    ["verbose (default)", undefined, true],
    ["verbose (Quiet=false)", false, true],
    ["quiet", true, false],
  ])("%s", async (_name, quiet, reportsDeleted) => {
    const { c } = await seeded(["a", "b&c<d", "dir/e", "keep"]);
    const body = deleteXml(["a", "b&c<d", "dir/e", "never-existed"], quiet);
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("<DeleteResult");
    const deleted = [...text.matchAll(/<Deleted><Key>([^<]*)<\/Key><\/Deleted>/g)].map((m) => m[1]);
    expect(deleted).toEqual(reportsDeleted ? ["a", "b&amp;c&lt;d", "dir/e", "never-existed"] : []);
    expect(text).not.toContain("<Error>");
    expect(await listKeys(c)).toEqual(["keep"]);
  });

  it("keys with leading or trailing spaces are deleted exactly (XML text is not trimmed)", async () => {
    const { c } = await seeded([" spaced ", "spaced", "tail "]);
    const body = deleteXml([" spaced ", "tail "]);
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<Deleted><Key> spaced </Key></Deleted>");
    expect(await listKeys(c)).toEqual(["spaced"]);
  });

  it("accepts an indented (pretty-printed) request body", async () => {
    const { c } = await seeded(["a", "b"]);
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Object>
    <Key>a</Key>
  </Object>
  <Quiet>true</Quiet>
</Delete>
`;
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(200);
    expect(await listKeys(c)).toEqual(["b"]);
  });

  it("an over-long key is reported as an error entry, the rest is deleted", async () => {
    const { c } = await seeded(["a"]);
    const long = "k".repeat(1025);
    const body = deleteXml(["a", long]);
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`<Error><Key>${long}</Key><Code>KeyTooLongError</Code>`);
    expect(await listKeys(c)).toEqual([]);
  });

  it("more than 1000 keys is MalformedXML", async () => {
    const { c } = await seeded([]);
    const body = deleteXml(Array.from({ length: 1001 }, (_, i) => `k${i}`));
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MalformedXML");
  });

  it("a wrong Content-MD5 is BadDigest and deletes nothing", async () => {
    const { c } = await seeded(["a"]);
    const body = deleteXml(["a"]);
    const res = await c.send("/bkt?delete", { method: "POST", body, headers: { "content-md5": md5B64("other") } });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("BadDigest");
    expect(await listKeys(c)).toEqual(["a"]);
  });

  it("in a missing bucket is NoSuchBucket", async () => {
    const { c } = await seeded([]);
    const body = deleteXml(["a"]);
    const res = await c.send("/nobkt?delete", { method: "POST", body, headers: { "content-md5": md5B64(body) } });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NoSuchBucket");
  });
});
