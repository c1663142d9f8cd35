// madmin body encryption (specs/minio-admin.md §4): BLAKE2b, Argon2id (RFC 9106), ChaCha20-
// Poly1305 (RFC 8439) and the sio stream, checked with the published vectors and §4.4's
// bodies produced by Go's madmin; then the key cache of §4.5.
// Prints the cost of one Argon2id (t=1, m=64 MiB, p=4) on this runtime.
import { describe, expect, it } from "bun:test";
import { argon2id } from "../../../src/admin/crypto/argon2id.ts";
import { blake2b } from "../../../src/admin/crypto/blake2b.ts";
import { chacha20poly1305Open, chacha20poly1305Seal, poly1305 } from "../../../src/admin/crypto/chacha20-poly1305.ts";
import {
  decryptData, decryptWithKey, deriveKey, encryptData, encryptWithKey, type CipherId, type Kdf,
} from "../../../src/admin/crypto/encrypt-data.ts";
import { createMadminCrypto } from "../../../src/admin/crypto/madmin-crypto.ts";
import { aesGcm, chacha20Poly1305 } from "../../../src/admin/crypto/sio.ts";
import { fromHex, toHex } from "../../../src/util/hash.ts";

const te = new TextEncoder();
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);

describe("BLAKE2b and Argon2id", () => {
  it("BLAKE2b-512 of 'abc' and of '' (RFC 7693 appendix A; the reference implementation)", () => {
    expect(toHex(blake2b(64, te.encode("abc")))).toBe(
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    expect(toHex(blake2b(64))).toBe(
      "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
  });

  it("Argon2id RFC 9106 §5.3 vector (t=3, m=32, p=4, secret and associated data)", () => {
    const tag = argon2id(fill(32, 1), fill(16, 2), { passes: 3, memoryKiB: 32, lanes: 4, tagLength: 32, secret: fill(8, 3), ad: fill(12, 4) });
    expect(toHex(tag)).toBe("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
  });

  it("madmin's key (§4.4): Argon2id t=1 m=64 MiB p=4 of '12345678' and 32 × 0x11; PBKDF2 for id 0x02", async () => {
    const t0 = performance.now();
    const key = await deriveKey("argon2id", "12345678", fill(32, 0x11));
    const ms = performance.now() - t0;
    console.log(`argon2id t=1 m=64MiB p=4: ${ms.toFixed(0)} ms (${typeof Bun === "undefined" ? "?" : `Bun ${Bun.version}`})`);
    expect(toHex(key)).toBe("2f7529ef6f69c4612a31fe0759525bba58c0fb1ec624266d5014f8fa990f3f61");
    expect(toHex(await deriveKey("pbkdf2", "12345678", fill(32, 0x11)))).toBe("28773b40076c064b942f8837068717d3f9c798e1ac05e274479efce9fabff056");
  });
});

describe("ChaCha20-Poly1305 (RFC 8439)", () => {
  it("Poly1305 §2.5.2", () => {
    const key = fromHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
    expect(toHex(poly1305(key, te.encode("Cryptographic Forum Research Group")))).toBe("a8061dc1305136c6c22b8baf0c0127a9");
  });

  it("Poly1305 agrees with a BigInt reference on random keys and lengths (incl. h near 2^130 − 5)", () => {
    const p = (1n << 130n) - 5n;
    const le = (b: Uint8Array) => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n);
    const ref = (key: Uint8Array, m: Uint8Array) => {
      const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
      let h = 0n;
      for (let i = 0; i < m.length; i += 16) {
        const c = m.subarray(i, i + 16);
        h = ((h + le(c) + (1n << BigInt(8 * c.length))) * r) % p;
      }
      const t = (h + le(key.subarray(16))) & ((1n << 128n) - 1n);
      return Array.from({ length: 16 }, (_, i) => Number((t >> BigInt(8 * i)) & 0xffn));
    };
    for (let n = 0; n < 200; n++) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const m = n < 8 ? fill(16 * (n + 1), 0xff) : crypto.getRandomValues(new Uint8Array(n % 97));
      if (n < 4) key.fill(0xff, 0, 16);
      expect(Array.from(poly1305(key, m))).toEqual(ref(key, m));
    }
  });

  it("AEAD §2.8.2: ciphertext, tag, open; a flipped bit or wrong aad does not open", () => {
    const key = fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const nonce = fromHex("070000004041424344454647");
    const aad = fromHex("50515253c0c1c2c3c4c5c6c7");
    const pt = te.encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = chacha20poly1305Seal(key, nonce, pt, aad);
    expect(toHex(sealed.subarray(0, 16))).toBe("d31a8d34648e60db7b86afbc53ef7ec2");
    expect(toHex(sealed.subarray(-16))).toBe("1ae10b594f09e26a7e902ecbd0600691");
    expect(chacha20poly1305Open(key, nonce, sealed, aad)).toEqual(pt);
    const bad = sealed.slice();
    bad[5] ^= 1;
    expect(chacha20poly1305Open(key, nonce, bad, aad)).toBeNull();
    expect(chacha20poly1305Open(key, nonce, sealed, new Uint8Array(0))).toBeNull();
  });
});

describe("EncryptData / DecryptData (§4.4 bodies from Go's madmin)", () => {
  const PT = te.encode('{"secretKey":"user1secret","status":"enabled"}');
  const ARGON_KEY = fromHex("2f7529ef6f69c4612a31fe0759525bba58c0fb1ec624266d5014f8fa990f3f61");
  const PBKDF2_KEY = fromHex("28773b40076c064b942f8837068717d3f9c798e1ac05e274479efce9fabff056");
  const VECTORS: [CipherId, Uint8Array, string, string][] = [
    [0, ARGON_KEY, "5e9c1bf9a0f7c5dda2fe9c07d994d4cc",
      "193be8af2f09f153caba36313d57684146cefec644f9d37b34ea90ac3f6ab02417d602a6b8526d2008d9276f0022246307a0a9bff75335686db38e059d6b"],
    [1, ARGON_KEY, "e4b42faf1e403d19700e671d114f69b4",
      "a48f5b7be1a468ce8168fb966b2056f58c3209b924c3017b7312610258e990c081b42c9ce99e6b53839054bd232111068f6076c78786fa7e3d3f338febbd"],
    [2, PBKDF2_KEY, "b7831748647b3f74fe33175e5cebadd5",
      "b8e3379b47cb5bf4188230901fa7ec767238936bcf3477938052761b3329a88155c90c4fcfb73633c58dc0af4585d49caf9c9f82a7d6a21df5f2ada20eaf"],
  ];
  const header = (id: number) => "11".repeat(32) + id.toString(16).padStart(2, "0") + "22".repeat(8);

  it.each(VECTORS)("id 0x0%d: tag0, the exact body, and it opens", async (id, key, tag0, stream) => {
    const aead = id === 1 ? chacha20Poly1305(key) : await aesGcm(key);
    expect(toHex(await aead.seal(new Uint8Array([...fill(8, 0x22), 0, 0, 0, 0]), new Uint8Array(0), new Uint8Array(0)))).toBe(tag0);
    const body = await encryptWithKey(key, fill(32, 0x11), id, fill(8, 0x22), PT);
    expect(toHex(body)).toBe(header(id) + stream);
    expect(await decryptWithKey(key, fromHex(header(id) + stream))).toEqual(PT);
  });

  it("decryptData with the password (PBKDF2 body) and encryptData round trip; wrong password → null", async () => {
    const body = fromHex(header(2) + VECTORS[2][3]);
    expect(await decryptData("12345678", body)).toEqual(PT);
    expect(await decryptData("12345679", body)).toBeNull();
    const again = await encryptData("pw-secret", PT, { id: 2 });
    expect(await decryptData("pw-secret", again)).toEqual(PT);
  });

  // §4.4: plaintext size → body size, for each AEAD (keys given, so no KDF cost).
  it.each([[0, 57], [1, 58], [16383, 16440], [16384, 16441], [16385, 16458], [32768, 32841], [40000, 40089]])(
    "%d bytes of plaintext → %d bytes of body; opens under ids 0, 1",
    async (n, size) => {
      const pt = crypto.getRandomValues(new Uint8Array(n));
      for (const id of [0, 1] as const) {
        const body = await encryptWithKey(ARGON_KEY, fill(32, 3), id, crypto.getRandomValues(new Uint8Array(8)), pt);
        expect(body.length).toBe(size);
        expect(await decryptWithKey(ARGON_KEY, body)).toEqual(pt);
      }
    },
  );

  it("refuses tampered, truncated, extended, short and unknown-id bodies", async () => {
    const pt = crypto.getRandomValues(new Uint8Array(40000));
    for (const id of [0, 1] as const) {
      const body = await encryptWithKey(ARGON_KEY, fill(32, 3), id, fill(8, 9), pt);
      const flipped = body.slice();
      flipped[100] ^= 0x40;
      expect(await decryptWithKey(ARGON_KEY, flipped)).toBeNull();
      // Dropping the final fragment leaves a non-final one last: its flag does not authenticate.
      expect(await decryptWithKey(ARGON_KEY, body.subarray(0, 41 + 16400))).toBeNull();
      expect(await decryptWithKey(ARGON_KEY, body.subarray(0, body.length - 1))).toBeNull();
      expect(await decryptWithKey(ARGON_KEY, new Uint8Array([...body, 0]))).toBeNull();
      const prefix = body.slice();
      prefix[35] ^= 1; // nonce prefix
      expect(await decryptWithKey(ARGON_KEY, prefix)).toBeNull();
    }
    expect(await decryptWithKey(ARGON_KEY, fill(40, 0))).toBeNull();
    expect(await decryptWithKey(ARGON_KEY, fill(57, 3))).toBeNull(); // id 0x03
    expect(await decryptWithKey(ARGON_KEY, fill(56, 0))).toBeNull(); // header + 15 bytes: shorter than a tag
  });
});

describe("the key cache (§4.5)", () => {
  /** A counting stand-in for the KDF (keys from SHA-256), so the cache is tested without 64 MiB per call. */
  const counting = () => {
    const calls: Kdf[] = [];
    const derive = async (kdf: Kdf, pw: string, salt: Uint8Array) => {
      calls.push(kdf);
      return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array([...te.encode(kdf + pw), ...salt])));
    };
    return { calls, derive };
  };

  it("responses to one secret share one (salt, key) with fresh nonce prefixes; another secret derives its own", async () => {
    const { calls, derive } = counting();
    const mc = createMadminCrypto({ derive });
    const a = await mc.encrypt("secret-one", te.encode("x"));
    const b = await mc.encrypt("secret-one", te.encode("x"));
    expect(calls).toEqual(["argon2id"]);
    expect(a.subarray(0, 33)).toEqual(b.subarray(0, 33)); // salt and id
    expect(a.subarray(33, 41)).not.toEqual(b.subarray(33, 41)); // nonce prefix
    expect(a[32]).toBe(0);
    expect(await mc.decrypt("secret-one", b)).toEqual(te.encode("x"));
    expect(calls.length).toBe(1);
    await mc.encrypt("secret-two", te.encode("x"));
    expect(calls.length).toBe(2);
  });

  it("a request's salt becomes the response salt (add-service-account: one derivation); each new request salt derives", async () => {
    const { calls, derive } = counting();
    const mc = createMadminCrypto({ derive });
    const req = await encryptWithKey(await derive("argon2id", "s3cr3t-key", fill(32, 7)), fill(32, 7), 0, fill(8, 1), te.encode("{}"));
    calls.length = 0;
    expect(await mc.decrypt("s3cr3t-key", req)).toEqual(te.encode("{}"));
    const res = await mc.encrypt("s3cr3t-key", te.encode("ok"));
    expect(calls).toEqual(["argon2id"]);
    expect(res.subarray(0, 32)).toEqual(fill(32, 7));
    // A body under another secret does not open and caches no response salt for it.
    expect(await mc.decrypt("other-secret", req)).toBeNull();
    const req2 = await encryptWithKey(await derive("argon2id", "s3cr3t-key", fill(32, 8)), fill(32, 8), 1, fill(8, 1), te.encode("{}"));
    calls.length = 0;
    expect(await mc.decrypt("s3cr3t-key", req2)).toEqual(te.encode("{}"));
    expect(calls).toEqual(["argon2id"]);
  });

  it("keeps at most maxKeys keys, oldest out first", async () => {
    const { calls, derive } = counting();
    const mc = createMadminCrypto({ derive, maxKeys: 2 });
    for (const s of ["secret-a1", "secret-b1", "secret-c1"]) await mc.encrypt(s, te.encode("x"));
    await mc.encrypt("secret-c1", te.encode("x"));
    expect(calls.length).toBe(3);
    await mc.encrypt("secret-a1", te.encode("x"));
    expect(calls.length).toBe(4);
  });
});
