// SigV4 building blocks against the examples published in the Amazon S3 API reference
// ("Signature Calculations for the Authorization Header" and "Query String Authentication").
import { describe, expect, it } from "bun:test";
import {
  awsUriEncode, canonicalHeaders, canonicalQuery, canonicalRequest, EMPTY_SHA256, parseAmzDate, parseAuthorization,
  parseCredential, sign, signingKey, stringToSign,
} from "../../../src/auth/sigv4.ts";
import { toHex } from "../../../src/util/hash.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const AMZ_DATE = "20130524T000000Z";
const SCOPE = "20130524/us-east-1/s3/aws4_request";
const HOST = "examplebucket.s3.amazonaws.com";

async function signatureOf(method: string, uri: string, query: [string, string][], headers: Record<string, string>, payload: string) {
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const creq = canonicalRequest(method, uri, canonicalQuery(query), canonicalHeaders(new Headers(headers), signed), signed, payload);
  return sign(await signingKey(SECRET, "20130524", "us-east-1", "s3"), await stringToSign(AMZ_DATE, SCOPE, creq));
}

describe("GET object example (Range header)", () => {
  const headers = { host: HOST, range: "bytes=0-9", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": AMZ_DATE };
  const signed = ["host", "range", "x-amz-content-sha256", "x-amz-date"];
  const CANONICAL = [
    "GET",
    "/test.txt",
    "",
    `host:${HOST}`,
    "range:bytes=0-9",
    `x-amz-content-sha256:${EMPTY_SHA256}`,
    `x-amz-date:${AMZ_DATE}`,
    "",
    "host;range;x-amz-content-sha256;x-amz-date",
    EMPTY_SHA256,
  ].join("\n");

  it("builds the documented canonical request", () => {
    expect(canonicalRequest("GET", "/test.txt", "", canonicalHeaders(new Headers(headers), signed), signed, EMPTY_SHA256)).toBe(CANONICAL);
  });

  it("builds the documented string to sign", async () => {
    expect(await stringToSign(AMZ_DATE, SCOPE, CANONICAL)).toBe(
      ["AWS4-HMAC-SHA256", AMZ_DATE, SCOPE, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"].join("\n"),
    );
  });

  it("yields the documented signature", async () => {
    const key = await signingKey(SECRET, "20130524", "us-east-1", "s3");
    expect(await sign(key, await stringToSign(AMZ_DATE, SCOPE, CANONICAL))).toBe("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  });
});

describe("other documented header-signing examples", () => {
  it.each([
    {
      name: "PUT object (URI with '$', date header, storage class)",
      method: "PUT", uri: awsUriEncode("/test$file.text", true), query: [] as [string, string][],
      headers: {
        date: "Fri, 24 May 2013 00:00:00 GMT", host: HOST, "x-amz-date": AMZ_DATE, "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      },
      payload: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      expected: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    },
    {
      name: "GET bucket lifecycle (valueless subresource)",
      method: "GET", uri: "/", query: [["lifecycle", ""]] as [string, string][],
      headers: { host: HOST, "x-amz-date": AMZ_DATE, "x-amz-content-sha256": EMPTY_SHA256 },
      payload: EMPTY_SHA256,
      expected: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    },
    {
      name: "GET bucket (list objects, sorted query)",
      method: "GET", uri: "/", query: [["prefix", "J"], ["max-keys", "2"]] as [string, string][],
      headers: { host: HOST, "x-amz-date": AMZ_DATE, "x-amz-content-sha256": EMPTY_SHA256 },
      payload: EMPTY_SHA256,
      expected: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    },
    {
      name: "presigned GET (query string authentication)",
      method: "GET", uri: "/test.txt",
      query: [
        ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"], ["X-Amz-Credential", `AKIAIOSFODNN7EXAMPLE/${SCOPE}`], ["X-Amz-Date", AMZ_DATE],
        ["X-Amz-Expires", "86400"], ["X-Amz-SignedHeaders", "host"],
      ] as [string, string][],
      headers: { host: HOST },
      payload: "UNSIGNED-PAYLOAD",
      expected: "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    },
  ])("$name", async ({ method, uri, query, headers, payload, expected }) => {
    expect(await signatureOf(method, uri, query, headers as Record<string, string>, payload)).toBe(expected);
  });
});

describe("signingKey", () => {
  it("derives the key of the AWS 'deriving the signing key' example", async () => {
    // docs.aws.amazon.com/general/latest/gr/signature-v4-examples.html (iam, 20120215)
    const key = await signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
    expect(toHex(key)).toBe("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  });
});

describe("awsUriEncode", () => {
  it.each([
    ["unreserved stay", "AZaz09-_.~", false, "AZaz09-_.~"],
    ["space is %20, never +", "a b", false, "a%20b"],
    ["plus, equals, ampersand", "a+b=c&d", false, "a%2Bb%3Dc%26d"],
    ["slash encoded in query values", "a/b", false, "a%2Fb"],
    ["slash kept in paths", "/a/b c", true, "/a/b%20c"],
    ["UTF-8, upper-case hex", "é😀", false, "%C3%A9%F0%9F%98%80"],
    ["dollar and star", "$*", false, "%24%2A"],
  ])("%s", (_name, input, keepSlash, expected) => {
    expect(awsUriEncode(input as string, keepSlash as boolean)).toBe(expected as string);
  });
});

describe("canonicalQuery", () => {
  it("sorts by encoded name then value, encodes both, keeps empty values", () => {
    expect(canonicalQuery([["b", "2"], ["a", "z"], ["a", "y"], ["uploads", ""], ["k", "a b/c"]])).toBe(
      "a=y&a=z&b=2&k=a%20b%2Fc&uploads=",
    );
  });
  it("drops the excluded parameter (X-Amz-Signature)", () => {
    expect(canonicalQuery([["X-Amz-Signature", "abc"], ["x", "1"]], "X-Amz-Signature")).toBe("x=1");
  });
  it("sorts by byte order: upper case before lower case", () => {
    expect(canonicalQuery([["a", "1"], ["X-Amz-Date", "2"]])).toBe("X-Amz-Date=2&a=1");
  });
});

describe("canonicalHeaders", () => {
  it("trims and collapses whitespace, lists headers in the signed order", () => {
    const h = new Headers({ "x-amz-meta-a": "  one   two  ", host: "h" });
    expect(canonicalHeaders(h, ["host", "x-amz-meta-a"])).toBe("host:h\nx-amz-meta-a:one two\n");
  });
});

describe("parseAuthorization", () => {
  it("parses the documented header, with or without spaces after commas", () => {
    for (const sep of [", ", ","]) {
      const p = parseAuthorization(
        `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/${SCOPE}${sep}SignedHeaders=host;range;x-amz-date${sep}Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024`,
      );
      expect(p).toEqual({
        credential: { accessKey: "AKIAIOSFODNN7EXAMPLE", date: "20130524", region: "us-east-1", service: "s3", scope: SCOPE },
        signedHeaders: ["host", "range", "x-amz-date"],
        signature: "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
      });
    }
  });
  it.each([
    ["other algorithm", "AWS4-ECDSA-P256-SHA256 Credential=A/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"],
    ["missing signature", `AWS4-HMAC-SHA256 Credential=A/${SCOPE}, SignedHeaders=host`],
    ["missing signed headers", `AWS4-HMAC-SHA256 Credential=A/${SCOPE}, Signature=abc`],
    ["bad credential scope", "AWS4-HMAC-SHA256 Credential=A/20130524/us-east-1/s3, SignedHeaders=host, Signature=abc"],
  ])("rejects %s", (_n, header) => {
    expect(parseAuthorization(header)).toBeNull();
  });
});

describe("parseCredential", () => {
  it.each([
    ["A/20130524/us-east-1/s3/aws4_request", { accessKey: "A", date: "20130524", region: "us-east-1", service: "s3", scope: SCOPE }],
    ["A/20130524/us-east-1/s3/aws4", null],
    ["/20130524/us-east-1/s3/aws4_request", null],
    ["A/2013-05-24/us-east-1/s3/aws4_request", null],
  ])("%s", (input, expected) => {
    expect(parseCredential(input)).toEqual(expected);
  });
});

describe("parseAmzDate", () => {
  it.each([
    ["20130524T000000Z", Date.UTC(2013, 4, 24)],
    ["20261231T235959Z", Date.UTC(2026, 11, 31, 23, 59, 59)],
    ["2013-05-24T00:00:00Z", NaN],
    ["20130524T000000", NaN],
  ])("%s", (input, expected) => {
    expect(parseAmzDate(input)).toEqual(expected);
  });
});

describe("canonicalHeaders", () => {
  it("trims each value and folds every run of white space (tabs, NBSP, several spaces) into one space", () => {
    const h = new Headers({ a: "  plain value  ", b: "two  spaces", c: "tab\there", d: "nb\u00a0sp", e: "", f: "x \t y" });
    expect(canonicalHeaders(h, ["a", "b", "c", "d", "e", "f", "g"])).toBe("a:plain value\nb:two spaces\nc:tab here\nd:nb sp\ne:\nf:x y\ng:\n");
  });
});
