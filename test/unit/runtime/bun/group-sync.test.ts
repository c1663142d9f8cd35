// Group commit: a flush covers every write counted before it started; writers that arrive while
// one runs share the next; a failed flush fails everything after it.
import { describe, expect, it } from "bun:test";
import { createGroupSync, FsyncError } from "../../../../src/runtime/bun/group-sync.ts";

/** A flush the test finishes by hand; `started` counts calls. */
function manualFlush() {
  const pending: { resolve(): void; reject(e: unknown): void }[] = [];
  const flush = () => new Promise<void>((resolve, reject) => { pending.push({ resolve, reject }); });
  return { flush, pending, get started() { return pending.length; } };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(() => { done = true; }, () => { done = true; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe("createGroupSync", () => {
  it("16 writers share one flush, or two when they write while the first runs; no write, no flush", async () => {
    let flushes = 0;
    const g = createGroupSync(async () => { flushes++; await Bun.sleep(5); });
    await g.synced();
    expect(flushes).toBe(0);
    for (let i = 0; i < 16; i++) g.wrote();
    await Promise.all(Array.from({ length: 16 }, () => g.synced()));
    expect(flushes).toBe(1);
    // Each writes, then waits: the first starts a flush, the other 15 wrote after it began.
    await Promise.all(Array.from({ length: 16 }, () => { g.wrote(); return g.synced(); }));
    expect(flushes).toBe(3);
  });

  it("a write after a flush started waits for the next one, which starts when the first ends", async () => {
    const f = manualFlush();
    const g = createGroupSync(f.flush);
    g.wrote();
    const a = g.synced();
    expect(f.started).toBe(1);
    g.wrote(); // lands while flush 1 runs: flush 1 may not cover it
    const b = g.synced();
    g.wrote();
    const c = g.synced(); // joins b's flush
    expect(f.started).toBe(1); // one flush at a time
    f.pending[0].resolve();
    await a;
    expect(await settled(b)).toBe(false);
    await Bun.sleep(0);
    expect(f.started).toBe(2);
    f.pending[1].resolve();
    await Promise.all([b, c]);
    expect(f.started).toBe(2);
  });

  it("a writer whose write came before the running flush started joins it", async () => {
    const f = manualFlush();
    const g = createGroupSync(f.flush);
    g.wrote(); // writer A commits…
    g.wrote(); // …and writer B
    const a = g.synced(); // A asks first: the flush covers both
    const b = g.synced();
    f.pending[0].resolve();
    await Promise.all([a, b]);
    expect(f.started).toBe(1);
  });

  it("a failed fsync fails its waiters and every later call (no ack after an fsync error)", async () => {
    const f = manualFlush();
    const g = createGroupSync(f.flush);
    g.wrote();
    const a = g.synced();
    f.pending[0].reject(new FsyncError(new Error("EIO")));
    await expect(a).rejects.toThrow("EIO");
    g.wrote();
    await expect(g.synced()).rejects.toThrow("EIO");
    expect(f.started).toBe(1);
  });

  it("a flush that failed before its fsync (no descriptor left) fails only its waiters", async () => {
    const f = manualFlush();
    const g = createGroupSync(f.flush);
    g.wrote();
    const a = g.synced();
    f.pending[0].reject(Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE" }));
    await expect(a).rejects.toThrow("EMFILE");
    g.wrote();
    const b = g.synced();
    expect(f.started).toBe(2);
    f.pending[1].resolve();
    await b;
  });
});
