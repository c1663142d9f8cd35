// What every BlobStore does (src/store/types.ts), run against each backend: memory, fs, s3.
// Keys are generated ids in real use (ingest.ts): UUIDs, or `<16 hex>-<uuid>`.
import { describe, expect, it } from "bun:test";
import type { BlobStore } from "../../src/store/types.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const text = async (s: ReadableStream<Uint8Array>) => new Response(s).text();
const bytes = async (s: ReadableStream<Uint8Array>): Promise<Uint8Array> => new Uint8Array(await new Response(s).arrayBuffer());

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24; }
  return out;
}

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

/** `make()` returns a fresh, empty store (or one whose other keys don't share the ids used here). */
export function blobStoreContract(name: string, make: () => BlobStore | Promise<BlobStore>) {
  const id = (tag: string) => `${tag}-${crypto.randomUUID()}`;

  describe(`BlobStore contract: ${name}`, () => {
    it("put, get (whole and ranged), head, delete", async () => {
      const b = await make();
      const k = id("a");
      await b.put(k, enc("hello world"), { size: 11 });
      const whole = await b.get(k);
      expect(whole!.size).toBe(11);
      expect(await text(whole!.body)).toBe("hello world");
      const part = await b.get(k, { range: { offset: 6, length: 5 } });
      expect(part!.size).toBe(11); // the blob's size, not the range's
      expect(await text(part!.body)).toBe("world");
      expect(await b.head(k)).toEqual({ size: 11 });
      await b.delete([k, id("missing")]);
      expect(await b.get(k)).toBeNull();
      expect(await b.head(k)).toBeNull();
    });

    it("a missing blob is null for get and head; deleting nothing is fine", async () => {
      const b = await make();
      expect(await b.get(id("none"))).toBeNull();
      expect(await b.get(id("none"), { range: { offset: 0, length: 1 } })).toBeNull();
      expect(await b.head(id("none"))).toBeNull();
      await b.delete([]);
    });

    it("stores a stream of the declared size, read back whole and by range", async () => {
      const b = await make();
      const data = pattern(1024 * 1024 + 17, 1);
      const k = id("s");
      await b.put(k, feed(data, 64 * 1024), { size: data.length });
      expect(await bytes((await b.get(k))!.body)).toEqual(data);
      expect(await bytes((await b.get(k, { range: { offset: 1000, length: 70_000 } }))!.body)).toEqual(data.subarray(1000, 71_000));
      expect(await bytes((await b.get(k, { range: { offset: data.length - 1, length: 1 } }))!.body)).toEqual(data.subarray(data.length - 1));
    });

    it("a put whose stream errors, or is shorter or longer than declared, stores nothing", async () => {
      const b = await make();
      const data = pattern(200_000, 2);
      const [failing, short, long, bad] = [id("f"), id("sh"), id("lo"), id("bad")];
      await expect(b.put(failing, feed(data, 16_384, 100_000), { size: data.length })).rejects.toBeDefined();
      await expect(b.put(short, feed(data, 16_384), { size: data.length + 1 })).rejects.toBeDefined();
      await expect(b.put(long, feed(data, 16_384), { size: data.length - 1 })).rejects.toBeDefined();
      await expect(b.put(bad, enc("abc"), { size: 4 })).rejects.toBeDefined();
      for (const k of [failing, short, long, bad]) expect(await b.head(k)).toBeNull();
    });

    it("an empty blob", async () => {
      const b = await make();
      const k = id("e");
      await b.put(k, new Uint8Array(), { size: 0 });
      expect(await b.head(k)).toEqual({ size: 0 });
      const got = await b.get(k);
      expect(got!.size).toBe(0);
      expect((await bytes(got!.body)).length).toBe(0);
    });

    it("lists by prefix with a cursor, in key order", async () => {
      const b = await make();
      const p = `p${crypto.randomUUID().slice(0, 8)}`;
      for (const k of ["a1", "a2", "a3", "b1"]) await b.put(`${p}${k}`, enc(k), { size: 2 });
      const first = await b.list({ prefix: `${p}a`, limit: 2 });
      expect(first.keys).toEqual([`${p}a1`, `${p}a2`]);
      expect(first.cursor).toBeDefined();
      const rest = await b.list({ prefix: `${p}a`, cursor: first.cursor });
      expect(rest.keys).toEqual([`${p}a3`]);
      expect(rest.cursor).toBeUndefined();
      expect((await b.list({ prefix: p })).keys).toEqual([`${p}a1`, `${p}a2`, `${p}a3`, `${p}b1`]);
    });

    it("deletes many keys at once", async () => {
      const b = await make();
      const p = `m${crypto.randomUUID().slice(0, 8)}`;
      const keys = Array.from({ length: 30 }, (_, i) => `${p}-${String(i).padStart(3, "0")}`);
      await Promise.all(keys.map((k) => b.put(k, enc("x"), { size: 1 })));
      expect((await b.list({ prefix: p })).keys.length).toBe(30);
      await b.delete(keys);
      expect((await b.list({ prefix: p })).keys).toEqual([]);
    });
  });
}
