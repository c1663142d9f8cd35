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

export const toHex = (b: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
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

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const d = typeof data === "string" ? utf8(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", d as BufferSource)));
}

export async function hmac(key: Uint8Array | string, data: string, alg: "SHA-256" | "SHA-1" = "SHA-256"): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", (typeof key === "string" ? utf8(key) : key) as BufferSource, { name: "HMAC", hash: alg }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8(data)));
}

/** Constant-time comparison of two strings (signatures). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a), y = utf8(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
