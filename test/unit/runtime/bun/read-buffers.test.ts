// Read buffers (issue 20): a buffer is lent to one reader at a time and reused only once given
// back; giving back twice, or a piece no pool lent, changes nothing.
import { describe, expect, it } from "bun:test";
import { createReadBuffers, giveBack } from "../../../../src/runtime/bun/read-buffers.ts";

describe("read buffers", () => {
  it("reuses a buffer given back, and only then", () => {
    const bufs = createReadBuffers(1024, 2);
    const a = bufs.take(), b = bufs.take();
    expect(a.length).toBe(1024);
    expect(a.buffer).not.toBe(b.buffer);
    giveBack(a.subarray(10, 20)); // a view of it counts
    const c = bufs.take();
    expect(c.buffer).toBe(a.buffer);
    expect(bufs.take().buffer).not.toBe(b.buffer); // b is still lent
  });

  it("a buffer given back twice is lent once; foreign pieces are ignored; at most `keep` are kept", () => {
    const bufs = createReadBuffers(16, 1);
    const a = bufs.take();
    giveBack(a);
    giveBack(a);
    giveBack(new Uint8Array(16));
    const x = bufs.take(), y = bufs.take();
    expect(x.buffer).toBe(a.buffer);
    expect(y.buffer).not.toBe(a.buffer);
    giveBack(x);
    giveBack(y); // over the bound: dropped
    expect(bufs.take().buffer).toBe(a.buffer);
    expect(bufs.take().buffer).not.toBe(y.buffer);
  });
});
