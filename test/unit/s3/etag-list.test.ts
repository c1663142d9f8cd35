// Write preconditions are normalised before any store sees them (issue 11 item 7).
import { expect, it } from "bun:test";
import { etagIn, parseEtagList, writeConditions } from "../../../src/s3/conditions.ts";

it.each([
  ['"abc"', ['"abc"']],
  ["abc", ['"abc"']],
  ['W/"abc"', ['"abc"']],
  ['"a", W/"b" ,c', ['"a"', '"b"', '"c"']],
  ["*", "*"],
  ['"a", *', "*"],
])("parseEtagList(%s)", (header, list) => {
  expect(parseEtagList(header)).toEqual(list as never);
});

it("writeConditions hands the store quoted ETags and '*' only", () => {
  expect(writeConditions(new Headers({ "if-match": 'W/"x", y' }))).toEqual({ ifMatch: ['"x"', '"y"'] });
  expect(writeConditions(new Headers({ "if-none-match": " * " }))).toEqual({ ifNoneMatch: "*" });
  expect(writeConditions(new Headers())).toBeUndefined();
  expect(() => writeConditions(new Headers({ "if-none-match": '"x"' }))).toThrow();
  expect(etagIn(['"x"'], '"x"')).toBe(true);
  expect(etagIn("*", '"anything"')).toBe(true);
  expect(etagIn(['"x"'], '"y"')).toBe(false);
});
