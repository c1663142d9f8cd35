// `--fsync=off` / S3EDGE_FSYNC=off turns durability off for throwaway data; on by default.
import { describe, expect, it } from "bun:test";
import { parseServeOptions } from "../../../../src/runtime/bun/env.ts";

describe("parseServeOptions: --fsync", () => {
  it.each([
    [[], {}, true],
    [["--fsync=off"], {}, false],
    [["--fsync", "off"], {}, false],
    [["--fsync=on"], { S3EDGE_FSYNC: "off" }, true], // the flag wins
    [[], { S3EDGE_FSYNC: "off" }, false],
    [[], { S3EDGE_FSYNC: "OFF" }, false],
    [[], { S3EDGE_FSYNC: "on" }, true],
  ] as [string[], Record<string, string>, boolean][])("%p with %p → fsync %p", (argv, env, fsync) => {
    expect(parseServeOptions(argv, env).fsync).toBe(fsync);
  });

  it("refuses anything but on or off", () => {
    expect(() => parseServeOptions(["--fsync=maybe"], {})).toThrow("--fsync must be on or off");
    expect(() => parseServeOptions([], { S3EDGE_FSYNC: "0" })).toThrow("--fsync must be on or off");
  });
});

describe("parseServeOptions: --workers", () => {
  it("defaults to 1; the flag wins over S3EDGE_WORKERS", () => {
    expect(parseServeOptions([], {}).workers).toBe(1);
    expect(parseServeOptions(["--workers", "4"], {}).workers).toBe(4);
    expect(parseServeOptions(["--workers=2"], { S3EDGE_WORKERS: "3" }).workers).toBe(2);
    expect(parseServeOptions([], { S3EDGE_WORKERS: "3" }).workers).toBe(3);
  });

  it("refuses what is not a whole number from 1 to 256", () => {
    for (const bad of ["0", "-1", "1.5", "two", "", "257"]) expect(() => parseServeOptions(["--workers", bad], {})).toThrow("--workers must be a whole number");
  });
});

describe("parseServeOptions: S3EDGE_HTTP", () => {
  it("picks the HTTP server: bun (default) or node; anything else is one clear line", () => {
    expect(parseServeOptions([], {}).http).toBe("bun");
    expect(parseServeOptions([], { S3EDGE_HTTP: "Node" }).http).toBe("node");
    expect(() => parseServeOptions([], { S3EDGE_HTTP: "uws" })).toThrow("S3EDGE_HTTP must be bun or node, got uws");
  });
});
