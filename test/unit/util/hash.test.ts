// Hex encoding and the runtime's synchronous digests (Bun) against WebCrypto.
import { afterEach, describe, expect, it } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { hmac, hmacHex, installSyncDigests, sha256Hex, timingSafeEqual, toHex } from "../../../src/util/hash.ts";
import { bunSyncDigests } from "../../../src/runtime/bun/hasher.ts";
import { randomBytes } from "../helpers/s3.ts";

afterEach(() => installSyncDigests(null));

describe("toHex", () => {
  it("encodes every byte value as two lower-case digits", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Buffer.from(all).toString("hex"));
    expect(toHex(new Uint8Array())).toBe("");
  });
});

describe.each([["WebCrypto", null], ["Bun sync digests", bunSyncDigests]] as const)("%s", (_name, impl) => {
  it("sha256Hex and hmac (SHA-256, SHA-1; string and byte keys) match node:crypto", async () => {
    installSyncDigests(impl);
    const data = randomBytes(1000, 1);
    expect(await sha256Hex(data)).toBe(createHash("sha256").update(data).digest("hex"));
    expect(await sha256Hex("abc")).toBe(createHash("sha256").update("abc").digest("hex"));
    const key = randomBytes(32, 2);
    expect(toHex(await hmac(key, "msg"))).toBe(createHmac("sha256", key).update("msg").digest("hex"));
    expect(toHex(await hmac("AWS4secret", "20130524"))).toBe(createHmac("sha256", "AWS4secret").update("20130524").digest("hex"));
    expect(toHex(await hmac("secret", "sts", "SHA-1"))).toBe(createHmac("sha1", "secret").update("sts").digest("hex"));
    // The same key buffer under both algorithms (WebCrypto caches imported keys per buffer).
    expect(toHex(await hmac(key, "msg", "SHA-1"))).toBe(createHmac("sha1", key).update("msg").digest("hex"));
    expect(toHex(await hmac(key, "msg2"))).toBe(createHmac("sha256", key).update("msg2").digest("hex"));
  });

  it("hex digests of strings hash their UTF-8 (non-ASCII included)", async () => {
    installSyncDigests(impl);
    const key = randomBytes(32, 3);
    for (const s of ["", "AWS4-HMAC-SHA256\n20130524T000000Z", "caf\u00e9 \u{1F600}"]) {
      expect(await sha256Hex(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"));
      expect(await hmacHex(key, s)).toBe(createHmac("sha256", key).update(s, "utf8").digest("hex"));
    }
  });
});

describe("timingSafeEqual", () => {
  it("is string equality: lengths, every position, non-ASCII and lone surrogates", () => {
    const sig = "f".repeat(64);
    expect(timingSafeEqual(sig, sig)).toBe(true);
    expect(timingSafeEqual("", "")).toBe(true);
    expect(timingSafeEqual(sig, sig.slice(1))).toBe(false);
    expect(timingSafeEqual(sig, `${sig}0`)).toBe(false);
    expect(timingSafeEqual(sig, "")).toBe(false);
    for (let i = 0; i < 64; i++) expect(timingSafeEqual(sig, `${sig.slice(0, i)}e${sig.slice(i + 1)}`)).toBe(false);
    expect(timingSafeEqual("caf\u00e9", "caf\u00e9")).toBe(true);
    expect(timingSafeEqual("caf\u00e9", "cafe")).toBe(false);
    // Two different lone surrogates both encode to U+FFFD in UTF-8: still not equal.
    expect(timingSafeEqual("\ud800", "\udc00")).toBe(false);
  });
});
