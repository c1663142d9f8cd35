// One structured access-log line per request, on every API, never with a secret (issue 12 #10).
import { expect, it } from "bun:test";
import { withBucket } from "../helpers/s3.ts";
import { parseServeOptions } from "../../../src/runtime/bun/env.ts";

it("S3, admin and Query requests each log one line with what happened and who asked", async () => {
  const { env, c } = await withBucket();
  const lines: Record<string, unknown>[] = [];
  env.deps.log = { ...env.deps.log, info: (m, f) => { if (m === "request") lines.push(f!); } };
  await c.put("bkt", "dir/k", "hello");
  await c.get("bkt", "dir/k");
  await c.send("/bkt/missing");
  await c.send("/bkt/k", { anonymous: true });
  await c.send("/minio/admin/v3/list-users");
  expect(lines.map((l) => [l.api, l.method, l.op, l.status])).toEqual([
    ["s3", "PUT", "PutObject", 200], ["s3", "GET", "GetObject", 200], ["s3", "GET", "GetObject", 404], ["s3", "GET", "GetObject", 403],
    ["admin", "GET", "ListUsers", expect.any(Number)],
  ]);
  expect(lines[1]).toMatchObject({ bucket: "bkt", key: "dir/k", bytes: 5, principal: "AKIDTEST" });
  expect(typeof lines[1].requestId).toBe("string");
  expect(typeof lines[1].ms).toBe("number");
  expect(lines[3].principal).toBe("anonymous");
  const text = JSON.stringify(lines);
  expect(text).not.toContain("secretsecret");
  expect(text).not.toContain("Signature");
});

it("--quiet (or S3EDGE_QUIET=1) turns it off on Bun", () => {
  expect(parseServeOptions([], {}).quiet).toBe(false);
  expect(parseServeOptions(["--quiet"], {}).quiet).toBe(true);
  expect(parseServeOptions([], { S3EDGE_QUIET: "1" }).quiet).toBe(true);
});
