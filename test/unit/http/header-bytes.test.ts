import { describe, expect, it } from "bun:test";
import { fromByteString, latin1Bytes, toByteString, utf8ByteString } from "../../../src/http/header-bytes.ts";

const UTF8 = Buffer.from("café ☃", "utf8").toString("latin1"); // the byte string Bun hands over

describe("header byte strings", () => {
  it("text becomes the byte string of its UTF-8 (workerd's decoded headers)", () => {
    expect(utf8ByteString("café ☃")).toBe(UTF8);
    expect(utf8ByteString("plain")).toBe("plain");
  });
  it("toByteString converts only what no byte string can hold", () => {
    expect(toByteString("café ☃")).toBe(UTF8);
    expect(toByteString(UTF8)).toBe(UTF8);
    expect(toByteString("caf\u00e9")).toBe("caf\u00e9"); // already bytes (latin-1 e9)
  });
  it("fromByteString decodes valid UTF-8 only", () => {
    expect(fromByteString(UTF8)).toBe("café ☃");
    expect(fromByteString("caf\u00e9")).toBe("caf\u00e9"); // a lone e9 is not UTF-8: left as the byte
    expect(fromByteString("ascii")).toBe("ascii");
  });
  it("latin1Bytes gives the bytes back", () => {
    expect([...latin1Bytes(UTF8)]).toEqual([...Buffer.from("café ☃", "utf8")]);
    expect([...latin1Bytes("caf\u00e9")]).toEqual([0x63, 0x61, 0x66, 0xe9]);
  });
});
