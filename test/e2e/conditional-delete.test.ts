// S3 conditional deletes from boto3 (DeleteObject IfMatch / IfMatchSize / IfMatchLastModifiedTime,
// DeleteObjects per-key ETag and Size), through the real server on Bun and on workerd.
import { describe, expect, test } from "bun:test";
import { bucketName, python, useServer } from "./harness.ts";

const ep = useServer();

describe("conditional deletes (boto3)", () => {
  test("a failed condition is 412 and keeps the object; If-Match on a missing key is 404; per-key errors in a batch", async () => {
    const r = await python(ep, "conditional_delete.py", { S3EDGE_E2E_BUCKET: bucketName("cdel") });
    expect(r.wrong_etag).toEqual({ status: 412, code: "PreconditionFailed" });
    expect(r.wrong_size).toEqual({ status: 412, code: "PreconditionFailed" });
    expect(r.wrong_time).toEqual({ status: 412, code: "PreconditionFailed" });
    expect(r.still_there).toBe(200);
    expect(r.all_match).toBe(204);
    expect(r.gone).toBe(404);
    expect(r.missing_if_match).toEqual({ status: 404, code: "NoSuchKey" });
    expect(r.batch_deleted).toEqual(["a"]);
    expect(r.batch_errors).toEqual([["b", "PreconditionFailed"], ["b", "PreconditionFailed"]]);
    expect(r.b_kept).toBe(200);
  });
});
