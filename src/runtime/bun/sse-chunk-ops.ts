// Sealing and opening SSE chunks with Bun's hashers and node:crypto (src/sse/chunks.ts, crypto.ts's
// layout, the same bytes as its WebCrypto path): what the SSE worker threads run (sse-worker.ts).
import { createCipheriv, createDecipheriv, randomFillSync } from "node:crypto";
import { PREFIX, sealedAddress, TAG } from "../../sse/crypto.ts";

const ZERO = new Uint8Array(1);

/** HMAC-SHA-256(key, label ‖ 0 ‖ data), as crypto.ts derive. */
const derive = (key: Uint8Array, label: string, data: Uint8Array) =>
  new Uint8Array(new Bun.CryptoHasher("sha256", key).update(label).update(ZERO).update(data).digest());
const sha256 = (d: Uint8Array) => new Uint8Array(new Bun.CryptoHasher("sha256").update(d).digest());

/**
 * AES-GCM in pieces written straight into `out` at `at`: node:crypto answers each update with a
 * new buffer, and a piece this size comes from recycled memory still in cache, where one output
 * of a whole chunk is a fresh 8 MiB (page faults, then a cold copy).
 */
const PIECE = 256 * 1024;
/** sealInSteps' step: a piece the blob store takes while it is in cache. */
const STEP = 256 * 1024;
function cipherInto(c: { update(d: Uint8Array): Uint8Array; final(): Uint8Array }, data: Uint8Array, out: Uint8Array, at: number): number {
  for (let off = 0; off < data.length; off += PIECE) {
    const piece = c.update(data.subarray(off, Math.min(data.length, off + PIECE)));
    out.set(piece, at);
    at += piece.length;
  }
  const tail = c.final(); // GCM is a stream cipher: the tail is empty
  out.set(tail, at);
  return at + tail.length;
}

/**
 * Sealed in place when the chunk's buffer has room for the prefix before it and the tag after
 * it (ingest.ts lays chunks out so): each piece's ciphertext lands where its plaintext was, and
 * the buffer goes back to be filled again, where a fresh one costs its page faults.
 */
export function seal(root: Uint8Array, plain: Uint8Array, convergent: boolean, digest?: Uint8Array): Uint8Array {
  const prefix = convergent ? derive(root, "siv", digest ?? sha256(plain)).subarray(0, PREFIX) : randomFillSync(new Uint8Array(PREFIX));
  const c = createCipheriv("aes-256-gcm", derive(root, "chunk", prefix), prefix.subarray(0, 12));
  const at = plain.byteOffset;
  const out = at >= PREFIX && plain.buffer.byteLength >= at + plain.length + TAG
    ? new Uint8Array(plain.buffer, at - PREFIX, PREFIX + plain.length + TAG)
    : new Uint8Array(PREFIX + plain.length + TAG);
  out.set(prefix);
  const end = cipherInto(c, plain, out, PREFIX);
  out.set(c.getAuthTag(), end);
  return out;
}

/**
 * Seals the chunk `frame` holds (PREFIX bytes of room, the plaintext, TAG bytes of room) in place,
 * STEP bytes at a time, handing each step's sealed bytes to `write` as soon as they are sealed
 * (the prefix with the first, the tag last): they reach the blob while still in cache, where
 * sealing the whole chunk first and writing it after reads 8 MiB back from memory (bench/sse.ts:
 * ~1 ms/MiB of server CPU). The same bytes as seal; answers the content address.
 */
export async function sealInSteps(root: Uint8Array, frame: Uint8Array, convergent: boolean, digest: Uint8Array | undefined,
  write: (piece: Uint8Array) => void | Promise<void>): Promise<string> {
  const end = frame.length - TAG;
  if (end < PREFIX) throw new Error("sealInSteps: frame shorter than the seal's overhead");
  const prefix = convergent ? derive(root, "siv", digest ?? sha256(frame.subarray(PREFIX, end))).subarray(0, PREFIX) : randomFillSync(new Uint8Array(PREFIX));
  const c = createCipheriv("aes-256-gcm", derive(root, "chunk", prefix), prefix.subarray(0, 12));
  frame.set(prefix);
  let sent = 0; // bytes of the frame handed to write
  for (let off = PREFIX; off < end; off += STEP) {
    const piece = c.update(frame.subarray(off, Math.min(end, off + STEP)));
    if (piece.length !== Math.min(end, off + STEP) - off) throw new Error("sealInSteps: AES-GCM answered a short step"); // GCM never does
    frame.set(piece, off);
    const w = write(frame.subarray(sent, off + piece.length));
    sent = off + piece.length;
    if (w) await w;
  }
  if (c.final().length) throw new Error("sealInSteps: AES-GCM answered a tail"); // a stream cipher has none
  frame.set(c.getAuthTag(), end);
  await write(frame.subarray(sent));
  return sealedAddress(frame)!;
}

export function open(root: Uint8Array, sealed: Uint8Array, address: string): { plain: Uint8Array } | { problem: "corrupt" | "not decryptable" } {
  // The address is prefix ‖ tag (crypto.ts sealedAddress); only a chunk sealed before that rule
  // (or a damaged one) is hashed whole, against the SHA-256 it was addressed by then.
  if (sealedAddress(sealed) !== address && new Bun.CryptoHasher("sha256").update(sealed).digest("hex") !== address) return { problem: "corrupt" };
  if (sealed.length < PREFIX + TAG) return { problem: "not decryptable" };
  const prefix = sealed.subarray(0, PREFIX);
  try {
    const d = createDecipheriv("aes-256-gcm", derive(root, "chunk", prefix), prefix.subarray(0, 12));
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    // In place: each piece's plaintext lands PREFIX bytes before the ciphertext it came from,
    // already read (a fresh 8 MiB output costs its page faults); key, nonce and tag were taken
    // before. final() throws unless the tag verifies, and then nothing is answered.
    const n = cipherInto(d, sealed.subarray(PREFIX, sealed.length - TAG), sealed, 0);
    return { plain: sealed.subarray(0, n) };
  } catch {
    return { problem: "not decryptable" };
  }
}

