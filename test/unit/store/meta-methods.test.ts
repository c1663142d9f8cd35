// The MetaStore method table (src/store/sharded/meta-methods.ts): which shard each call goes to,
// and which committed events a shard relays. The sharded store and the MetaShard Durable Object
// are generated from it; their behaviour is the contract suite's (meta-store-contract.test.ts).
import { describe, expect, it } from "bun:test";
import { createShardedMetaStore } from "../../../src/store/sharded/meta-store.ts";
import { META_STORE_METHODS, META_STORE_METHOD_NAMES } from "../../../src/store/sharded/meta-methods.ts";
import type { MetaStore, ObjectRecord, OutboxEvent } from "../../../src/store/types.ts";

const obj = { bucket: "b1", key: "k" } as ObjectRecord;
const ev = [{ id: "e" }] as OutboxEvent[];

describe("MetaStore method table", () => {
  it("names every MetaStore member once", () => {
    expect(new Set(META_STORE_METHOD_NAMES).size).toBe(META_STORE_METHOD_NAMES.length);
    expect(META_STORE_METHOD_NAMES).toContain("deleteObject");
  });
  it.each([
    ["getObject", ["b1", "k"], "bucket:b1"],
    ["putObject", [obj, {}], "bucket:b1"],
    ["completeUpload", ["u1", obj], "bucket:b1"],
    ["createUpload", [{ bucket: "b1", key: "k", uploadId: "u1" }], "bucket:b1"],
    ["registerChunk", ["b1/session", "h", "blob", 1], "bucket:b1"],
    ["listBuckets", [], "catalog"],
  ] as const)("%s goes to one shard", async (name, args, shard) => {
    const opened: string[] = [];
    const calls: string[] = [];
    const store = createShardedMetaStore((s) => {
      opened.push(s);
      return new Proxy({}, { get: (_t, m) => async () => { calls.push(String(m)); return null; } }) as MetaStore;
    });
    await (store[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    expect(opened).toEqual([shard]);
    expect(calls).toEqual([name]);
  });
  it("a shard relays the events of a commit that happened, not of a refused one", () => {
    expect(META_STORE_METHODS.putObject.events([obj, { events: ev }], { ok: true })).toBe(ev);
    expect(META_STORE_METHODS.putObject.events([obj, { events: ev }], { ok: false, reason: "SlowDown" })).toBeUndefined();
    expect(META_STORE_METHODS.deleteObject.events(["b1", "k", ev], { ok: false, reason: "NoSuchKey" })).toBeUndefined();
    expect(META_STORE_METHODS.completeUpload.events(["u1", obj, undefined, ev], { ok: true })).toBe(ev);
    expect(META_STORE_METHODS.appendEvents.events(["b1", ev], true)).toBe(ev);
  });
});
