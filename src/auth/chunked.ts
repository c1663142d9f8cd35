// aws-chunked body decoding (SigV4 streaming): per-chunk signatures, then optional trailers.
import { S3Error } from "../xml/errors.ts";
import type { Hasher } from "../deps.ts";
import { sha256Hex, timingSafeEqual, toHex, hmac } from "../util/hash.ts";
import { EMPTY_SHA256 } from "./sigv4.ts";

export interface ChunkedSeed { key: Uint8Array; signature: string; amzDate: string; scope: string }

export interface DecodedBody {
  body: ReadableStream<Uint8Array>;
  /** Filled in before `body` closes. */
  trailers: Record<string, string>;
}

const MAX_LINE = 4096;
const dec = new TextDecoder();

/** Pull-side byte buffer over a stream reader. */
function byteReader(src: ReadableStream<Uint8Array>) {
  const reader = src.getReader();
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  let done = false;
  const fill = async () => {
    if (done) return false;
    const r = await reader.read();
    if (r.done) { done = true; return false; }
    buf = pos < buf.length ? concat(buf.subarray(pos), r.value) : r.value;
    pos = 0;
    return true;
  };
  return {
    async line(): Promise<string> {
      for (;;) {
        const i = buf.indexOf(10, pos);
        if (i >= 0) {
          const end = i > pos && buf[i - 1] === 13 ? i - 1 : i;
          const s = dec.decode(buf.subarray(pos, end));
          pos = i + 1;
          return s;
        }
        if (buf.length - pos > MAX_LINE) throw new S3Error("InvalidArgument", { message: "aws-chunked line too long" });
        if (!(await fill())) throw new S3Error("IncompleteBody");
      }
    },
    async take(max: number): Promise<Uint8Array> {
      if (pos >= buf.length && !(await fill())) throw new S3Error("IncompleteBody");
      const n = Math.min(max, buf.length - pos);
      const out = buf.subarray(pos, pos + n);
      pos += n;
      return out;
    },
    cancel: (why?: unknown) => reader.cancel(why).catch(() => {}),
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

export function decodeAwsChunked(
  src: ReadableStream<Uint8Array>,
  opts: { seed?: ChunkedSeed; trailer: boolean; decodedLength?: number; sha256: () => Hasher },
): DecodedBody {
  const r = byteReader(src);
  const trailers: Record<string, string> = {};
  let prevSig = opts.seed?.signature ?? "";
  let remaining = 0; // bytes left in the current chunk
  let chunkHash: Hasher | null = null;
  let chunkSig = "";
  let total = 0;
  let finished = false;

  const verifyChunk = async (hashHex: string) => {
    const s = opts.seed;
    if (!s) return;
    const sts = ["AWS4-HMAC-SHA256-PAYLOAD", s.amzDate, s.scope, prevSig, EMPTY_SHA256, hashHex].join("\n");
    const expected = toHex(await hmac(s.key, sts));
    if (!timingSafeEqual(expected, chunkSig)) throw new S3Error("SignatureDoesNotMatch");
    prevSig = expected;
  };

  const readTrailers = async () => {
    const lines: string[] = [];
    let sig = "";
    for (;;) {
      const l = await r.line();
      if (l === "") break;
      const i = l.indexOf(":");
      if (i < 0) throw new S3Error("InvalidArgument", { message: "malformed trailer" });
      const name = l.slice(0, i).trim().toLowerCase();
      const value = l.slice(i + 1).trim();
      if (name === "x-amz-trailer-signature") sig = value;
      else { trailers[name] = value; lines.push(`${name}:${value}\n`); }
      if (Object.keys(trailers).length > 16) throw new S3Error("InvalidArgument", { message: "too many trailers" });
    }
    const s = opts.seed;
    if (s) {
      const sts = ["AWS4-HMAC-SHA256-TRAILER", s.amzDate, s.scope, prevSig, await sha256Hex(lines.join(""))].join("\n");
      if (!sig || !timingSafeEqual(toHex(await hmac(s.key, sts)), sig)) throw new S3Error("SignatureDoesNotMatch");
    }
  };

  const header = async (): Promise<number> => {
    const l = await r.line();
    const [sizeHex, ...exts] = l.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex.trim())) throw new S3Error("IncompleteBody", { message: "malformed aws-chunked header" });
    const size = parseInt(sizeHex, 16);
    chunkSig = "";
    for (const e of exts) if (e.startsWith("chunk-signature=")) chunkSig = e.slice(16);
    if (opts.seed && !chunkSig) throw new S3Error("SignatureDoesNotMatch", { message: "missing chunk-signature" });
    return size;
  };

  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        for (;;) {
          if (finished) { ctrl.close(); return; }
          if (remaining === 0) {
            if (chunkHash) {
              // end of a data chunk: CRLF, then the signature over its bytes
              if ((await r.line()) !== "") throw new S3Error("IncompleteBody", { message: "malformed aws-chunked framing" });
              await verifyChunk(toHex(await chunkHash.digest()));
              chunkHash = null;
            }
            const size = await header();
            if (size === 0) {
              await verifyChunk(EMPTY_SHA256);
              if (opts.trailer) await readTrailers();
              else if (opts.seed) await r.line().catch(() => ""); // optional final CRLF
              if (opts.decodedLength !== undefined && total !== opts.decodedLength) throw new S3Error("IncompleteBody");
              finished = true;
              ctrl.close();
              return;
            }
            remaining = size;
            chunkHash = opts.seed ? opts.sha256() : { update() {}, digest: async () => new Uint8Array() };
          }
          const data = await r.take(remaining);
          remaining -= data.length;
          total += data.length;
          if (opts.decodedLength !== undefined && total > opts.decodedLength) throw new S3Error("IncompleteBody");
          chunkHash!.update(data);
          ctrl.enqueue(data);
          return;
        }
      } catch (e) {
        r.cancel(e);
        ctrl.error(e);
      }
    },
    cancel(why) { r.cancel(why); },
  });
  return { body, trailers };
}
