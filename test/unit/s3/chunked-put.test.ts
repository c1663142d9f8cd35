// PUT with Transfer-Encoding: chunked and no Content-Length (MinIO and Ceph accept it): the
// body is streamed and its size checked as it arrives.
import { describe, expect, it } from "bun:test";
import { errorCode, md5Hex, withBucket } from "../helpers/s3.ts";

const stream = (parts: Uint8Array[]) => new ReadableStream<Uint8Array>({
  start(c) { for (const p of parts) c.enqueue(p); c.close(); },
});

async function chunkedPut(b: Awaited<ReturnType<typeof withBucket>>, key: string, parts: Uint8Array[]) {
  const req = await b.c.request(`/bkt/${key}`, { method: "PUT", headers: { "transfer-encoding": "chunked" }, contentLength: null });
  return b.env.app.request(new Request(req.url, { method: "PUT", headers: req.headers, body: stream(parts), duplex: "half" } as RequestInit));
}

describe("chunked PUT without Content-Length", () => {
  it("is stored whole, with its MD5 as ETag", async () => {
    const b = await withBucket();
    const parts = [new Uint8Array(100_000).fill(1), new Uint8Array(50_001).fill(2)];
    const res = await chunkedPut(b, "k", parts);
    expect(res.status).toBe(200);
    const all = new Uint8Array([...parts[0], ...parts[1]]);
    expect(res.headers.get("etag")).toBe(`"${md5Hex(all)}"`);
    expect(await b.c.bytes("bkt", "k")).toEqual(all);
  });

  it("beyond the size limit → 400 EntityTooLarge, nothing stored", async () => {
    const b = await withBucket("bkt", { maxPutSize: 1000 });
    const res = await chunkedPut(b, "big", [new Uint8Array(600), new Uint8Array(600)]);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("EntityTooLarge");
    expect((await b.c.head("bkt", "big")).status).toBe(404);
  });

  it("without Transfer-Encoding and Content-Length it is still 411 MissingContentLength", async () => {
    const b = await withBucket();
    const res = await b.c.send("/bkt/k", { method: "PUT", body: "data", contentLength: null });
    expect(res.status).toBe(411);
  });
});
