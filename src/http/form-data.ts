// A streaming multipart/form-data reader (RFC 7578) for S3 POST Object: the fields before the
// file part are read whole (capped, as S3 caps them), the file part is handed on as a stream
// that is never buffered whole, and whatever follows the file is ignored, as S3 ignores it.

/** Why a body could not be read as a form: not well-formed, or too much before the file. */
export class FormDataError extends Error {
  constructor(readonly reason: "malformed" | "fields-too-large", message: string = reason) {
    super(message);
  }
}

export interface FormField { name: string; value: string }

export interface FormFile {
  /** The part's field name as sent (S3's is "file"). */
  name: string;
  /** From Content-Disposition; "" when the part has none. */
  filename: string;
  contentType?: string;
  /** The part's bytes; errors with a FormDataError when the body ends before the part does. */
  stream: ReadableStream<Uint8Array>;
}

export interface FormLimits {
  /** Bytes of everything before the file's content: part headers, field values, delimiters. */
  maxPreFile: number;
  /**
   * How much of the body is still read (and dropped) after the file, or once the form is given
   * up, before the body is cancelled: a client still sending a body nobody reads may never see
   * the answer (wrangler's local proxy waits). Default 64 KiB.
   */
  maxDiscard?: number;
  /** Which part is the file (compared case-insensitively); default "file". */
  fileField?: string;
}

/** The boundary of a `multipart/form-data; boundary=…` content type, or null. */
export function formBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m ? (m[1] ?? m[2]) : "";
  // RFC 2046: 1 to 70 characters.
  return b && b.length <= 70 ? b : null;
}

const CR = 13;
const LF = 10;
const MAX_PART_HEADERS = 8 * 1024;
const enc = new TextEncoder();
const utf8 = new TextDecoder();

export interface ReadForm {
  fields: FormField[];
  file: FormFile | null;
  /** Resolves once the body is read to its end, or dropped (see maxDiscard). */
  settled(): Promise<void>;
}

/**
 * Reads the fields up to the file part and answers them with the file as a stream. Reading the
 * stream to its end also reads (and drops) what follows the file; cancelling it drops the rest.
 */
export async function readFormUntilFile(body: ReadableStream<Uint8Array> | null, boundary: string, limits: FormLimits): Promise<ReadForm> {
  if (!body) throw new FormDataError("malformed");
  const reader = body.getReader();
  // Every delimiter but the first is preceded by CRLF; pretending the body starts with one makes them all alike.
  const delim = enc.encode(`\r\n--${boundary}`);
  const fileField = (limits.fileField ?? "file").toLowerCase();
  let buf: Uint8Array = new Uint8Array([CR, LF]);
  let ended = false;
  let preFile = -2; // bytes consumed before the file content (the CRLF above is ours)

  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const r = await reader.read();
    if (r.done) { ended = true; return false; }
    buf = buf.length ? concat(buf, r.value) : r.value;
    return true;
  };
  const consume = (n: number) => {
    preFile += n;
    if (preFile > limits.maxPreFile) throw new FormDataError("fields-too-large");
    buf = buf.subarray(n);
  };
  // The rest of the body, read and dropped up to the cap, then cancelled; once.
  let discarding: Promise<void> | null = null;
  const discard = () => (discarding ??= (async () => {
    let seen = buf.length;
    buf = new Uint8Array(0);
    try {
      while (seen <= (limits.maxDiscard ?? 64 * 1024)) {
        const r = await reader.read();
        if (r.done) return;
        seen += r.value.length;
      }
    } catch { /* the body failed: nothing left to drop */ }
    reader.cancel().catch(() => {});
  })());
  const settled = () => discarding ?? Promise.resolve();
  const fail = async (e: unknown): Promise<never> => {
    await discard();
    throw e;
  };

  try {
    // The preamble (RFC 2046 allows one) up to the first delimiter.
    for (;;) {
      const i = indexOf(buf, delim, 0);
      if (i >= 0) { consume(i + delim.length); break; }
      const keep = partialSuffix(buf, delim);
      consume(buf.length - keep);
      if (!(await more())) throw new FormDataError("malformed");
    }
    const fields: FormField[] = [];
    for (;;) {
      // After a delimiter: "--" closes the body; otherwise optional whitespace, CRLF, headers.
      while (buf.length < 2) if (!(await more())) throw new FormDataError("malformed");
      if (buf[0] === 45 && buf[1] === 45) {
        discard();
        return { fields, file: null, settled };
      }
      let headEnd: number;
      for (;;) {
        headEnd = indexOf(buf, HEADERS_END, 0);
        if (headEnd >= 0) break;
        if (buf.length > MAX_PART_HEADERS) throw new FormDataError("malformed");
        if (!(await more())) throw new FormDataError("malformed");
      }
      const head = parsePartHeaders(utf8.decode(buf.subarray(0, headEnd)));
      consume(headEnd + HEADERS_END.length);
      if (head.name.toLowerCase() === fileField) {
        return { fields, file: { name: head.name, filename: head.filename ?? "", contentType: head.contentType, stream: fileStream() }, settled };
      }
      // A field: its value up to the next delimiter, within the cap.
      let end: number;
      for (;;) {
        end = indexOf(buf, delim, 0);
        if (end >= 0) break;
        if (preFile + buf.length > limits.maxPreFile + delim.length) throw new FormDataError("fields-too-large");
        if (!(await more())) throw new FormDataError("malformed");
      }
      fields.push({ name: head.name, value: utf8.decode(buf.subarray(0, end)) });
      consume(end + delim.length);
    }
  } catch (e) {
    return fail(e);
  }

  /** The file part's bytes; held back only where a delimiter may begin. */
  function fileStream(): ReadableStream<Uint8Array> {
    let finished = false;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          for (;;) {
            if (finished) return;
            const i = indexOf(buf, delim, 0);
            if (i >= 0) {
              const last = buf.subarray(0, i);
              buf = buf.subarray(i + delim.length);
              finished = true;
              await discard();
              if (last.length) controller.enqueue(last);
              controller.close();
              return;
            }
            const keep = partialSuffix(buf, delim);
            const out = buf.subarray(0, buf.length - keep);
            buf = buf.subarray(buf.length - keep);
            if (!(await more())) throw new FormDataError("malformed", "The body ended inside the file part.");
            if (out.length) { controller.enqueue(out); return; }
          }
        } catch (e) {
          reader.cancel().catch(() => {});
          controller.error(e);
        }
      },
      // Whoever reads the file gave up on it (too large, a bad digest): drop the rest of the body.
      cancel() { return discard(); },
    }, { highWaterMark: 0 });
  }
}

const HEADERS_END = new Uint8Array([CR, LF, CR, LF]);

/**
 * The part's name, filename and type. The headers start right after the delimiter line: any
 * transport padding, then CRLF (RFC 2046), then one header per line.
 */
function parsePartHeaders(raw: string): { name: string; filename?: string; contentType?: string } {
  const lines = raw.split("\r\n");
  if (lines[0].trim() !== "") throw new FormDataError("malformed");
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) throw new FormDataError("malformed");
    const h = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    if (h === "content-disposition") {
      if (!/^form-data\s*(;|$)/i.test(v)) throw new FormDataError("malformed");
      name = dispositionParam(v, "name");
      filename = dispositionParam(v, "filename");
    } else if (h === "content-type") contentType = v;
  }
  if (name === undefined) throw new FormDataError("malformed");
  return { name, filename, contentType };
}

/**
 * A Content-Disposition parameter, quoted or a token. Taken as sent: browsers and urllib3 write
 * `"` as %22 and leave `\` alone (the HTML form encoding), so there is no escape to undo.
 */
function dispositionParam(v: string, param: string): string | undefined {
  const m = new RegExp(`;\\s*${param}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, "i").exec(v);
  return m ? (m[1] ?? m[2]) : undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The first index of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** The length of the longest end of `hay` that is a start of `needle` (a delimiter split across reads). */
export function partialSuffix(hay: Uint8Array, needle: Uint8Array): number {
  const max = Math.min(needle.length - 1, hay.length);
  for (let k = max; k > 0; k--) {
    if (hay[hay.length - k] !== needle[0]) continue;
    let j = 1;
    while (j < k && hay[hay.length - k + j] === needle[j]) j++;
    if (j === k) return k;
  }
  return 0;
}
