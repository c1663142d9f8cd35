import { describe, expect, it } from "bun:test";
import { compareSequencers, parseEventBody } from "../../../src/sync/events.ts";

describe("parseEventBody", () => {
  it("reads the s3sync README's AWS records", () => {
    const body = JSON.stringify({ Records: [
      { eventName: "ObjectCreated:Put", s3: { bucket: { name: "transport-dev" }, object: { key: "plink.exe", size: 545880, eTag: "528248ae133191c591ec6d12732f2cfd", sequencer: "0059688BECBD741D89" } } },
      { eventName: "ObjectRemoved:Delete", s3: { bucket: { name: "transport-dev" }, object: { key: "a+b/c%2B.html", sequencer: "00596889A0793F359F" } } },
    ] });
    expect(parseEventBody(body)).toEqual([
      { kind: "created", bucket: "transport-dev", key: "plink.exe", sequencer: "0059688BECBD741D89", size: 545880, etag: "528248ae133191c591ec6d12732f2cfd" },
      { kind: "removed", bucket: "transport-dev", key: "a b/c+.html", sequencer: "00596889A0793F359F" },
    ]);
  });

  it("reads MinIO's records (s3: prefix, '/' escaped) and ignores test events and junk", () => {
    const minio = JSON.stringify({ EventName: "s3:ObjectCreated:Put", Records: [{ eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "x%2Fy.txt", size: 1 } } }] });
    expect(parseEventBody(minio)).toEqual([{ kind: "created", bucket: "b", key: "x/y.txt", size: 1 }]);
    expect(parseEventBody(JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent" }))).toEqual([]);
    expect(parseEventBody("not json")).toEqual([]);
    expect(parseEventBody(JSON.stringify({ Records: [{ eventName: "ObjectAccessed:Get", s3: { bucket: { name: "b" }, object: { key: "k" } } }] }))).toEqual([]);
  });

  it("orders sequencers as hex numbers of any length", () => {
    expect(compareSequencers("0059688BECBD741D89", "00596889A0793F359F")).toBe(1);
    expect(compareSequencers("FF", "0100")).toBe(-1);
    expect(compareSequencers("0A", "A")).toBe(0);
  });
});
