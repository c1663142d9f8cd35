import { describe, expect, it } from "bun:test";
import { parseSyncConfig, SyncConfigError } from "../../../src/sync/config.ts";

const BASE = { endpoint: "http://127.0.0.1:9000", accessKey: "a", secretKey: "s", bucket: "transport-dev" };

describe("sync config", () => {
  it("takes `sync` as an object or as the s3sync README's list; longest prefix first", () => {
    const asObject = parseSyncConfig({ ...BASE, queue: "q", sync: { "test-folder/": "/tmp/a", "test-folder/folder-01/": "/tmp/b", "": "/tmp/all" } });
    expect(asObject.mappings.map((m) => m.prefix)).toEqual(["test-folder/folder-01/", "test-folder/", ""]);
    const asList = parseSyncConfig({ ...BASE, sync: [{ "a/": "b" }, ["cc/", "d"]] }, (d) => `/base/${d}`);
    expect(asList.mappings).toEqual([{ prefix: "cc/", dir: "/base/d" }, { prefix: "a/", dir: "/base/b" }]);
    expect(asList).toMatchObject({ region: "us-east-1", concurrency: 8, visibilityTimeout: 60 });
  });

  it("says what is wrong with each field, at once", () => {
    let msg = "";
    try {
      parseSyncConfig({ endpoint: "ftp://x", accessKey: "", bucket: "b", sync: { "a/": "x" }, concurrency: 0, extra: 1 });
    } catch (e) {
      expect(e).toBeInstanceOf(SyncConfigError);
      msg = (e as Error).message;
    }
    const lines = msg.split("\n");
    expect(lines.some((l) => l.startsWith("endpoint: must be an http(s) URL"))).toBe(true);
    expect(lines.some((l) => l.startsWith("accessKey: must not be empty"))).toBe(true);
    expect(lines.some((l) => l.startsWith("secretKey:"))).toBe(true);
    expect(lines.some((l) => l.startsWith("concurrency:"))).toBe(true);
    expect(msg).toContain("extra");
  });

  it("needs a mapping or a replication target; refuses a prefix mapped twice", () => {
    expect(() => parseSyncConfig(BASE)).toThrow("sync: give `sync`");
    expect(() => parseSyncConfig({ ...BASE, sync: [["a/", "x"], ["a/", "y"]] })).toThrow("mapped twice");
    expect(parseSyncConfig({ ...BASE, target: { endpoint: "http://h:1", bucket: "b2", accessKey: "k", secretKey: "s" } }).target)
      .toEqual({ endpoint: "http://h:1", bucket: "b2", accessKey: "k", secretKey: "s", region: "us-east-1", prefix: "" });
  });
});
