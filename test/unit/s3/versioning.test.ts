// Versioning at the S3 layer (app.request, memory deps): Put/GetBucketVersioning XML and errors,
// x-amz-version-id on the answers S3 gives it, delete markers' headers, ListObjectVersions XML,
// and event records (DeleteMarkerCreated, versionId) — on the single and the sharded store.
import { describe, expect, it } from "bun:test";
import { errorCode, md5B64, withBucket } from "../helpers/s3.ts";
import { targetsFromEnv } from "../../../src/events/targets.ts";
import { checkVersionId, newVersionId } from "../../../src/s3/versioning.ts";

const TARGETS = targetsFromEnv({ MINIO_NOTIFY_WEBHOOK_ENABLE_1: "on", MINIO_NOTIFY_WEBHOOK_ENDPOINT_1: "http://127.0.0.1:1/hook" });
const versioning = (status: string) => `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></VersioningConfiguration>`;

async function setup(sharded: boolean) {
  const b = await withBucket("bkt", { notifyTargets: TARGETS }, { sharded });
  const setVersioning = (status: string) => b.c.send("/bkt?versioning", { method: "PUT", body: versioning(status) });
  return { ...b, setVersioning };
}

describe("version ids", () => {
  it("are 32 URL-safe characters, distinct; malformed ones are InvalidArgument", () => {
    const ids = new Set(Array.from({ length: 100 }, newVersionId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(checkVersionId("null")).toBe("null");
    for (const bad of ["", "abc", "x".repeat(65), "has space 0000000000000000"]) expect(() => checkVersionId(bad)).toThrow();
  });
});

for (const sharded of [false, true]) {
  describe(`versioning (${sharded ? "sharded" : "single"} store)`, () => {
    it("GetBucketVersioning: empty until set; Put accepts Enabled/Suspended and refuses the rest", async () => {
      const { c, setVersioning } = await setup(sharded);
      expect(await (await c.send("/bkt?versioning")).text()).toContain('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>');
      expect((await setVersioning("Enabled")).status).toBe(200);
      expect(await (await c.send("/bkt?versioning")).text()).toContain("<Status>Enabled</Status>");
      expect((await setVersioning("Suspended")).status).toBe(200);
      expect(await (await c.send("/bkt?versioning")).text()).toContain("<Status>Suspended</Status>");
      expect(await errorCode(await setVersioning("On"))).toBe("IllegalVersioningConfigurationException");
      expect(await errorCode(await c.send("/bkt?versioning", { method: "PUT", body: "<Nope/>" }))).toBe("MalformedXML");
      expect(await errorCode(await c.send("/nope?versioning", { method: "PUT", body: versioning("Enabled") }))).toBe("NoSuchBucket");
    });

    it("x-amz-version-id: absent in a never-versioned bucket, on PUT/GET/HEAD/DELETE once versioned", async () => {
      const { c, setVersioning } = await setup(sharded);
      const plain = await c.put("bkt", "k", "v0");
      expect(plain.headers.get("x-amz-version-id")).toBeNull();
      expect((await c.get("bkt", "k")).headers.get("x-amz-version-id")).toBeNull();
      expect((await c.send("/bkt/k?versionId=null")).headers.get("x-amz-version-id")).toBe("null");
      await setVersioning("Enabled");
      const v1 = (await c.put("bkt", "k", "v1")).headers.get("x-amz-version-id")!;
      expect(v1).toMatch(/^[A-Za-z0-9._]{32}$/);
      expect((await c.head("bkt", "k")).headers.get("x-amz-version-id")).toBe(v1);
      expect(await (await c.send("/bkt/k?versionId=null")).text()).toBe("v0");
      const del = await c.del("bkt", "k");
      expect([del.status, del.headers.get("x-amz-delete-marker")]).toEqual([204, "true"]);
      const markerId = del.headers.get("x-amz-version-id")!;
      const hidden = await c.get("bkt", "k");
      expect([hidden.status, hidden.headers.get("x-amz-delete-marker"), hidden.headers.get("x-amz-version-id")]).toEqual([404, "true", markerId]);
      const byId = await c.send(`/bkt/k?versionId=${markerId}`);
      expect([byId.status, byId.headers.get("x-amz-delete-marker"), await errorCode(byId)]).toEqual([405, "true", "MethodNotAllowed"]);
      expect(await errorCode(await c.send(`/bkt/k?versionId=${"Q".repeat(32)}`))).toBe("NoSuchVersion");
      expect(await errorCode(await c.send("/bkt/k?versionId=nope"))).toBe("InvalidArgument");
      const gone = await c.send(`/bkt/k?versionId=${markerId}`, { method: "DELETE" });
      expect([gone.status, gone.headers.get("x-amz-version-id"), gone.headers.get("x-amz-delete-marker")]).toEqual([204, markerId, "true"]);
      expect(await (await c.get("bkt", "k")).text()).toBe("v1");
    });

    it("ListObjectVersions: Version and DeleteMarker entries, IsLatest, markers for the next page", async () => {
      const { c, setVersioning } = await setup(sharded);
      await c.put("bkt", "a", "a0");
      await setVersioning("Enabled");
      await c.put("bkt", "a", "a1");
      await c.del("bkt", "a");
      await c.put("bkt", "b", "b1");
      const all = await (await c.send("/bkt?versions")).text();
      expect(all).toContain("<ListVersionsResult");
      expect([...all.matchAll(/<(Version|DeleteMarker)>.*?<Key>([^<]+)<\/Key><VersionId>([^<]+)<\/VersionId><IsLatest>(\w+)</g)].map((m) => [m[1], m[2], m[4]]))
        // Interleaved in listing order (key, then newest first), as S3 writes them.
        .toEqual([["DeleteMarker", "a", "true"], ["Version", "a", "false"], ["Version", "a", "false"], ["Version", "b", "true"]]);
      expect(all).toContain("<VersionId>null</VersionId>");
      const page = await (await c.send("/bkt?versions&max-keys=1")).text();
      expect(page).toContain("<IsTruncated>true</IsTruncated>");
      expect(page).toMatch(/<NextKeyMarker>a<\/NextKeyMarker><NextVersionIdMarker>[^<]+<\/NextVersionIdMarker>/);
      expect(await errorCode(await c.send("/bkt?versions&version-id-marker=null"))).toBe("InvalidArgument");
      const listed = await (await c.send("/bkt?list-type=2")).text();
      expect(listed).not.toContain("<Key>a</Key>");
      expect(await errorCode(await c.send("/bkt", { method: "DELETE" }))).toBe("BucketNotEmpty");
    });

    it("events: a marker is ObjectRemoved:DeleteMarkerCreated; records carry the version id", async () => {
      const { c, env, setVersioning } = await setup(sharded);
      const body = `<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event><Queue>arn:minio:sqs::1:webhook</Queue></QueueConfiguration></NotificationConfiguration>`;
      expect((await c.send("/bkt?notification", { method: "PUT", body, headers: { "content-md5": md5B64(body) } })).status).toBe(200);
      await setVersioning("Enabled");
      const v1 = (await c.put("bkt", "k", "x")).headers.get("x-amz-version-id");
      const marker = (await c.del("bkt", "k")).headers.get("x-amz-version-id");
      await c.send(`/bkt/k?versionId=${v1}`, { method: "DELETE" });
      const records = (await env.deps.meta.leaseEvents({ now: env.deps.clock.now(), leaseMs: 60_000, limit: 100 }))
        .map((m) => JSON.parse(m.record)).map((r) => [r.eventName, r.s3.object.versionId]);
      expect(records).toEqual([
        ["s3:ObjectCreated:Put", v1], ["s3:ObjectRemoved:DeleteMarkerCreated", marker], ["s3:ObjectRemoved:Delete", v1],
      ]);
    });
  });
}
