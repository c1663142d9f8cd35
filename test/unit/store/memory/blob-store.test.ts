import { describe, expect, it } from "bun:test";
import { createMemoryBlobStore } from "../../../../src/store/memory/blob-store.ts";
import { enc } from "../../helpers/s3.ts";

const text = async (s: ReadableStream<Uint8Array>) => new Response(s).text();

describe("memory BlobStore", () => {
  it("put, get (whole and ranged), head, delete", async () => {
    const b = createMemoryBlobStore();
    await b.put("k", enc("hello world"), { size: 11 });
    const whole = await b.get("k");
    expect(whole!.size).toBe(11);
    expect(await text(whole!.body)).toBe("hello world");
    expect(await text((await b.get("k", { range: { offset: 6, length: 5 } }))!.body)).toBe("world");
    expect(await b.head("k")).toEqual({ size: 11 });
    await b.delete(["k", "missing"]);
    expect(await b.get("k")).toBeNull();
    expect(await b.head("k")).toBeNull();
  });

  it("stores a stream and rejects a size mismatch without keeping anything", async () => {
    const b = createMemoryBlobStore();
    await b.put("s", new Response("streamed").body!, { size: 8 });
    expect(await text((await b.get("s"))!.body)).toBe("streamed");
    await expect(b.put("bad", enc("abc"), { size: 4 })).rejects.toThrow();
    expect(await b.head("bad")).toBeNull();
  });

  it("lists by prefix with a cursor", async () => {
    const b = createMemoryBlobStore();
    for (const k of ["a1", "a2", "a3", "b1"]) await b.put(k, enc(k), { size: 2 });
    const first = await b.list({ prefix: "a", limit: 2 });
    expect(first.keys).toEqual(["a1", "a2"]);
    const rest = await b.list({ prefix: "a", cursor: first.cursor });
    expect(rest).toEqual({ keys: ["a3"], cursor: undefined });
  });
});
