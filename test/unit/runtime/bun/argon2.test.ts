// Bun's native Argon2id derives madmin's key (specs/minio-admin.md §4.4) exactly as the portable one does.
import { describe, expect, it } from "bun:test";
import { bunArgon2id } from "../../../../src/runtime/bun/argon2.ts";
import { deriveKey } from "../../../../src/admin/crypto/encrypt-data.ts";
import { toHex } from "../../../../src/util/hash.ts";

describe("bunArgon2id", () => {
  it("§4.4: t=1 m=64 MiB p=4 of '12345678' and 32 × 0x11", async () => {
    const key = await deriveKey("argon2id", "12345678", new Uint8Array(32).fill(0x11), bunArgon2id);
    expect(toHex(key)).toBe("2f7529ef6f69c4612a31fe0759525bba58c0fb1ec624266d5014f8fa990f3f61");
  });
});
