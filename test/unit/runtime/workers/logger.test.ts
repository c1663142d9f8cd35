// S3EDGE_QUIET on Workers, as --quiet on Bun: no info line (so no access-log line per request), warnings and errors still out.
import { afterEach, expect, spyOn, test } from "bun:test";
import { loggerFor } from "../../../../src/runtime/workers/logger.ts";

const spies = [spyOn(console, "log").mockImplementation(() => {}), spyOn(console, "warn").mockImplementation(() => {}), spyOn(console, "error").mockImplementation(() => {})];
const [log, warn, error] = spies;
afterEach(() => { for (const s of spies) s.mockClear(); });

test("quiet drops info lines only", () => {
  for (const v of ["1", "on", "true", "YES"]) {
    const l = loggerFor({ S3EDGE_QUIET: v });
    l.info("request", { status: 200 });
    l.warn("w", {});
    l.error("e", {});
  }
  expect(log).toHaveBeenCalledTimes(0);
  expect(warn).toHaveBeenCalledTimes(4);
  expect(error).toHaveBeenCalledTimes(4);
  expect(JSON.parse(String(warn.mock.calls[0]![0]))).toEqual({ level: "warn", msg: "w" });
});

test("unset, off or anything else: one JSON line per info", () => {
  for (const v of [undefined, "", "0", "off", "no"]) loggerFor({ S3EDGE_QUIET: v }).info("request", { status: 200 });
  expect(log).toHaveBeenCalledTimes(5);
  expect(JSON.parse(String(log.mock.calls[0]![0]))).toEqual({ level: "info", msg: "request", status: 200 });
});
