import { describe, expect, it } from "bun:test";
import { checkKey, isValidBucketName } from "../../../src/s3/names.ts";

describe("isValidBucketName", () => {
  it.each([
    ["abc", true], ["my-bucket.v2", true], ["a".repeat(63), true], ["0bucket9", true],
    ["ab", false], ["a".repeat(64), false], ["My-Bucket", false], ["under_score", false], ["-start", false], ["end-", false],
    [".start", false], ["end.", false], ["a..b", false], ["a.-b", false], ["a-.b", false], ["10.0.0.1", false],
    ["xn--punycode", false], ["sthree-x", false], ["name-s3alias", false], ["name--ol-s3", false],
  ])("%j → %p", (name, valid) => {
    expect(isValidBucketName(name)).toBe(valid);
  });
});

describe("checkKey", () => {
  it("accepts 1024 UTF-8 bytes and rejects 1025 with KeyTooLongError", () => {
    expect(() => checkKey("k".repeat(1024))).not.toThrow();
    expect(() => checkKey("é".repeat(512))).not.toThrow();
    let err: unknown;
    try { checkKey("é".repeat(512) + "k"); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: "KeyTooLongError", status: 400 });
  });
});
