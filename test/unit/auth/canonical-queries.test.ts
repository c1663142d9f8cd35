import { describe, expect, it } from "bun:test";
import { canonicalQueries } from "../../../src/auth/sigv4.ts";

describe("canonicalQueries", () => {
  it("AWS's order first, then Go's (keys sorted, a repeated key's values as sent: minio-go, mc watch)", () => {
    const sent: [string, string][] = [["events", "s3:ObjectCreated:*"], ["events", "s3:ObjectRemoved:*"], ["events", "s3:ObjectAccessed:*"], ["prefix", ""], ["suffix", ""]];
    expect(canonicalQueries(sent)).toEqual([
      "events=s3%3AObjectAccessed%3A%2A&events=s3%3AObjectCreated%3A%2A&events=s3%3AObjectRemoved%3A%2A&prefix=&suffix=",
      "events=s3%3AObjectCreated%3A%2A&events=s3%3AObjectRemoved%3A%2A&events=s3%3AObjectAccessed%3A%2A&prefix=&suffix=",
    ]);
  });
  it("one candidate when both orders agree; the excluded key left out", () => {
    expect(canonicalQueries([["b", "1"], ["a", "2"], ["X-Amz-Signature", "s"]], "X-Amz-Signature")).toEqual(["a=2&b=1"]);
  });
});
