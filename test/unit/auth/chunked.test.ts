// aws-chunked decoding against the S3 docs' streaming example ("sigv4-streaming": 64 KiB + 1 KiB
// of 'a', chunk signatures chained from the seed) and the unsigned-payload-with-trailer framing.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { decodeAwsChunked } from "../../../src/auth/chunked.ts";
import { canonicalHeaders, canonicalRequest, sign, signingKey, stringToSign } from "../../../src/auth/sigv4.ts";
import { bunHasher } from "../../../src/runtime/bun/hasher.ts";
import { concatBytes, enc, sha256Hex } from "../helpers/s3.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const AMZ_DATE = "20130524T000000Z";
const SCOPE = "20130524/us-east-1/s3/aws4_request";
const SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
const SIG1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
const SIG2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
const SIG3 = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

const key = await signingKey(SECRET, "20130524", "us-east-1", "s3");
const seed = { key, signature: SEED, amzDate: AMZ_DATE, scope: SCOPE };
const sha256 = () => bunHasher("sha256");

const A64K = new Uint8Array(65536).fill(0x61);
const A1K = new Uint8Array(1024).fill(0x61);

function frame(size: number, sig: string | null, data: Uint8Array) {
  const head = size.toString(16) + (sig === null ? "" : `;chunk-signature=${sig}`) + "\r\n";
  return concatBytes(enc(head), data, enc("\r\n"));
}

/** The documented request body: 66824 bytes. */
const exampleBody = (s1 = SIG1, s2 = SIG2, s3 = SIG3) =>
  concatBytes(frame(0x10000, s1, A64K), frame(0x400, s2, A1K), frame(0, s3, new Uint8Array()));

/** A stream that hands the body over in small, unaligned pieces. */
function streamOf(data: Uint8Array, piece = 1000): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= data.length) { c.close(); return; }
      c.enqueue(data.slice(off, off + piece));
      off += piece;
    },
  });
}

async function drain(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

describe("signed streaming example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", () => {
  it("the documented request headers give the documented seed signature", async () => {
    const headers = new Headers({
      "content-encoding": "aws-chunked", "content-length": "66824", host: "s3.amazonaws.com",
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-date": AMZ_DATE,
      "x-amz-decoded-content-length": "66560", "x-amz-storage-class": "REDUCED_REDUNDANCY",
    });
    const signed = [...headers.keys()].sort();
    const creq = canonicalRequest("PUT", "/examplebucket/chunkObject.txt", "", canonicalHeaders(headers, signed), signed, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    expect(await sign(key, await stringToSign(AMZ_DATE, SCOPE, creq))).toBe(SEED);
  });

  it("the documented body is 66824 bytes and decodes to 66560 bytes of 'a'", async () => {
    const body = exampleBody();
    expect(body.length).toBe(66824);
    const out = decodeAwsChunked(streamOf(body), { seed, trailer: false, decodedLength: 66560, sha256 });
    const data = await drain(out.body);
    expect(data.length).toBe(66560);
    expect(data.every((b) => b === 0x61)).toBe(true);
  });

  it.each([1, 7, 4096, 100000])("decodes whatever the read size (%i-byte pieces)", async (piece) => {
    const out = decodeAwsChunked(streamOf(exampleBody(), piece), { seed, trailer: false, decodedLength: 66560, sha256 });
    expect((await drain(out.body)).length).toBe(66560);
  });

  it.each([
    ["first chunk signature altered", exampleBody(SIG1.replace(/^a/, "b"))],
    ["second chunk signature altered", exampleBody(SIG1, SIG2.replace(/^0/, "1"))],
    ["final chunk signature altered", exampleBody(SIG1, SIG2, SIG3.replace(/^b/, "c"))],
    ["chunks swapped (signatures are chained)", concatBytes(frame(0x400, SIG2, A1K), frame(0x10000, SIG1, A64K), frame(0, SIG3, new Uint8Array()))],
    ["chunk signature missing", concatBytes(frame(0x10000, null, A64K), frame(0x400, SIG2, A1K), frame(0, SIG3, new Uint8Array()))],
  ])("%s → SignatureDoesNotMatch", async (_name, body) => {
    const out = decodeAwsChunked(streamOf(body), { seed, trailer: false, decodedLength: 66560, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("data altered under a valid signature → SignatureDoesNotMatch", async () => {
    const body = exampleBody();
    body[200] = 0x62;
    const out = decodeAwsChunked(streamOf(body), { seed, trailer: false, decodedLength: 66560, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("a different seed signature → SignatureDoesNotMatch", async () => {
    const out = decodeAwsChunked(streamOf(exampleBody()), { seed: { ...seed, signature: SIG3 }, trailer: false, decodedLength: 66560, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it.each([
    ["inside the first chunk's data", 30000],
    ["inside a chunk header", 65630],
    ["before the final chunk", 65626 + 1112],
    ["no body at all", 0],
  ])("truncated %s → IncompleteBody", async (_name, cut) => {
    const out = decodeAwsChunked(streamOf(exampleBody().slice(0, cut)), { seed, trailer: false, decodedLength: 66560, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "IncompleteBody" });
  });

  it("x-amz-decoded-content-length disagreeing with the chunks → IncompleteBody", async () => {
    for (const declared of [66559, 66561]) {
      const out = decodeAwsChunked(streamOf(exampleBody()), { seed, trailer: false, decodedLength: declared, sha256 });
      await expect(drain(out.body)).rejects.toMatchObject({ code: "IncompleteBody" });
    }
  });
});

describe("signed streaming with a trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)", () => {
  const hmacHex = (data: string) => createHmac("sha256", key).update(data).digest("hex");
  const chunkSig = (prev: string, data: Uint8Array) =>
    hmacHex(["AWS4-HMAC-SHA256-PAYLOAD", AMZ_DATE, SCOPE, prev, sha256Hex(new Uint8Array()), sha256Hex(data)].join("\n"));
  const CRC = "x-amz-checksum-crc32:AAAAAA==";

  function body(opts: { trailerSig?: string } = {}) {
    const data = enc("hello trailer");
    const s1 = chunkSig(SEED, data);
    const s2 = chunkSig(s1, new Uint8Array());
    const trailerSig = opts.trailerSig ?? hmacHex(["AWS4-HMAC-SHA256-TRAILER", AMZ_DATE, SCOPE, s2, sha256Hex(CRC + "\n")].join("\n"));
    return concatBytes(frame(data.length, s1, data), enc(`0;chunk-signature=${s2}\r\n${CRC}\r\nx-amz-trailer-signature:${trailerSig}\r\n\r\n`));
  }

  it("verifies the trailer signature and exposes the trailer", async () => {
    const out = decodeAwsChunked(streamOf(body(), 5), { seed, trailer: true, decodedLength: 13, sha256 });
    expect(new TextDecoder().decode(await drain(out.body))).toBe("hello trailer");
    expect(out.trailers["x-amz-checksum-crc32"]).toBe(CRC.split(":")[1]);
  });

  it("a wrong trailer signature → SignatureDoesNotMatch", async () => {
    const out = decodeAwsChunked(streamOf(body({ trailerSig: "0".repeat(64) })), { seed, trailer: true, decodedLength: 13, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });
});

describe("unsigned streaming with a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)", () => {
  const data = new TextEncoder().encode("Hello, trailer world!".repeat(100));
  const c = Bun.hash.crc32(data);
  const crc = Buffer.from([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff]).toString("base64");
  const body = concatBytes(
    frame(1024, null, data.subarray(0, 1024)),
    frame(data.length - 1024, null, data.subarray(1024)),
    enc(`0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`),
  );

  it("decodes the data and collects x-amz-checksum-crc32 before the stream closes", async () => {
    const out = decodeAwsChunked(streamOf(body, 333), { trailer: true, decodedLength: data.length, sha256 });
    expect(await drain(out.body)).toEqual(data);
    expect(out.trailers).toEqual({ "x-amz-checksum-crc32": crc });
  });

  it("truncated inside the trailer → IncompleteBody", async () => {
    const out = decodeAwsChunked(streamOf(body.slice(0, body.length - 6)), { trailer: true, decodedLength: data.length, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "IncompleteBody" });
  });

  it("a malformed chunk size line → IncompleteBody", async () => {
    const bad = concatBytes(enc("zz\r\n"), data, enc("\r\n0\r\n\r\n"));
    const out = decodeAwsChunked(streamOf(bad), { trailer: true, decodedLength: data.length, sha256 });
    await expect(drain(out.body)).rejects.toMatchObject({ code: "IncompleteBody" });
  });
});
