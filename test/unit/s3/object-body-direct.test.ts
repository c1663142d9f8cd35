// GET of a read within one chunk answers with that blob's stream; a missing chunk is a 500
// before the response starts (not a truncated 200).
import { describe, expect, it } from "bun:test";
import { errorCode, KiB, randomBytes, withBucket } from "../helpers/s3.ts";

const DATA = randomBytes(200 * KiB, 21); // chunks of 64 KiB: 3 full + 8 KiB

describe("GET within one chunk", () => {
  it("whole single-chunk objects, ranges inside a chunk and ranges across chunks return exactly the bytes", async () => {
    const { c } = await withBucket();
    const one = DATA.subarray(0, 50 * KiB);
    await c.put("bkt", "one", one);
    await c.put("bkt", "many", DATA);
    expect(await c.bytes("bkt", "one")).toEqual(one);
    const cases: [number, number][] = [[0, 99], [70_000, 80_000], [65_535, 65_536], [65_536, 131_071], [100, 204_799], [196_608, 204_799]];
    for (const [s, e] of cases) {
      const res = await c.get("bkt", "many", { range: `bytes=${s}-${e}` });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-length")).toBe(String(e - s + 1));
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(DATA.subarray(s, e + 1));
    }
  });

  it("a missing chunk is InternalError (500) before any byte is sent", async () => {
    const { env, c } = await withBucket();
    await c.put("bkt", "one", DATA.subarray(0, 50 * KiB));
    await env.deps.blobs.delete((await env.deps.blobs.list()).keys);
    const res = await c.get("bkt", "one");
    expect(res.status).toBe(500);
    expect(await errorCode(res)).toBe("InternalError");
  });
});
