import type { DigestAlgorithm, Hasher } from "../deps.ts";
import { crc32, crc32c, crc64nvme, u32be } from "./crc.ts";

/** Hashers for the CRC family, portable; runtimes may supply faster native ones. */
export function portableCrcHasher(alg: "crc32" | "crc32c" | "crc64nvme"): Hasher {
  if (alg === "crc64nvme") {
    let st: [number, number] = [0, 0];
    return { update: (d) => { st = crc64nvme(st, d); }, digest: async () => new Uint8Array([...u32be(st[0]), ...u32be(st[1])]) };
  }
  const f = alg === "crc32" ? crc32 : crc32c;
  let c = 0;
  return { update: (d) => { c = f(c, d); }, digest: async () => u32be(c) };
}

export const isCrc = (a: DigestAlgorithm): a is "crc32" | "crc32c" | "crc64nvme" => a.startsWith("crc");

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// A table lookup per byte: hex strings (signatures, digests, request ids) are built on every request.
// Where the runtime has Uint8Array.prototype.toHex (ES2025), that one.
const nativeToHex = (Uint8Array.prototype as { toHex?: () => string }).toHex;
export const toHex = nativeToHex ? (b: Uint8Array): string => nativeToHex.call(b) : (b: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
};

export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Strict base64 decode; null when malformed. */
export function fromBase64(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

const enc = new TextEncoder();
export const utf8 = (s: string) => enc.encode(s);

/**
 * Synchronous SHA-256 / HMAC a runtime may install (Bun: CryptoHasher). WebCrypto's promise
 * round trip costs ~60 µs per call on Bun, and a SigV4 check makes several: it dominated small
 * requests. Without one (Workers), WebCrypto is used, with imported HMAC keys cached.
 */
export interface SyncDigests {
  sha256(data: Uint8Array): Uint8Array;
  hmac(alg: "SHA-256" | "SHA-1", key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Hex digests of a string's UTF-8, without encoding it first (a SigV4 check makes two per request). */
  sha256HexOf(data: string): string;
  hmacHexOf(key: Uint8Array, data: string): string;
}

let syncDigests: SyncDigests | null = null;

/** Installs (or with null removes) the runtime's synchronous digests; process-wide. */
export function installSyncDigests(impl: SyncDigests | null): void {
  syncDigests = impl;
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  if (syncDigests) return typeof data === "string" ? syncDigests.sha256HexOf(data) : toHex(syncDigests.sha256(data));
  const d = typeof data === "string" ? utf8(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", d as BufferSource)));
}

// Imported keys per key buffer: the SigV4 signing key is cached (sigv4.ts), so its CryptoKey is too.
const importedKeys = new WeakMap<Uint8Array, { alg: string; key: CryptoKey }>();

async function hmacKey(key: Uint8Array | string, alg: "SHA-256" | "SHA-1"): Promise<CryptoKey> {
  const cached = typeof key === "string" ? undefined : importedKeys.get(key);
  if (cached?.alg === alg) return cached.key;
  const k = await crypto.subtle.importKey("raw", (typeof key === "string" ? utf8(key) : key) as BufferSource, { name: "HMAC", hash: alg }, false, ["sign"]);
  if (typeof key !== "string") importedKeys.set(key, { alg, key: k });
  return k;
}

export async function hmac(key: Uint8Array | string, data: string, alg: "SHA-256" | "SHA-1" = "SHA-256"): Promise<Uint8Array> {
  if (syncDigests) return syncDigests.hmac(alg, typeof key === "string" ? utf8(key) : key, utf8(data));
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(key, alg), utf8(data)));
}

/** HMAC-SHA256 of a string, hex. */
export async function hmacHex(key: Uint8Array, data: string): Promise<string> {
  if (syncDigests) return syncDigests.hmacHexOf(key, data);
  return toHex(await hmac(key, data));
}

/**
 * Constant-time comparison of two strings (signatures): every code unit of the longer one is
 * looked at whatever differs, and equal strings are exactly those whose code units all match.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (i < a.length ? a.charCodeAt(i) : 0) ^ (i < b.length ? b.charCodeAt(i) : 0);
  return diff === 0;
}
