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
