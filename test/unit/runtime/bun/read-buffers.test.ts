// Read buffers (issue 20): a buffer is lent to one reader at a time and reused only once given
// back; giving back twice, or a piece no pool lent, changes nothing.
import { describe, expect, it } from "bun:test";
import { createLentFrames, createReadBuffers, giveBack } from "../../../../src/runtime/bun/read-buffers.ts";

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

describe("lent frames (an SSE GET's opened chunks)", () => {
  it("lends a buffer given back once, for a take of half to all of its size, and never one still lent", () => {
    const frames = createLentFrames(1 << 20);
    const a = frames.take(1000), b = frames.take(1000);
    expect(a.length).toBe(1000);
    expect(a.buffer).not.toBe(b.buffer);
    giveBack(a.subarray(5, 10)); // a view of it counts
    giveBack(a); // twice: kept once
    expect(frames.take(2001).buffer).not.toBe(a.buffer); // too small for it
    expect(frames.take(400).buffer).not.toBe(a.buffer); // over twice the size asked: not used
    const c = frames.take(600);
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(600);
    expect(frames.take(1000).buffer).not.toBe(a.buffer); // lent again, to c
    expect(frames.take(1000).buffer).not.toBe(b.buffer); // b is still lent
  });

  it("takes back a buffer that went to a worker and back (another ArrayBuffer) once it is lent; keeps at most keepBytes, the oldest dropped", () => {
    const frames = createLentFrames(3000);
    const a = frames.take(1000);
    const moved = new Uint8Array(structuredClone(a.buffer, { transfer: [a.buffer] })); // as postMessage's transfer
    expect(a.byteLength).toBe(0);
    giveBack(moved); // not lent by the pool yet
    expect(frames.take(1000).buffer).not.toBe(moved.buffer);
    frames.lend(moved);
    giveBack(moved);
    expect(frames.take(1000).buffer).toBe(moved.buffer);
    const [x, y, z] = [frames.take(1000), frames.take(1000), frames.take(1500)];
    for (const f of [x, y, z]) giveBack(f); // 3,500 bytes: x dropped
    expect(frames.take(1000).buffer).toBe(y.buffer);
    expect(frames.take(1000).buffer).toBe(z.buffer);
    expect(frames.take(1000).buffer).not.toBe(x.buffer);
  });
});
