// GET /minio/admin/v3/datausageinfo (src/admin/data-usage.ts) through the real app: per-bucket
// objects, versions, delete markers and bytes from the MetaStore, on the one-database store
// (Bun) and the per-bucket sharded one (Workers), across listing pages.
import { describe, expect, it } from "bun:test";
import { memoryDeps } from "../helpers/deps.ts";
import { s3 } from "../helpers/s3.ts";

const VERSIONING_ON = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";

describe.each([false, true])("datausageinfo (sharded store: %p)", (sharded) => {
  it("counts current objects, versions, delete markers and the bytes of every version, per bucket and in total", async () => {
    const env = memoryDeps({}, { sharded });
    const c = s3(env);
    await c.createBucket("plain");
    await c.createBucket("versioned");
    await c.createBucket("empty");
    expect((await c.send("/versioned?versioning", { method: "PUT", body: VERSIONING_ON })).status).toBe(200);
    for (const [k, body] of [["a", "12345"], ["b/c", "xy"], ["a", "1234567890"]] as const) expect((await c.put("plain", k, body)).status).toBe(200);
    for (const body of ["one", "three"]) expect((await c.put("versioned", "k", body)).status).toBe(200);
    expect((await c.put("versioned", "gone", "zz")).status).toBe(200);
    expect((await c.del("versioned", "gone")).status).toBe(204);

    const res = await c.send("/minio/admin/v3/datausageinfo", { signPayload: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const doc = await res.json();
    expect(doc.bucketsUsageInfo).toEqual({
      plain: { size: 12, objectsCount: 2, versionsCount: 2, deleteMarkersCount: 0 },
      versioned: { size: 10, objectsCount: 1, versionsCount: 3, deleteMarkersCount: 1 },
      empty: { size: 0, objectsCount: 0, versionsCount: 0, deleteMarkersCount: 0 },
    });
    expect(doc).toMatchObject({ bucketsCount: 3, objectsCount: 3, versionsCount: 5, deleteMarkersCount: 1, objectsTotalSize: 22, bucketsSizes: { plain: 12, versioned: 10, empty: 0 } });
    expect(Date.parse(doc.lastUpdate)).toBeGreaterThan(0);
  });

  it("walks past a page of 1,000 versions, and a user without admin:DataUsageInfo is denied", async () => {
    const env = memoryDeps({}, { sharded });
    const c = s3(env);
    await c.createBucket("many");
    const now = env.deps.clock.now();
    for (let i = 0; i < 1203; i++) {
      const key = `k${String(i).padStart(4, "0")}`;
      const put = await env.deps.meta.putObject({
        bucket: "many", key, versionId: "null", size: 1, etag: '"e"', lastModified: now, headers: {}, tags: {}, storageClass: "STANDARD", inline: new Uint8Array([1]),
      }, {});
      if (!put.ok) throw new Error(`put ${key}`);
    }
    expect(await env.deps.meta.bucketUsage("many")).toEqual({ size: 1203, objectsCount: 1203, versionsCount: 1203, deleteMarkersCount: 0 });
    expect((await env.deps.iam.putUser({ accessKey: "plainuser", secretKey: "plainuser-secret", status: "enabled", policies: ["readwrite"] })).ok).toBe(true);
    const denied = await c.send("/minio/admin/v3/datausageinfo", { signPayload: true, creds: { accessKeyId: "plainuser", secretAccessKey: "plainuser-secret" } });
    expect(denied.status).toBe(403);
  });
});
