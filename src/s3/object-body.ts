// Reads an object's bytes: inline data, or the chunks covering a range, streamed one at a time.
import { S3Error } from "../xml/errors.ts";
import type { Deps } from "../deps.ts";
import type { ChunkRef, ObjectRecord } from "../store/types.ts";

/** Inclusive byte range. */
export interface ByteRange { start: number; end: number }

export function objectStream(deps: Deps, obj: Pick<ObjectRecord, "inline" | "manifest" | "size">, range?: ByteRange): ReadableStream<Uint8Array> {
  const start = range?.start ?? 0;
  const end = range ? range.end : obj.size - 1;
  if (obj.inline) {
    const data = obj.inline.subarray(start, end + 1);
    return new ReadableStream({ start(c) { if (data.length) c.enqueue(data); c.close(); } });
  }
  const pieces = manifestSlices(obj.manifest ?? [], start, end);
  let i = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      for (;;) {
        if (!current) {
          if (i >= pieces.length) { ctrl.close(); return; }
          const p = pieces[i++];
          const got = await deps.blobs.get(p.chunk.b, { range: { offset: p.offset, length: p.length } });
          if (!got) {
            deps.log.error("chunk missing", { blob: p.chunk.b });
            ctrl.error(new S3Error("InternalError", { message: "Object data is missing" }));
            return;
          }
          current = got.body.getReader();
        }
        const r = await current.read();
        if (r.done) { current = null; continue; }
        if (r.value.length) { ctrl.enqueue(r.value); return; }
      }
    },
    async cancel(why) { await current?.cancel(why); },
  }, { highWaterMark: 0 });
}

/**
 * The body of a GET: like objectStream, but a read within one chunk is that blob's own stream
 * (no relay per read), and a missing blob is an error before the response starts.
 */
export async function objectBody(deps: Deps, obj: Pick<ObjectRecord, "inline" | "manifest" | "size">, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
  if (obj.inline) return objectStream(deps, obj, range);
  const pieces = manifestSlices(obj.manifest ?? [], range?.start ?? 0, range ? range.end : obj.size - 1);
  if (pieces.length !== 1) return objectStream(deps, obj, range);
  const p = pieces[0];
  const got = await deps.blobs.get(p.chunk.b, { range: { offset: p.offset, length: p.length } });
  if (!got) {
    deps.log.error("chunk missing", { blob: p.chunk.b });
    throw new S3Error("InternalError", { message: "Object data is missing" });
  }
  return got.body;
}

export function manifestSlices(manifest: ChunkRef[], start: number, end: number) {
  const out: { chunk: ChunkRef; offset: number; length: number }[] = [];
  let pos = 0;
  for (const c of manifest) {
    const cStart = pos, cEnd = pos + c.n - 1;
    pos += c.n;
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
