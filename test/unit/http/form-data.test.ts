// The streaming multipart/form-data reader: every way a body can be split across reads.
import { describe, expect, it } from "bun:test";
import { FormDataError, formBoundary, indexOf, partialSuffix, readFormUntilFile } from "../../../src/http/form-data.ts";

const enc = new TextEncoder();
const B = "----b0undary";

/** A stream handing over `body` in the pieces cut at `cuts`. */
function split(body: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, body.length]) { pieces.push(body.slice(at, c)); at = c; }
  return new ReadableStream({
    pull(ctl) {
      const p = pieces.shift();
      if (p === undefined) ctl.close();
      else ctl.enqueue(p);
    },
  });
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(new Uint8Array(await new Response(s).arrayBuffer()));
}

// The file holds bytes that start a delimiter ("\r\n--", "\r\n----b0und") without being one.
const FILE = "hello\r\n--not\r\n----b0und\r\nworld\r\n-";
const BODY = enc.encode(
  `preamble\r\n--${B}\r\nContent-Disposition: form-data; name="key"\r\n\r\nuploads/\${filename}\r\n` +
  `--${B}\r\ncontent-disposition: form-data; name="x-amz-meta-a"\r\n\r\nline1\r\nline2\r\n` +
  `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a %22b%22\\c.txt"\r\nContent-Type: text/plain\r\n\r\n${FILE}\r\n` +
  `--${B}\r\nContent-Disposition: form-data; name="after"\r\n\r\nignored\r\n--${B}--\r\n`,
);

describe("readFormUntilFile", () => {
  it("reads the same form at every split point", async () => {
    for (let i = 0; i <= BODY.length; i++) {
      const form = await readFormUntilFile(split(BODY, [i]), B, { maxPreFile: 4096 });
      expect(form.fields).toEqual([{ name: "key", value: "uploads/${filename}" }, { name: "x-amz-meta-a", value: "line1\r\nline2" }]);
      expect(form.file?.filename).toBe("a %22b%22\\c.txt");
      expect(form.file?.contentType).toBe("text/plain");
      expect(await readAll(form.file!.stream)).toBe(FILE);
    }
  });

  it("reads the same form split into pieces of every size", async () => {
    for (let n = 1; n <= 7; n++) {
      const cuts = Array.from({ length: Math.floor(BODY.length / n) }, (_, i) => (i + 1) * n);
      const form = await readFormUntilFile(split(BODY, cuts), B, { maxPreFile: 4096 });
      expect(form.fields.length).toBe(2);
      expect(await readAll(form.file!.stream)).toBe(FILE);
    }
  });

  it("answers no file for a form without one", async () => {
    const body = enc.encode(`--${B}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--${B}--\r\n`);
    for (let i = 0; i <= body.length; i++) {
      const form = await readFormUntilFile(split(body, [i]), B, { maxPreFile: 4096 });
      expect(form.fields).toEqual([{ name: "key", value: "k" }]);
      expect(form.file).toBeNull();
    }
  });

  it("an empty file, and a file ending the body without a closing delimiter's dashes", async () => {
    const body = enc.encode(`--${B}\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n\r\n--${B}`);
    const form = await readFormUntilFile(split(body, []), B, { maxPreFile: 4096 });
    expect(form.file?.filename).toBe("");
    expect(await readAll(form.file!.stream)).toBe("");
  });

  it.each([
    ["no delimiter at all", `hello`],
    ["a part without a name", `--${B}\r\nContent-Disposition: form-data\r\n\r\nv\r\n--${B}--`],
    ["a part that is not form-data", `--${B}\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n--${B}--`],
    ["a header line without a colon", `--${B}\r\nnonsense\r\n\r\nv\r\n--${B}--`],
    ["a body ending inside a field", `--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue`],
    ["a body ending inside the headers", `--${B}\r\nContent-Disposition: form-data; name="a"`],
  ])("%s is malformed", async (_n, text) => {
    const err = await readFormUntilFile(split(enc.encode(text), []), B, { maxPreFile: 4096 }).catch((e) => e);
    expect(err).toBeInstanceOf(FormDataError);
    expect(err.reason).toBe("malformed");
  });

  it("a body ending inside the file errors the file's stream", async () => {
    const body = enc.encode(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nsome bytes`);
    const form = await readFormUntilFile(split(body, [60]), B, { maxPreFile: 4096 });
    const err = await readAll(form.file!.stream).catch((e) => e);
    expect(err).toBeInstanceOf(FormDataError);
    expect(err.reason).toBe("malformed");
  });

  it("caps what precedes the file, a long value as well as many fields", async () => {
    const long = enc.encode(`--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\n${"x".repeat(5000)}\r\n--${B}--`);
    const many = enc.encode(Array.from({ length: 100 }, (_, i) => `--${B}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join("") + `--${B}--`);
    for (const body of [long, many]) {
      const err = await readFormUntilFile(split(body, [100, 3000]), B, { maxPreFile: 2048 }).catch((e) => e);
      expect(err).toBeInstanceOf(FormDataError);
      expect(err.reason).toBe("fields-too-large");
    }
  });

  it("a file given up on: the rest of the body is read up to maxDiscard, then cancelled", async () => {
    const head = enc.encode(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`);
    const run = async (pieces: number) => {
      let pulled = 0, cancelled = false;
      const body = new ReadableStream<Uint8Array>({
        pull(ctl) {
          if (pulled++ === 0) ctl.enqueue(head);
          else if (pulled <= pieces) ctl.enqueue(new Uint8Array(1024));
          else ctl.close();
        },
        cancel() { cancelled = true; },
      }, { highWaterMark: 0 });
      const form = await readFormUntilFile(body, B, { maxPreFile: 4096, maxDiscard: 10 * 1024 });
      await form.file!.stream.cancel();
      await form.settled();
      return { pulled, cancelled };
    };
    expect(await run(5)).toEqual({ pulled: 6, cancelled: false }); // read to its end (the close is the 6th pull)
    const big = await run(1000);
    expect(big.cancelled).toBe(true);
    expect(big.pulled).toBeLessThan(20);
  });

  it("streams a large file in pieces, never holding it whole", async () => {
    const size = 4 * 1024 * 1024;
    const head = enc.encode(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="big"\r\n\r\n`);
    const tail = enc.encode(`\r\n--${B}--\r\n`);
    let sent = 0;
    const piece = new Uint8Array(64 * 1024).fill(13); // all CR: the delimiter search's worst case
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent === 0) ctl.enqueue(head);
        if (sent < size) { ctl.enqueue(piece); sent += piece.length; } else { ctl.enqueue(tail); ctl.close(); }
      },
    });
    const form = await readFormUntilFile(body, B, { maxPreFile: 4096 });
    const reader = form.file!.stream.getReader();
    let got = 0, biggest = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      got += r.value.length;
      biggest = Math.max(biggest, r.value.length);
    }
    expect(got).toBe(size);
    expect(biggest).toBeLessThanOrEqual(piece.length + 64);
  });
});

describe("helpers", () => {
  it("formBoundary", () => {
    expect(formBoundary("multipart/form-data; boundary=abc")).toBe("abc");
    expect(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe("a b");
    expect(formBoundary("multipart/form-data")).toBeNull();
    expect(formBoundary("multipart/mixed; boundary=abc")).toBeNull();
    expect(formBoundary(null)).toBeNull();
  });

  it("indexOf and partialSuffix", () => {
    const d = enc.encode("\r\n--b");
    expect(indexOf(enc.encode("xx\r\n-\r\n--by"), d, 0)).toBe(5);
    expect(indexOf(enc.encode("\r\n--"), d, 0)).toBe(-1);
    expect(partialSuffix(enc.encode("abc\r\n-"), d)).toBe(3);
    expect(partialSuffix(enc.encode("abc\r"), d)).toBe(1);
    expect(partialSuffix(enc.encode("abc"), d)).toBe(0);
  });
});
