import { describe, expect, test } from "bun:test";
import { parseAccessEntry } from "../../../src/sync/redis-source.ts";

const record = (eventName: string, key: string, sequencer = "0A") => ({
  eventName, s3: { bucket: { name: "b" }, object: { key, size: 3, eTag: "e", sequencer } },
});

describe("parseAccessEntry (MinIO's Redis access format)", () => {
  test("every record of every element, MinIO's s3: names and escaped keys", () => {
    const entry = JSON.stringify([
      { Event: [record("s3:ObjectCreated:Put", "a%2Fb+c.txt", "1F")], EventTime: "2026-12-01T00:00:00.000Z" },
      { Event: [record("s3:ObjectRemoved:Delete", "x")], EventTime: "2026-12-01T00:00:01.000Z" },
    ]);
    expect(parseAccessEntry(entry)).toEqual([
      { kind: "created", bucket: "b", key: "a/b c.txt", sequencer: "1F", size: 3, etag: "e" },
      { kind: "removed", bucket: "b", key: "x", sequencer: "0A", size: 3, etag: "e" },
    ]);
  });

  test("anything else is no events, not a throw", () => {
    for (const bad of ["", "{", "{}", "null", "[1,2]", JSON.stringify([{ Event: "no" }]), JSON.stringify({ Records: [record("s3:ObjectCreated:Put", "k")] })]) {
      expect(parseAccessEntry(bad)).toEqual([]);
    }
    expect(parseAccessEntry(JSON.stringify([{ Event: [record("s3:ObjectAccessed:Get", "k")] }]))).toEqual([]);
  });
});
