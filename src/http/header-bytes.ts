// Header values as the core sees them: byte strings (Fetch's ByteString, one char per byte as
// sent), the same on both runtimes (issue 12 #8). Bun's node:http hands header bytes over that
// way (latin-1) and its Headers hold nothing else; workerd decodes them as UTF-8 and encodes
// what it sends as UTF-8, so its adapter converts both ways. SigV4 hashes these bytes, which is
// what a client signs when it signs what it sends (Go, curl, the JS SDK under Bun: UTF-8).

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const NON_ASCII = /[^\x00-\x7f]/;
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/** A Unicode string as the byte string of its UTF-8 encoding; ASCII and byte strings unchanged. */
export function toByteString(s: string): string {
  return BEYOND_LATIN1.test(s) ? utf8ByteString(s) : s;
}

/** Text (every char a code point, as workerd decodes headers) as the byte string of its UTF-8. */
export function utf8ByteString(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  let out = "";
  for (const b of new TextEncoder().encode(s)) out += String.fromCharCode(b);
  return out;
}

/** A byte string holding valid UTF-8 as the text it encodes; anything else unchanged. */
export function fromByteString(s: string): string {
  if (!NON_ASCII.test(s) || BEYOND_LATIN1.test(s)) return s;
  try {
    return utf8Decoder.decode(latin1Bytes(s));
  } catch {
    return s; // not UTF-8 (latin-1 text, or arbitrary bytes): sent as the bytes they are
  }
}

/** The bytes a byte string stands for (a char beyond U+00FF, which no header holds, as UTF-8). */
export function latin1Bytes(s: string): Uint8Array {
  if (!BEYOND_LATIN1.test(s)) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  return latin1Bytes(toByteString(s));
}
