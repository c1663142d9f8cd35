// The sealing primitives: round trips, determinism where dedup needs it, and refusal of a wrong
// key, a changed byte or a wrong wrapping context.
import { describe, expect, it } from "bun:test";
import { createHash } from "node:crypto";
import { openChunk, sealChunk, SEAL_OVERHEAD, unwrapKey, wrapKey } from "../../../src/sse/crypto.ts";
import { kmsKeyName } from "../../../src/sse/keys.ts";

const key = (n: number) => new Uint8Array(32).fill(n);
const data = new TextEncoder().encode("a chunk of plaintext, MARKER-123");

describe("sealChunk / openChunk", () => {
  const sha = new Uint8Array(createHash("sha256").update(data).digest());
  it.each([["convergent", sha], ["random", undefined]] as const)("%s: round-trips, 32 bytes longer, no plaintext", async (_mode, digest) => {
    const sealed = await sealChunk(key(1), data, digest);
    expect(sealed.length).toBe(data.length + SEAL_OVERHEAD);
    expect(new TextDecoder().decode(sealed)).not.toContain("MARKER");
    expect(await openChunk(key(1), sealed)).toEqual(data);
  });

  it("convergent: equal plaintexts under one root seal alike (dedup), under another root differently", async () => {
    expect(await sealChunk(key(1), data, sha)).toEqual(await sealChunk(key(1), data, sha));
    expect(await sealChunk(key(2), data, sha)).not.toEqual(await sealChunk(key(1), data, sha));
    const other = data.slice(); other[0] ^= 1;
    const otherSha = new Uint8Array(createHash("sha256").update(other).digest());
    expect((await sealChunk(key(1), other, otherSha)).subarray(0, 16)).not.toEqual((await sealChunk(key(1), data, sha)).subarray(0, 16));
  });

  it("random: the same plaintext seals differently every time", async () => {
    expect(await sealChunk(key(1), data)).not.toEqual(await sealChunk(key(1), data));
  });

  it("a wrong root, a flipped bit or a short blob does not open", async () => {
    const sealed = await sealChunk(key(1), data);
    expect(await openChunk(key(2), sealed)).toBeNull();
    for (const i of [0, 20, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i] ^= 1;
      expect(await openChunk(key(1), bad)).toBeNull();
    }
    expect(await openChunk(key(1), sealed.subarray(0, 10))).toBeNull();
  });

  it("an empty chunk round-trips", async () => {
    expect(await openChunk(key(3), await sealChunk(key(3), new Uint8Array(0), new Uint8Array(32)))).toEqual(new Uint8Array(0));
  });
});

describe("wrapKey / unwrapKey", () => {
  it("unwraps only under the same master key and context", async () => {
    const w = await wrapKey(key(9), key(5), "bucket a");
    expect(await unwrapKey(key(9), w, "bucket a")).toEqual(key(5));
    expect(await unwrapKey(key(8), w, "bucket a")).toBeNull();
    expect(await unwrapKey(key(9), w, "bucket b")).toBeNull();
    expect(await unwrapKey(key(9), w.subarray(0, 8), "bucket a")).toBeNull();
  });
});

describe("kmsKeyName", () => {
  it.each([["k1", "k1"], ["arn:aws:kms:k1", "k1"], ["arn:aws:kms:us-east-1:123:key/k1", "k1"], [" k1 ", "k1"]])("%s → %s", (id, name) => {
    expect(kmsKeyName(id)).toBe(name);
  });
});

describe("Bun's node:crypto AES-GCM (Deps.aesGcm)", () => {
  it("writes what WebCrypto writes and opens what it seals, and refuses a changed byte", async () => {
    const { bunAesGcm } = await import("../../../src/runtime/bun/aes-gcm.ts");
    const sha = new Uint8Array(createHash("sha256").update(data).digest());
    const native = await sealChunk(key(4), data, sha, bunAesGcm);
    expect(native).toEqual(await sealChunk(key(4), data, sha));
    expect(await openChunk(key(4), native)).toEqual(data);
    const random = await sealChunk(key(4), data, undefined, bunAesGcm);
    expect(await openChunk(key(4), random, bunAesGcm)).toEqual(data);
    random[30] ^= 1;
    expect(await openChunk(key(4), random, bunAesGcm)).toBeNull();
    expect(await openChunk(key(5), native, bunAesGcm)).toBeNull();
  });
});
