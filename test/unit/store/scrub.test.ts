// scrubStore over the memory blob store and the SQL MetaStore (plain and sharded by bucket):
// every chunk row is read and checked; damaged ones are reported with what names them.
import { describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkChunk, scrubStore } from "../../../src/store/scrub.ts";
import { createFsBlobStore } from "../../../src/runtime/bun/fs-blob-store.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";
import { KiB, randomBytes, sha256Hex, withBucket } from "../helpers/s3.ts";

type Env = Awaited<ReturnType<typeof withBucket>>["env"];

async function blobBytes(env: Env, key: string): Promise<Uint8Array> {
  const b = await env.blobs.get(key);
  return new Uint8Array(await new Response(b!.body).arrayBuffer());
}

/** The manifest of an object, straight from the MetaStore. */
async function manifestOf(env: Env, bucket: string, key: string) {
  return (await env.deps.meta.getObject(bucket, key))!.manifest!;
}

describe.each([["one SQLite store", false], ["sharded by bucket", true]])("scrubStore (%s)", (_name, sharded) => {
  async function store() {
    const { env, c } = await withBucket("bkt", {}, { sharded });
    await c.createBucket("two");
    // chunks of 64 KiB: 3 + 1 chunks, a single chunk, an inline object (no chunk), and the same
    // bytes in a second bucket (its own chunk row when sharded, a shared one otherwise).
    const big = randomBytes(200 * KiB, 1);
    expect((await c.put("bkt", "big", big)).status).toBe(200);
    expect((await c.put("bkt", "one", randomBytes(10 * KiB, 2))).status).toBe(200);
    expect((await c.put("bkt", "small", "tiny")).status).toBe(200);
    expect((await c.put("two", "copy-of-big", big)).status).toBe(200);
    return { env, c };
  }

  it("a clean store: every chunk row is read (across pages), nothing is bad", async () => {
    const { env } = await store();
    const rows = await env.deps.meta.countChunks();
    expect(rows).toBe(sharded ? 9 : 5);
    for (const pageSize of [1, 2, 500]) {
      const report = await scrubStore(env.deps, { pageSize });
      expect(report).toEqual({ chunks: rows, bytes: (sharded ? 2 : 1) * 200 * KiB + 10 * KiB, bad: [] });
    }
  });

  it("reports missing, truncated, longer and rotten chunks with the objects and parts naming them; quarantines all but the missing", async () => {
    const { env, c } = await store();
    const uploadId = await c.createUpload("bkt", "mpu");
    await c.uploadPart("bkt", "mpu", uploadId, 1, randomBytes(5 * KiB, 3));
    const big = await manifestOf(env, "bkt", "big");
    const one = (await manifestOf(env, "bkt", "one"))[0];
    const part = (await env.deps.meta.listParts("bkt", uploadId, { after: 0, limit: 10 }))[0].manifest![0];

    await env.blobs.delete([big[0].blob]);
    const b1 = await blobBytes(env, big[1].blob);
    await env.blobs.put(big[1].blob, b1.subarray(1), { size: b1.length - 1 });
    const b3 = await blobBytes(env, big[3].blob);
    await env.blobs.put(big[3].blob, new Uint8Array([...b3, 1]), { size: b3.length + 1 });
    const o = await blobBytes(env, one.blob);
    o[o.length - 1] ^= 0x80;
    await env.blobs.put(one.blob, o, { size: o.length });
    const p = await blobBytes(env, part.blob);
    p[0] ^= 1;
    await env.blobs.put(part.blob, p, { size: p.length });

    const moved: string[] = [];
    const report = await scrubStore(env.deps, { pageSize: 2, quarantine: async (blob) => { moved.push(blob); } });
    const bad = Object.fromEntries(report.bad.map((b) => [b.blob, b]));
    expect(report.bad).toHaveLength(5);
    expect(report.chunks).toBe(await env.deps.meta.countChunks());
    // With one store, "two/copy-of-big" shares big's chunks; sharded, it has chunks of its own.
    const bigRefs = sharded ? ["bkt/big"] : ["bkt/big", "two/copy-of-big"];
    expect(bad[big[0].blob]).toMatchObject({ hash: big[0].hash, size: big[0].size, problem: "missing", refs: bigRefs });
    expect(bad[big[1].blob]).toMatchObject({ problem: "truncated", detail: `${b1.length - 1} of ${b1.length} bytes`, refs: bigRefs, quarantined: true });
    expect(bad[big[3].blob]).toMatchObject({ problem: "too long", refs: bigRefs, quarantined: true });
    expect(bad[one.blob]).toMatchObject({ hash: one.hash, problem: "corrupt", refs: ["bkt/one"], quarantined: true });
    expect(bad[one.blob].detail).toMatch(/^sha256 [0-9a-f]{64}$/);
    expect(bad[part.blob]).toMatchObject({ problem: "corrupt", refs: [`bkt/mpu (upload ${uploadId} part 1)`] });
    expect(bad[big[0].blob].quarantined).toBeUndefined(); // nothing to move
    expect(moved.sort()).toEqual([big[1].blob, big[3].blob, one.blob, part.blob].sort());
  });

  it("a chunk collected while the scrub read it (row gone, then blob) is not reported", async () => {
    const { env, c } = await store();
    const one = (await manifestOf(env, "bkt", "one"))[0];
    // The blob store answers for a blob whose row garbage collection removes at that moment.
    const get = env.deps.blobs.get.bind(env.deps.blobs);
    env.deps.blobs = {
      ...env.deps.blobs,
      async get(key, opts) {
        if (key === one.blob) {
          await c.del("bkt", "one");
          env.setNow(Date.now() + 1);
          await env.deps.meta.collectGarbage({ staleSessionsBefore: 0, limit: 100 });
          return null;
        }
        return get(key, opts);
      },
    };
    const report = await scrubStore(env.deps);
    expect(report.bad).toEqual([]);
  });
});

// Over the filesystem store, which records each blob's CRC-32 (what a GET checks it by): rot is
// found by SHA-256 as before, and a record that does not match bytes whose SHA-256 does is
// reported too, since every GET of the chunk would fail.
describe("checkChunk over the fs store", () => {
  it("a healthy blob passes; rot is corrupt by SHA-256; a wrong CRC-32 record is corrupt by it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3edge-scrubcrc-"));
    try {
      const blobs = createFsBlobStore(dir, { fsync: false });
      const deps = { blobs, hasher: bunHasher };
      const data = randomBytes(300 * KiB, 9);
      const row = (blob: string) => ({ hash: sha256Hex(data), blob, size: data.length });
      for (const k of ["ok", "rot", "rec"]) await blobs.put(k, data, { size: data.length });
      expect((await blobs.get("ok"))!.crc32).toBeDefined();
      expect(await checkChunk(deps, row("ok"))).toBeNull();

      const rot = readFileSync(join(dir, "ro", "rot"));
      rot[1234] ^= 4;
      writeFileSync(join(dir, "ro", "rot"), rot);
      expect(await checkChunk(deps, row("rot"))).toMatchObject({ problem: "corrupt", detail: expect.stringMatching(/^sha256 [0-9a-f]{64}$/) });

      await blobs.put("rec", rot, { size: rot.length }); // records the CRC-32 of other bytes…
      writeFileSync(join(dir, "re", "rec"), data); // …than the blob's (as its row says)
      expect(await checkChunk(deps, row("rec"))).toEqual({ problem: "corrupt", detail: `crc32 ${Bun.hash.crc32(data).toString(16).padStart(8, "0")}, recorded ${Bun.hash.crc32(rot).toString(16).padStart(8, "0")}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
