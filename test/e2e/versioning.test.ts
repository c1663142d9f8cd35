// S3 versioning end to end: aws cli s3api flows (put-bucket-versioning, delete markers,
// list-object-versions, get by version), boto3 (py/versioning.py: paging, DeleteObjects with
// VersionId, copy and multipart versions, Suspended, errors) and the mc-equivalent minio-js
// calls (getBucketVersioning, listObjects with versions, removeObject with versionId).
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import * as Minio from "minio";
import { awsJson, bucketName, python, tempDir, useServer } from "./harness.ts";

const ep = useServer();

describe("versioning with the aws cli", () => {
  const B = bucketName("ver-cli");
  const dir = tempDir("s3edge-ver-");

  test("enable, two versions, a delete marker, list-object-versions, get by id, remove the marker", async () => {
    await awsJson(ep, ["s3api", "create-bucket", "--bucket", B]);
    await awsJson(ep, ["s3api", "put-bucket-versioning", "--bucket", B, "--versioning-configuration", "Status=Enabled"]);
    expect((await awsJson(ep, ["s3api", "get-bucket-versioning", "--bucket", B])).Status).toBe("Enabled");

    const file = join(dir, "body");
    writeFileSync(file, "one");
    const v1 = (await awsJson(ep, ["s3api", "put-object", "--bucket", B, "--key", "doc.txt", "--body", file])).VersionId;
    writeFileSync(file, "two!");
    const v2 = (await awsJson(ep, ["s3api", "put-object", "--bucket", B, "--key", "doc.txt", "--body", file])).VersionId;
    expect(v1).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect(v2).not.toBe(v1);

    const del = await awsJson(ep, ["s3api", "delete-object", "--bucket", B, "--key", "doc.txt"]);
    expect(del.DeleteMarker).toBe(true);

    const list = await awsJson(ep, ["s3api", "list-object-versions", "--bucket", B]);
    expect(list.Versions.map((v: any) => [v.VersionId, v.IsLatest, v.Size])).toEqual([[v2, false, 4], [v1, false, 3]]);
    expect(list.DeleteMarkers.map((m: any) => [m.Key, m.VersionId, m.IsLatest])).toEqual([["doc.txt", del.VersionId, true]]);

    const out = join(dir, "out");
    const got = await awsJson(ep, ["s3api", "get-object", "--bucket", B, "--key", "doc.txt", "--version-id", v1, out]);
    expect(got.VersionId).toBe(v1);
    expect(await Bun.file(out).text()).toBe("one");

    const undo = await awsJson(ep, ["s3api", "delete-object", "--bucket", B, "--key", "doc.txt", "--version-id", del.VersionId]);
    expect(undo).toMatchObject({ DeleteMarker: true, VersionId: del.VersionId });
    const back = await awsJson(ep, ["s3api", "list-object-versions", "--bucket", B, "--max-keys", "1"]);
    expect([back.Versions.map((v: any) => [v.VersionId, v.IsLatest]), back.IsTruncated, back.NextKeyMarker]).toEqual([[[v2, true]], true, "doc.txt"]);
  });
});

describe("versioning with boto3", () => {
  test("versions, markers, paging, DeleteObjects, copy/multipart, tagging, Suspended, errors", async () => {
    const r = await python(ep, "versioning.py", { S3EDGE_E2E_BUCKET: bucketName("ver-py") });
    expect(r.unversioned_status).toBeNull();
    expect(r.unversioned_listing).toEqual([["pre", "null", true, "v"]]);
    expect(r.bad_status).toEqual({ status: 400, code: "IllegalVersioningConfigurationException" });
    expect(r.enabled_status).toBe("Enabled");
    expect(r.ids_distinct).toBe(true);
    expect([r.get_old, r.get_current, r.head_old_version]).toEqual(["v0", "v2", true]);
    expect(r.listing).toEqual([["k", 2, true, "v"], ["k", 1, false, "v"], ["k", 0, false, "v"]]);

    expect(r.delete_marker).toBe(true);
    expect(r.get_after_marker).toMatchObject({ status: 404, code: "NoSuchKey", marker: "true" });
    expect(r.head_after_marker).toMatchObject({ status: 404, marker: "true" });
    expect(r.get_marker_by_id).toMatchObject({ status: 405, code: "MethodNotAllowed", marker: "true" });
    expect(r.list_v2_hides).toEqual([]);
    expect(r.old_still_readable).toBe("v2");
    expect(r.delete_marker_by_id).toEqual([true, true]);
    expect(r.restored).toBe("v2");
    expect(r.delete_current_by_id).toBe(true);
    expect(r.next_newest).toBe("v1");
    expect(r.no_such_version).toEqual({ status: 404, code: "NoSuchVersion" });
    expect(r.malformed_version).toEqual({ status: 400, code: "InvalidArgument" });

    expect(r.paged).toEqual([
      ["p/a", true, "m"], ["p/a", false, "v"], ["p/a", false, "v"], ["p/b", true, "v"], ["cp:p/c/", null, "p"],
    ]);
    expect(r.pages).toBe(5);

    expect(r.batch_deleted).toEqual([["batch1", true, false, false], ["batch2", false, true, true]]);
    expect(r.batch_errors).toEqual([["batch3", "InvalidArgument"]]);
    expect(r.copy).toEqual([true, true]);
    expect(r.copy_restored).toBe("first");
    expect(r.multipart_version).toBe(true);
    expect(r.part_copy_version).toEqual([true, "first"]);
    expect(r.tag_old).toEqual([{ Key: "old", Value: "yes" }]);
    expect(r.tag_current).toEqual([]);
    expect(r.cond_exists).toBe(412);
    expect(r.cond_over_marker).toBe(200);

    expect(r.suspended_status).toBe("Suspended");
    expect(r.suspended_put).toBe("null");
    expect(r.suspended_listing).toEqual([["null", true]]);
    expect(r.suspended_count).toBe(3); // null (current), v1, v0
    expect(r.suspended_delete).toEqual([true, "null"]);
    expect(r.delete_bucket_not_empty).toMatchObject({ status: 409, code: "BucketNotEmpty" });
    expect(r.delete_bucket_empty).toBe(204);
  }, 60_000);
});

describe("versioning with minio-js (mc version enable, mc ls --versions, mc rm --version-id)", () => {
  const B = bucketName("ver-mc");
  let mc: Minio.Client;
  beforeAll(async () => {
    mc = new Minio.Client({
      endPoint: ep.host, port: ep.port, useSSL: ep.url.startsWith("https:"), accessKey: ep.accessKey, secretKey: ep.secretKey,
      region: ep.region, pathStyle: true,
    });
    await mc.makeBucket(B, ep.region);
  });

  async function listVersions(): Promise<any[]> {
    const out: any[] = [];
    for await (const o of mc.listObjects(B, "", true, { IncludeVersion: true }) as any) out.push(o);
    return out;
  }

  test("getBucketVersioning, versions in listObjects, removeObject by versionId, statObject by versionId", async () => {
    expect((await mc.getBucketVersioning(B) as unknown) || {}).toEqual({}); // minio-js reads an empty configuration as ""
    await mc.setBucketVersioning(B, { Status: "Enabled" });
    expect((await mc.getBucketVersioning(B)).Status).toBe("Enabled");
    const a = await mc.putObject(B, "obj", Buffer.from("first"));
    const b = await mc.putObject(B, "obj", Buffer.from("second"));
    expect(a.versionId).toBeTruthy();
    await mc.removeObject(B, "obj");
    const listed = await listVersions();
    expect(listed.map((o) => [o.name, o.versionId, String(o.isLatest), o.isDeleteMarker])).toEqual([
      ["obj", b.versionId, "false", false], ["obj", a.versionId, "false", false], ["obj", expect.any(String), "true", true],
    ]);
    expect((await mc.statObject(B, "obj", { versionId: a.versionId! })).size).toBe(5);
    for (const o of listed) await mc.removeObject(B, o.name, { versionId: o.versionId });
    expect(await listVersions()).toEqual([]);
    await mc.removeBucket(B);
  });
});
