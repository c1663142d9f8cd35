// The filesystem BlobStore with streamed puts (ingest writes each chunk as its bytes arrive): a
// put whose stream fails or is short stores nothing and leaves no temp file.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsBlobStore } from "../../../../src/runtime/bun/fs-blob-store.ts";
import { collectGarbage } from "../../../../src/store/gc.ts";
import { ingest } from "../../../../src/s3/ingest.ts";
import { memoryDeps } from "../../helpers/deps.ts";
import { md5Hex, MiB, randomBytes } from "../../helpers/s3.ts";

const root = mkdtempSync(join(tmpdir(), "s3edge-fsblob-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function feed(data: Uint8Array, piece: number, failAt?: number): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (failAt !== undefined && off >= failAt) { c.error(new Error("client went away")); return; }
      if (off >= data.length) { c.close(); return; }
      c.enqueue(data.slice(off, off + piece));
      off += piece;
    },
  });
}

const tmpFiles = (dir: string) => { try { return readdirSync(join(dir, ".tmp")); } catch { return []; } };

describe("fs BlobStore, streamed puts", () => {
  it("stores a stream of the declared size and reads it back (whole and ranged)", async () => {
    const dir = join(root, "ok");
    const blobs = createFsBlobStore(dir);
    const data = randomBytes(3 * MiB + 11, 1);
    await blobs.put("abcdef", feed(data, 256 * 1024), { size: data.length });
    const got = await blobs.get("abcdef");
    expect(md5Hex(new Uint8Array(await new Response(got!.body).arrayBuffer()))).toBe(md5Hex(data));
    const part = await blobs.get("abcdef", { range: { offset: 1000, length: 5000 } });
    expect(new Uint8Array(await new Response(part!.body).arrayBuffer())).toEqual(data.subarray(1000, 6000));
    expect(tmpFiles(dir)).toEqual([]);
  });

  it("stores buffers below and above the size written as a stream of views (1 MiB), exactly", async () => {
    const dir = join(root, "buffers");
    const blobs = createFsBlobStore(dir);
    for (const n of [0, 10, MiB - 1, MiB, 3 * MiB + 7]) {
      const data = randomBytes(n, 5);
      await blobs.put(`buf-${n}`, data, { size: n });
      const got = await blobs.get(`buf-${n}`);
      expect(got!.size).toBe(n);
      expect(md5Hex(new Uint8Array(await new Response(got!.body).arrayBuffer()))).toBe(md5Hex(data));
    }
    await expect(blobs.put("short", randomBytes(2 * MiB, 6), { size: 2 * MiB + 1 })).rejects.toThrow("short blob write");
    expect(await blobs.head("short")).toBeNull();
    expect(tmpFiles(dir)).toEqual([]);
  });

  it("a stream that errors midway stores nothing and leaves no temp file", async () => {
    const dir = join(root, "err");
    const blobs = createFsBlobStore(dir);
    const data = randomBytes(2 * MiB, 2);
    await expect(blobs.put("failing", feed(data, 128 * 1024, MiB), { size: data.length })).rejects.toBeDefined();
    expect(await blobs.head("failing")).toBeNull();
    expect(tmpFiles(dir)).toEqual([]);
  });

  it("a stream shorter or longer than the declared size stores nothing", async () => {
    const dir = join(root, "short");
    const blobs = createFsBlobStore(dir);
    const data = randomBytes(100_000, 3);
    await expect(blobs.put("short", feed(data, 10_000), { size: data.length + 1 })).rejects.toBeDefined();
    await expect(blobs.put("long", feed(data, 10_000), { size: data.length - 1 })).rejects.toBeDefined();
    expect(await blobs.head("short")).toBeNull();
    expect(await blobs.head("long")).toBeNull();
    expect(tmpFiles(dir)).toEqual([]);
  });

  it("ingest over the fs store: an upload cut off mid-chunk leaves no blob after GC", async () => {
    const dir = join(root, "ingest");
    const { deps } = memoryDeps({ chunkSize: MiB });
    deps.blobs = createFsBlobStore(dir);
    const data = randomBytes(3 * MiB, 4);
    await expect(ingest(deps, feed(data, 256 * 1024, 2 * MiB + 512 * 1024), { bucket: "b", expectedSize: data.length, maxSize: 1e9, allowInline: true }))
      .rejects.toThrow("client went away");
    await collectGarbage(deps);
    expect((await deps.blobs.list()).keys).toEqual([]);
    expect(await deps.meta.countChunks()).toBe(0);
    expect(tmpFiles(dir)).toEqual([]);

    const ok = await ingest(deps, feed(data, 256 * 1024), { bucket: "b", expectedSize: data.length, maxSize: 1e9, allowInline: true });
    expect(ok.md5Hex).toBe(md5Hex(data));
    expect(ok.manifest!.map((c) => c.size)).toEqual([MiB, MiB, MiB]);
    expect((await deps.blobs.list()).keys.sort()).toEqual(ok.manifest!.map((c) => c.blob).sort());
  });
});

describe("fs BlobStore, recorded CRC-32", () => {
  const sums = (dir: string) => readdirSync(join(dir, ".sum"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();

  it("a read of the whole blob (buffer or stream put) returns the CRC-32 recorded at put; a part of it none", async () => {
    const dir = join(root, "crc");
    const blobs = createFsBlobStore(dir, { fsync: false });
    const data = randomBytes(2 * MiB + 3, 7);
    await blobs.put("from-buffer", data, { size: data.length });
    await blobs.put("from-stream", feed(data, 100_000), { size: data.length });
    await blobs.put("empty", new Uint8Array(0), { size: 0 });
    for (const k of ["from-buffer", "from-stream"]) {
      expect((await blobs.get(k))!.crc32).toBe(Bun.hash.crc32(data));
      expect((await blobs.get(k, { range: { offset: 0, length: data.length } }))!.crc32).toBe(Bun.hash.crc32(data));
      expect((await blobs.get(k, { range: { offset: 0, length: 10 } }))!.crc32).toBeUndefined();
      expect((await blobs.get(k, { range: { offset: 1, length: data.length - 1 } }))!.crc32).toBeUndefined();
    }
    expect((await blobs.get("empty"))!.crc32).toBe(0);
    // Beside the blobs, not among them; gone with them.
    expect((await blobs.list()).keys).toEqual(["empty", "from-buffer", "from-stream"]);
    expect(sums(dir)).toEqual(["empty", "from-buffer", "from-stream"]);
    await blobs.delete(["from-buffer"]);
    await blobs.quarantine("from-stream");
    expect(sums(dir)).toEqual(["empty"]);
    expect(await blobs.sweepOrphans(Date.now() + 60_000, async (keys) => keys)).toBe(1);
    expect(sums(dir)).toEqual([]);
  });

  it("a record that is missing, torn, of another size or moved from another key is not returned", async () => {
    const dir = join(root, "crc-bad");
    const blobs = createFsBlobStore(dir, { fsync: false });
    const data = randomBytes(5000, 8);
    for (const k of ["aa1", "aa2", "aa3", "aa4", "aa5"]) await blobs.put(k, data, { size: data.length });
    const sum = (k: string) => join(dir, ".sum", "aa", k);
    const { truncateSync, copyFileSync, writeFileSync } = await import("node:fs");
    rmSync(sum("aa1"));
    truncateSync(sum("aa2"), 10);
    copyFileSync(sum("aa5"), sum("aa3")); // same bytes, another key's record
    writeFileSync(join(dir, "aa", "aa4"), data.subarray(1)); // the blob replaced behind the store's back
    for (const k of ["aa1", "aa2", "aa3", "aa4"]) expect((await blobs.get(k))!.crc32).toBeUndefined();
    expect((await blobs.get("aa5"))!.crc32).toBe(Bun.hash.crc32(data));
  });
});

describe("fs BlobStore, ranged reads in lent buffers", () => {
  const openFds = () => readdirSync("/proc/self/fd").length;

  it("reads the range in pieces of at most 256 KiB, stops at the end of the file, and closes it", async () => {
    const dir = join(root, "lent");
    const blobs = createFsBlobStore(dir, { fsync: false });
    const data = randomBytes(MiB + 5, 9);
    await blobs.put("lent", data, { size: data.length });
    const before = openFds();
    for (const [offset, length] of [[0, data.length], [3, 300_000], [MiB, 100], [MiB, 1000], [data.length, 10]] as const) {
      const got = await blobs.get("lent", { range: { offset, length } });
      const pieces: Uint8Array[] = [];
      for await (const v of got!.body as unknown as AsyncIterable<Uint8Array>) pieces.push(v.slice());
      expect(pieces.every((p) => p.length > 0 && p.length <= 256 * 1024)).toBe(true);
      expect(Buffer.concat(pieces)).toEqual(Buffer.from(data.subarray(offset, offset + length)));
    }
    expect(openFds()).toBe(before);
  });

  it("a read cancelled midway closes its file; one never read opens none", async () => {
    const dir = join(root, "lent-cancel");
    const blobs = createFsBlobStore(dir, { fsync: false });
    const data = randomBytes(MiB, 10);
    await blobs.put("lent", data, { size: data.length });
    const before = openFds();
    const got = await blobs.get("lent", { range: { offset: 0, length: data.length } });
    const reader = got!.body.getReader();
    expect((await reader.read()).value!.length).toBe(256 * 1024);
    expect(openFds()).toBe(before + 1);
    await reader.cancel();
    expect(openFds()).toBe(before);
    await blobs.get("lent", { range: { offset: 0, length: 10 } });
    expect(openFds()).toBe(before);
  });
});

describe("fs BlobStore, ranged reads into the caller's buffer (get's into)", () => {
  it("reads the range straight into it, answered as one view of it; stops at the end of the file; closes it", async () => {
    const dir = join(root, "into");
    const blobs = createFsBlobStore(dir, { fsync: false });
    const data = randomBytes(MiB + 5, 11);
    await blobs.put("into", data, { size: data.length });
    const before = readdirSync("/proc/self/fd").length;
    for (const [offset, length] of [[0, data.length], [3, 300_000], [MiB, 100]] as const) {
      const into = new Uint8Array(length + 7).fill(0xee);
      const got = await blobs.get("into", { range: { offset, length }, into });
      expect(got!.size).toBe(data.length);
      const pieces: Uint8Array[] = [];
      for await (const v of got!.body as unknown as AsyncIterable<Uint8Array>) pieces.push(v);
      expect(pieces.length).toBe(1);
      expect(pieces[0]!.buffer).toBe(into.buffer);
      expect(pieces[0]!.byteOffset).toBe(0);
      expect(pieces[0]).toEqual(data.subarray(offset, offset + length));
      expect(into[length]).toBe(0xee); // nothing past the range
    }
    // Past the end: what there is (the reader sees it short).
    const into = new Uint8Array(100);
    const got = await blobs.get("into", { range: { offset: data.length - 10, length: 100 }, into });
    expect(new Uint8Array(await new Response(got!.body).arrayBuffer())).toEqual(data.subarray(data.length - 10));
    // A buffer shorter than the range is not used: lent pieces as before.
    const small = await blobs.get("into", { range: { offset: 0, length: 300_000 }, into: new Uint8Array(10) });
    const pieces: Uint8Array[] = [];
    for await (const v of small!.body as unknown as AsyncIterable<Uint8Array>) pieces.push(v.slice());
    expect(pieces.length).toBe(2);
    expect(Buffer.concat(pieces)).toEqual(Buffer.from(data.subarray(0, 300_000)));
    expect(readdirSync("/proc/self/fd").length).toBe(before);
  });
});

describe("fs BlobStore, temp files left by a crash", () => {
  it("sweepTemp deletes temp files older than the cutoff and keeps newer ones", async () => {
    const dir = join(root, "sweep");
    const blobs = createFsBlobStore(dir);
    await blobs.put("keepme", randomBytes(10, 1), { size: 10 }); // creates .tmp
    const { utimesSync, writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, ".tmp", "old-put"), "partial");
    writeFileSync(join(dir, ".tmp", "live-put"), "partial");
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, ".tmp", "old-put"), hourAgo, hourAgo);
    expect(await blobs.sweepTemp(Date.now() - 60_000)).toBe(1);
    expect(tmpFiles(dir)).toEqual(["live-put"]);
    expect(await blobs.head("keepme")).toEqual({ size: 10 });
    expect(await createFsBlobStore(join(root, "never-used")).sweepTemp(Date.now())).toBe(0);
  });

  it("sweepTemp never cuts off a put this process is still writing, whatever its age", async () => {
    const dir = join(root, "sweep-live");
    const blobs = createFsBlobStore(dir);
    let more!: () => void;
    const resume = new Promise<void>((r) => { more = r; });
    const data = randomBytes(2000, 5);
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        c.enqueue(data.slice(0, 1000));
        await resume;
        c.enqueue(data.slice(1000));
        c.close();
      },
    });
    const put = blobs.put("stalled", body, { size: 2000 });
    for (let i = 0; i < 100 && tmpFiles(dir).length === 0; i++) await Bun.sleep(5);
    expect(tmpFiles(dir).length).toBe(1);
    expect(await blobs.sweepTemp(Date.now() + 3600_000)).toBe(0);
    more();
    await put;
    expect(await blobs.head("stalled")).toEqual({ size: 2000 });
  });
});
