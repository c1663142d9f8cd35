// HTTP/1.1 request heads and chunked bodies, parsed strictly (RFC 9112) for http1-server.ts.
// Strict where leniency lets a request mean two things to two parsers (request smuggling): bare
// LF, whitespace before a colon, obs-fold, Content-Length beside Transfer-Encoding, a coding
// other than chunked, conflicting lengths and non-digit lengths are all refused with a 400.

/** Most bytes a request line plus its headers may take (node:http's default); beyond: 431. */
export const MAX_HEAD = 16 * 1024;
/** Most headers in one request (node:http's default). */
export const MAX_HEADERS = 2000;

export interface RequestHead {
  method: string;
  target: string;
  /** HTTP/1.0 (persistent only with Connection: keep-alive). */
  http10: boolean;
  /** name, value, name, value… as sent (names in their case, values latin-1 byte strings, trimmed). */
  raw: string[];
  /** Body framing: a length (0: none) or chunked. */
  length: number;
  chunked: boolean;
  /** The client asked to close after this request, or is HTTP/1.0 without keep-alive. */
  close: boolean;
  expectContinue: boolean;
}

export class HeadError extends Error {
  constructor(readonly status: 400 | 431 | 501, message: string) { super(message); }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text (0x80–0xff), space and tab; no other control byte.
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;
const DIGITS = /^[0-9]{1,15}$/;

/** Where the head in `buf` ends (just past CRLF CRLF), or -1 while incomplete. */
export function headEnd(buf: Uint8Array, from = 0): number {
  for (let i = Math.max(3, from); i < buf.length; i++) {
    // Find LF, then look back: the common case costs one comparison per byte.
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

/** Parses the head `text` (latin-1, ending CRLF CRLF). */
export function parseHead(text: string): RequestHead {
  const lines = text.slice(0, -4).split("\r\n");
  const start = lines[0];
  const sp1 = start.indexOf(" "), sp2 = start.lastIndexOf(" ");
  if (sp1 <= 0 || sp2 === sp1) throw new HeadError(400, "malformed request line");
  const method = start.slice(0, sp1), target = start.slice(sp1 + 1, sp2), version = start.slice(sp2 + 1);
  if (!TOKEN.test(method) || !TARGET.test(target)) throw new HeadError(400, "malformed request line");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") throw new HeadError(version.startsWith("HTTP/") ? 501 : 400, "unsupported HTTP version");
  const http10 = version === "HTTP/1.0";
  if (lines.length - 1 > MAX_HEADERS) throw new HeadError(431, "too many headers");
  const raw: string[] = [];
  let length: string | undefined, te: string | undefined, conn = "", expect = "", host = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    // A line without a colon, a name with whitespace (obs-fold starts with it), a bare LF or CR.
    if (colon <= 0) throw new HeadError(400, "malformed header");
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HeadError(400, "malformed header name");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (BAD_VALUE.test(value)) throw new HeadError(400, "malformed header value");
    raw.push(name, value);
    switch (name.length) { // cheap pre-filter before the case-insensitive compare
      case 4: if (name.toLowerCase() === "host") host++; break;
      case 6: if (name.toLowerCase() === "expect") expect = value.toLowerCase(); break;
      case 10: if (name.toLowerCase() === "connection") conn += `,${value.toLowerCase()}`; break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          if (!DIGITS.test(value) || (length !== undefined && length !== value)) throw new HeadError(400, "bad Content-Length");
          length = value;
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") te = te === undefined ? value : `${te}, ${value}`;
        break;
    }
  }
  if (host > 1 || (host === 0 && !http10)) throw new HeadError(400, "Host header missing or repeated");
  let chunked = false;
  if (te !== undefined) {
    if (length !== undefined) throw new HeadError(400, "Content-Length with Transfer-Encoding");
    if (te.toLowerCase() !== "chunked") throw new HeadError(te.toLowerCase().endsWith("chunked") ? 501 : 400, "unsupported Transfer-Encoding");
    chunked = true;
  }
  const tokens = conn.split(",").map((t) => t.trim());
  const close = tokens.includes("close") || (http10 && !tokens.includes("keep-alive"));
  return { method, target, http10, raw, length: length === undefined ? 0 : Number(length), chunked, close, expectContinue: !http10 && expect === "100-continue" };
}

/** A chunked body's decoder: feed it bytes, it emits the data and tells where the body ended. */
export interface ChunkedDecoder {
  /**
   * Consumes from `d`: emits data pieces (views of `d`), returns how many bytes of `d` were the
   * body's. `done` is true once the last chunk and the trailer section were read.
   */
  feed(d: Uint8Array, emit: (piece: Uint8Array) => void): number;
  readonly done: boolean;
}

const MAX_LINE = 4096;
const MAX_TRAILERS = 16 * 1024;

export function chunkedDecoder(): ChunkedDecoder {
  let state: "size" | "data" | "cr" | "lf" | "trailer" | "done" = "size";
  let line = "";
  let remaining = 0;
  let trailerBytes = 0;
  return {
    get done() { return state === "done"; },
    feed(d, emit) {
      let i = 0;
      while (i < d.length && state !== "done") {
        if (state === "data") {
          const n = Math.min(remaining, d.length - i);
          emit(d.subarray(i, i + n));
          remaining -= n;
          i += n;
          if (remaining === 0) state = "cr";
        } else if (state === "cr" || state === "lf") {
          if (d[i] !== (state === "cr" ? 13 : 10)) throw new HeadError(400, "malformed chunk");
          i++;
          state = state === "cr" ? "lf" : "size";
        } else { // "size" or "trailer": a line up to CRLF
          const lf = d.indexOf(10, i);
          const end = lf < 0 ? d.length : lf;
          for (let j = i; j < end; j++) line += String.fromCharCode(d[j]);
          if (state === "trailer") trailerBytes += end - i + (lf < 0 ? 0 : 1);
          if (line.length > MAX_LINE || trailerBytes > MAX_TRAILERS) throw new HeadError(400, "chunk line too long");
          i = end;
          if (lf < 0) break;
          i++;
          if (!line.endsWith("\r") || line.indexOf("\r") !== line.length - 1) throw new HeadError(400, "malformed chunk");
          const text = line.slice(0, -1);
          line = "";
          if (state === "trailer") {
            if (text === "") state = "done";
            else if (text.indexOf(":") <= 0) throw new HeadError(400, "malformed trailer");
            continue;
          }
          const semi = text.indexOf(";");
          const hex = semi < 0 ? text : text.slice(0, semi).replace(/[ \t]+$/, "");
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new HeadError(400, "malformed chunk size");
          remaining = parseInt(hex, 16);
          state = remaining === 0 ? "trailer" : "data";
        }
      }
      return i;
    },
  };
}
