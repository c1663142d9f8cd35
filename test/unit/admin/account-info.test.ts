// GET /minio/admin/v3/accountinfo (src/admin/server-info.ts) through the real app: the caller's
// buckets with the objects and bytes of those it may read (the console's counts for non-admins),
// on the one-database and the sharded store.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { s3 } from "../helpers/s3.ts";

type Row = { name: string; size: number; objects: number; access: { read: boolean; write: boolean } };

describe.each([false, true])("accountinfo counts (sharded store: %p)", (sharded) => {
  it("answers real objects and bytes per readable bucket; a bucket the caller may not read stays 0", async () => {
    const env = memoryDeps({}, { sharded });
    const c = s3(env);
    for (const b of ["mine", "theirs", "empty"]) await c.createBucket(b);
    for (const [k, body] of [["a", "12345"], ["b/c", "xy"], ["a", "1234567890"]] as const) expect((await c.put("mine", k, body)).status).toBe(200);
    expect((await c.put("theirs", "secret.txt", "hidden")).status).toBe(200);
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetObject"], Resource: ["arn:aws:s3:::mine", "arn:aws:s3:::mine/*", "arn:aws:s3:::empty", "arn:aws:s3:::empty/*"] }] };
    expect((await c.send("/minio/admin/v3/add-canned-policy?name=mine-read", { method: "PUT", body: JSON.stringify(doc), signPayload: true })).status).toBe(200);
    expect((await env.deps.iam.putUser({ accessKey: "reader", secretKey: "reader-secret", status: "enabled", policies: ["mine-read"] })).ok).toBe(true);

    const res = await c.send("/minio/admin/v3/accountinfo", { signPayload: true, creds: { accessKeyId: "reader", secretAccessKey: "reader-secret" } });
    expect(res.status).toBe(200);
    const info = await res.json() as { AccountName: string; Buckets: Row[] };
    expect(info.AccountName).toBe("reader");
    const by = Object.fromEntries(info.Buckets.map((b) => [b.name, b]));
    expect(by.mine).toMatchObject({ objects: 2, size: 12, access: { read: true, write: false } });
    expect(by.empty).toMatchObject({ objects: 0, size: 0, access: { read: true } });
    expect(by.theirs).toMatchObject({ objects: 0, size: 0, access: { read: false, write: false } });

    const root = await (await c.send("/minio/admin/v3/accountinfo", { signPayload: true })).json() as { Buckets: Row[] };
    expect(root.Buckets.find((b) => b.name === "theirs")).toMatchObject({ objects: 1, size: 6 });
  });
});
