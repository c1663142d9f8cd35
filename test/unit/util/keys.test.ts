// S3 lists keys in UTF-8 byte order, which differs from JS (UTF-16) order for astral characters.
import { describe, expect, it } from "bun:test";
import { compareKeys, prefixUpperBound } from "../../../src/util/keys.ts";

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
const sign = (n: number) => Math.sign(n);

describe("prefixUpperBound", () => {
  it.each([
    ["abc", "abd"],
    ["a/", "a0"],
    ["a\u{10FFFF}", "b"],
    ["\u{10FFFF}\u{10FFFF}", null],
    ["", null],
    ["\uD7FF", "\uE000"], // the next code point after U+D7FF that UTF-8 can encode
    ["x\u{1F600}", "x\u{1F601}"],
    ["\uFFFF", "\u{10000}"],
  ])("%j → %j", (prefix, expected) => {
    expect(prefixUpperBound(prefix)).toBe(expected);
  });

  it("is above every extension of the prefix and below the next sibling", () => {
    for (const p of ["a", "photos/2024/", "é", "\u{1F600}"]) {
      const up = prefixUpperBound(p)!;
      for (const ext of ["", "\u0000", "z", "\uFFFF", "\u{10FFFF}", "\u{1F600}tail"]) expect(compareKeys(p + ext, up)).toBeLessThan(0);
      expect(compareKeys(up, p)).toBeGreaterThan(0);
    }
  });
});

describe("compareKeys", () => {
  it.each([
    ["a", "a", 0],
    ["a", "b", -1],
    ["ab", "a", 1],
    ["", "a", -1],
    ["\uFFFF", "\u{1F600}", -1], // UTF-16 would say the opposite (0xD83D < 0xFFFF)
    ["\uE000", "\u{10000}", -1],
    ["\u{1F600}", "\u{1F601}", -1],
    ["Z", "a", -1],
  ])("%j vs %j → %i", (a, b, expected) => {
    expect(sign(compareKeys(a, b))).toBe(expected);
    expect(sign(compareKeys(b, a))).toBe(-expected || 0);
    expect(sign(compareKeys(a, b))).toBe(sign(utf8Order(a, b)));
  });

  it("sorts like UTF-8 bytes", () => {
    const keys = ["\u{1F600}", "\uFFFD", "z", "é", "a/b", "a", "\u{10000}", "\uE000", "A", "日本", "a\u{1F600}", "a\uFFFF"];
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort(utf8Order));
  });
});
