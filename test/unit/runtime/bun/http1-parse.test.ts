// The HTTP/1.1 parser of the Bun.listen server: heads parsed as sent, ambiguous framing refused
// (request smuggling), chunked bodies decoded whatever the split of the bytes.
import { describe, expect, it } from "bun:test";
import { chunkedDecoder, HeadError, headEnd, parseHead } from "../../../../src/runtime/bun/http1-parse.ts";

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;
const status = (text: string) => { try { parseHead(text); return 0; } catch (e) { return e instanceof HeadError ? e.status : -1; } };

describe("parseHead", () => {
  it("reads the request line, the headers as sent and the framing", () => {
    const h = parseHead(head(["PUT /b/k?x=1 HTTP/1.1", "Host: h:9000", "X-Amz-Meta-A:  v \t", "content-length: 12", "Expect: 100-continue"]));
    expect(h).toMatchObject({ method: "PUT", target: "/b/k?x=1", http10: false, length: 12, chunked: false, close: false, expectContinue: true });
    expect(h.raw).toEqual(["Host", "h:9000", "X-Amz-Meta-A", "v", "content-length", "12", "Expect", "100-continue"]);
    expect(parseHead(head(["PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: Chunked"])).chunked).toBe(true);
    expect(parseHead(head(["GET / HTTP/1.1", "Host: h", "Connection: keep-alive, close"])).close).toBe(true);
    expect(parseHead(head(["GET / HTTP/1.0"])).close).toBe(true);
    expect(parseHead(head(["GET / HTTP/1.0", "Connection: Keep-Alive"])).close).toBe(false);
    // Latin-1 bytes in a value stay bytes (the core's byte strings).
    expect(parseHead(head(["GET / HTTP/1.1", "Host: h", "X-Amz-Meta-N: caf\xe9"])).raw[3]).toBe("caf\xe9");
  });

  it("refuses what two parsers could read two ways", () => {
    const cases: [string[], number][] = [
      [["PUT / HTTP/1.1", "Host: h", "Content-Length: 5", "Transfer-Encoding: chunked"], 400],
      [["PUT / HTTP/1.1", "Host: h", "Content-Length: 5", "Content-Length: 6"], 400],
      [["PUT / HTTP/1.1", "Host: h", "Content-Length: 5, 5"], 400],
      [["PUT / HTTP/1.1", "Host: h", "Content-Length: +5"], 400],
      [["PUT / HTTP/1.1", "Host: h", "Content-Length: 0x5"], 400],
      [["PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip"], 400],
      [["PUT / HTTP/1.1", "Host: h", "Transfer-Encoding: gzip, chunked"], 501],
      [["PUT / HTTP/1.1", "Host: h", "Transfer-Encoding : chunked"], 400], // whitespace before the colon
      [["PUT / HTTP/1.1", "Host: h", "X-A: 1", " folded"], 400], // obs-fold
      [["GET / HTTP/1.1", "Host: h", "X-A: a\nb"], 400], // bare LF
      [["GET / HTTP/1.1", "Host: h", "X-A: a\rb"], 400],
      [["GET / HTTP/1.1", "Host: h", "X-A: a\x00b"], 400],
      [["GET / HTTP/1.1"], 400], // no Host
      [["GET / HTTP/1.1", "Host: a", "Host: b"], 400],
      [["GET / HTTP/2.0", "Host: h"], 501],
      [["GET /  HTTP/1.1", "Host: h"], 400],
      [["GET /a b HTTP/1.1", "Host: h"], 400],
      [["G(T / HTTP/1.1", "Host: h"], 400],
      [["GET / HTTP/1.1", "Host: h", "NoColon"], 400],
    ];
    for (const [lines, want] of cases) expect({ lines, got: status(head(lines)) }).toEqual({ lines, got: want });
  });

  it("finds the end of a head across any split", () => {
    const text = new TextEncoder().encode(head(["GET / HTTP/1.1", "Host: h"]) + "next");
    expect(headEnd(text)).toBe(text.length - 4);
    expect(headEnd(text.subarray(0, text.length - 5))).toBe(-1);
  });
});

describe("chunkedDecoder", () => {
  const wire = new TextEncoder().encode("5;ext=1\r\nhello\r\nB\r\n, chunked w\r\n3 ;e\r\norl\r\n0\r\nX-Trailer: t\r\n\r\nNEXT");
  const bodyEnd = wire.length - 4;

  it("decodes the data and stops at the body's end, for every split of the bytes", () => {
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = chunkedDecoder();
      const out: string[] = [];
      const emit = (p: Uint8Array) => out.push(new TextDecoder().decode(p));
      const used1 = d.feed(wire.subarray(0, cut), emit);
      const used2 = d.done ? 0 : d.feed(wire.subarray(cut), emit);
      expect(out.join("")).toBe("hello, chunked worl");
      expect(d.done).toBe(true);
      expect(used1 + used2).toBe(bodyEnd);
    }
  });

  it("refuses malformed sizes and framing", () => {
    for (const bad of ["x\r\n", "5\r\nhelloXX", "5\nhello\r\n", "-1\r\n", "1234567890abc\r\n", "5\r\nhello\r\n0\r\nbad trailer\r\n"]) {
      const d = chunkedDecoder();
      expect(() => d.feed(new TextEncoder().encode(bad), () => {})).toThrow(HeadError);
    }
    const long = chunkedDecoder();
    expect(() => long.feed(new TextEncoder().encode("1;" + "x".repeat(5000)), () => {})).toThrow(HeadError);
  });
});
