// Reads an object's bytes: inline data, or the chunks covering a range, streamed one at a time
// (the next one's blob asked for while the current one streams).
//
// Every chunk is checked as it streams (issue 10, D7/D9): a blob of the wrong size, one that
// ends short or runs long, or (when a chunk is read whole) one whose SHA-256 is not its hash
// errors the stream and logs the object and chunk. The HTTP layer turns a body error into a
// reset (Bun: http-server.ts destroys the socket; Workers abort the response), so a damaged
// object never reads as a complete body under its Content-Length.
//
// A store that recorded the blob's CRC-32 at put (the local filesystem's: BlobStore.get's
// crc32) has a whole chunk checked against that instead, ~25x cheaper (issue 20,
// docs/local-reads.md); an S3 upstream, which is not trusted, gives none: SHA-256 there.
import { S3Error } from "../xml/errors.ts";
import type { Deps } from "../deps.ts";
import type { ChunkRef, ObjectRecord } from "../store/types.ts";
import { toHex } from "../util/hash.ts";

/** Inclusive byte range. */
export interface ByteRange { start: number; end: number }

/** What is read; bucket and key only name the object in logs (a copy's single chunk has none). */
export type ObjectData = Pick<ObjectRecord, "inline" | "manifest" | "size"> & Partial<Pick<ObjectRecord, "bucket" | "key">>;

interface Slice { chunk: ChunkRef; offset: number; length: number }
type OpenedBlob = { body: ReadableStream<Uint8Array>; size: number; crc32?: number };
type ChunkDeps = Pick<Deps, "blobs" | "hasher" | "log">;

/** Logs the damaged chunk (once, where it is found) and returns the error for the client. */
function damaged(deps: ChunkDeps, obj: ObjectData, s: Slice, problem: string, fields: Record<string, unknown> = {}): S3Error {
  deps.log.error(`object data ${problem}`, {
    bucket: obj.bucket, key: obj.key, chunk: s.chunk.hash, blob: s.chunk.blob, chunkSize: s.chunk.size, offset: s.offset, length: s.length, ...fields,
  });
  return new S3Error("InternalError", { message: `Object data is ${problem}` });
}

/**
 * Reads one slice of a chunk from its blob. `next()` returns the slice's bytes read by read,
 * then null at its end once the slice was found whole: exactly `length` bytes and, for a
 * whole chunk, the chunk's SHA-256 (or the CRC-32 its store recorded). A slice of part of a
 * chunk cannot be verified (the hash covers the whole chunk, and reading the rest would cost
 * what a range saves): only its length is checked.
 */
function sliceReader(deps: ChunkDeps, obj: ObjectData, s: Slice, got: OpenedBlob | null) {
  if (!got) throw damaged(deps, obj, s, "missing");
  if (got.size !== s.chunk.size) {
    got.body.cancel().catch(() => {});
    throw damaged(deps, obj, s, got.size < s.chunk.size ? "truncated" : "too long", { blobSize: got.size });
  }
  const reader = got.body.getReader();
  const whole = s.offset === 0 && s.length === s.chunk.size;
  const crc = whole ? got.crc32 : undefined;
  const sha = whole ? deps.hasher(crc !== undefined ? "crc32" : "sha256") : null;
  let count = 0;
  let held: Uint8Array | null = null; // a verified slice's latest read, passed on with the next
  let ended = false;
  let cancelled = false; // by the consumer (a client gone): the read that ends short is no damage
  const fail = (problem: string, fields: Record<string, unknown>) => {
    sha?.dispose?.();
    reader.cancel().catch(() => {});
    return cancelled ? new Error("read cancelled") : damaged(deps, obj, s, problem, fields);
  };
  return {
    async next(): Promise<Uint8Array | null> {
      for (;;) {
        if (ended || cancelled) { const h = cancelled ? null : held; held = null; return h; }
        const r = await reader.read().catch((e: unknown) => {
          throw fail("unreadable", { read: count, error: e instanceof Error ? e.message : String(e) });
        });
        if (r.done) {
          if (cancelled) continue;
          if (count !== s.length) throw fail("truncated", { read: count });
          if (sha && crc !== undefined) {
            const d = await sha.digest();
            const found = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
            if (found !== crc) throw fail("corrupt", { crc32: found, recorded: crc });
          } else if (sha) {
            const hash = toHex(await sha.digest());
            if (hash !== s.chunk.hash) throw fail("corrupt", { sha256: hash });
          }
          ended = true;
          continue;
        }
        const v = r.value;
        if (!v.length) continue;
        count += v.length;
        if (count > s.length) throw fail("too long", { read: count });
        if (!sha) return v;
        const p = sha.update(v);
        if (p) await p; // an async hasher may still read v
        // A chunk's last read waits for its digest: once every byte under the Content-Length
        // has gone out, a failure can no longer be told from a complete body.
        const prev = held;
        held = v;
        if (prev) return prev;
      }
    },
    cancel(why?: unknown) {
      cancelled = true;
      sha?.dispose?.();
      return reader.cancel(why);
    },
  };
}

type SliceReader = ReturnType<typeof sliceReader>;

const openSlice = async (deps: ChunkDeps, obj: ObjectData, s: Slice) =>
  sliceReader(deps, obj, s, await deps.blobs.get(s.chunk.blob, { range: { offset: s.offset, length: s.length } }));

/** A slice whose blob was asked for ahead of its turn. */
interface Ahead { slice: Slice; got: Promise<OpenedBlob | null> }

/**
 * Streams the slices one blob at a time; `first` is the first slice, already opened. While a
 * slice streams, the next one's blob is already asked for (one ahead, its body not read): over
 * an S3 upstream that request's time to first byte overlaps this transfer instead of following
 * it. Asked on the first pull, never for a body nobody reads.
 */
function slicesStream(deps: ChunkDeps, obj: ObjectData, slices: Slice[], first?: SliceReader): ReadableStream<Uint8Array> {
  let i = first ? 1 : 0;
  let current: SliceReader | null = first ?? null;
  let ahead: Ahead | null = null;
  const askAhead = () => {
    if (ahead || i >= slices.length) return;
    const slice = slices[i++]!;
    const got = deps.blobs.get(slice.chunk.blob, { range: { offset: slice.offset, length: slice.length } });
    got.catch(() => {}); // surfaces when its turn comes (sliceReader), or is dropped with the stream
    ahead = { slice, got };
  };
  const dropAhead = () => {
    const a = ahead;
    ahead = null;
    a?.got.then((b) => b?.body.cancel().catch(() => {}), () => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        for (;;) {
          if (!current) {
            askAhead();
            if (!ahead) { ctrl.close(); return; }
            const { slice, got } = ahead as Ahead;
            ahead = null;
            current = sliceReader(deps, obj, slice, await got);
          }
          askAhead();
          const v = await current.next();
          if (v) { ctrl.enqueue(v); return; }
          current = null;
        }
      } catch (e) {
        current = null;
        dropAhead();
        ctrl.error(e);
      }
    },
    async cancel(why) { dropAhead(); await current?.cancel(why); },
  }, { highWaterMark: 0 });
}

export function objectStream(deps: ChunkDeps, obj: ObjectData, range?: ByteRange): ReadableStream<Uint8Array> {
  const start = range?.start ?? 0;
  const end = range ? range.end : obj.size - 1;
  if (obj.inline) {
    const data = obj.inline.subarray(start, end + 1);
    return new ReadableStream({ start(c) { if (data.length) c.enqueue(data); c.close(); } });
  }
  return slicesStream(deps, obj, manifestSlices(obj.manifest ?? [], start, end));
}

/**
 * The body of a GET: like objectStream, but the first blob is opened before the response
 * starts, so a missing (or wrong-sized) first chunk is a 500 rather than a 200 that breaks off.
 */
export async function objectBody(deps: ChunkDeps, obj: ObjectData, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
  if (obj.inline) return objectStream(deps, obj, range);
  const slices = manifestSlices(obj.manifest ?? [], range?.start ?? 0, range ? range.end : obj.size - 1);
  if (!slices.length) return objectStream(deps, obj, range);
  return slicesStream(deps, obj, slices, await openSlice(deps, obj, slices[0]));
}

export function manifestSlices(manifest: ChunkRef[], start: number, end: number) {
  const out: { chunk: ChunkRef; offset: number; length: number }[] = [];
  let pos = 0;
  for (const c of manifest) {
    const cStart = pos, cEnd = pos + c.size - 1;
    pos += c.size;
    if (cEnd < start) continue;
    if (cStart > end) break;
    const s = Math.max(start, cStart), e = Math.min(end, cEnd);
    out.push({ chunk: c, offset: s - cStart, length: e - s + 1 });
  }
  return out;
}

/**
 * Parses a single `bytes=` range against a size (RFC 9110). Returns undefined when the header
 * should be ignored (syntactically invalid or multi-range), throws InvalidRange when unsatisfiable.
 */
export function parseRange(header: string | null, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number, end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new S3Error("InvalidRange", { extra: { RangeRequested: header, ActualObjectSize: String(size) } });
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) {
    throw new S3Error("InvalidRange", { extra: { RangeRequested: header, ActualObjectSize: String(size) } });
  }
  return { start, end };
}
