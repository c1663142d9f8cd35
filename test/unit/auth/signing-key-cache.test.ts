// The SigV4 signing key is derived once per (secret, date, region, service) and reused.
import { describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { signingKey } from "../../../src/auth/sigv4.ts";
import { toHex } from "../../../src/util/hash.ts";

const derive = (secret: string, date: string, region: string, service: string) => {
  const h = (k: Buffer | string, d: string) => createHmac("sha256", k).update(d).digest();
  return h(h(h(h("AWS4" + secret, date), region), service), "aws4_request").toString("hex");
};

describe("signingKey", () => {
  it("matches the documented derivation and is cached per input", async () => {
    const a = await signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
    // AWS's published example ("Examples of how to derive a signing key for Signature Version 4").
    expect(toHex(a)).toBe("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    expect(await signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")).toBe(a);
  });

  it("different secrets, dates, regions or services never share a key", async () => {
    const inputs: [string, string, string, string][] = [
      ["s1", "20240101", "us-east-1", "s3"], ["s2", "20240101", "us-east-1", "s3"], ["s1", "20240102", "us-east-1", "s3"],
      ["s1", "20240101", "eu-west-1", "s3"], ["s1", "20240101", "us-east-1", "sts"],
      // Parts that would collide if simply joined with a separator:
      ["s1", "20240101", "a\nb", "c"], ["s1", "20240101", "a", "b\nc"],
    ];
    for (const i of inputs) expect(toHex(await signingKey(...i))).toBe(derive(...i));
  });

  it("stays bounded under many distinct scopes", async () => {
    for (let d = 0; d < 200; d++) await signingKey("s", `2024${String(d).padStart(4, "0")}`, "r", "s3");
    expect(toHex(await signingKey("s", "20240001", "r", "s3"))).toBe(derive("s", "20240001", "r", "s3"));
  });
});
