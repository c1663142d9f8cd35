"""S3 versioning as boto3 drives it: versions, delete markers, deletes by id, ListObjectVersions paging,
DeleteObjects with VersionId, copy and multipart in a versioned bucket, Suspended null versions,
conditional writes over a marker, and the errors (NoSuchVersion, InvalidArgument, BucketNotEmpty)."""
from common import BUCKET, attempt, client, emit, ensure_bucket

s3 = client()
ensure_bucket(s3)
out = {}


def header(r, name):
    return r["ResponseMetadata"]["HTTPHeaders"].get(name)


def err_headers(fn, **kw):
    """Status, code and the versioning headers of a refused call (HEAD errors have no body)."""
    try:
        fn(Bucket=BUCKET, **kw)
        return {"status": 200}
    except s3.exceptions.ClientError as e:
        h = e.response["ResponseMetadata"]["HTTPHeaders"]
        return {"status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response["Error"]["Code"],
                "marker": h.get("x-amz-delete-marker"), "version": h.get("x-amz-version-id")}


def versions(prefix="", **kw):
    r = s3.list_object_versions(Bucket=BUCKET, Prefix=prefix, **kw)
    rows = [(v["Key"], v["VersionId"], v["IsLatest"], "v") for v in r.get("Versions", [])]
    rows += [(m["Key"], m["VersionId"], m["IsLatest"], "m") for m in r.get("DeleteMarkers", [])]
    return r, rows


out["unversioned_status"] = s3.get_bucket_versioning(Bucket=BUCKET).get("Status")
s3.put_object(Bucket=BUCKET, Key="pre", Body=b"before versioning")
out["unversioned_listing"] = versions("pre")[1]
out["bad_status"] = attempt(s3.put_bucket_versioning, Bucket=BUCKET, VersioningConfiguration={"Status": "Sometimes"})
s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
out["enabled_status"] = s3.get_bucket_versioning(Bucket=BUCKET).get("Status")

ids = [s3.put_object(Bucket=BUCKET, Key="k", Body=b"v%d" % i)["VersionId"] for i in range(3)]
out["ids_distinct"] = len(set(ids)) == 3 and "null" not in ids
out["get_old"] = s3.get_object(Bucket=BUCKET, Key="k", VersionId=ids[0])["Body"].read().decode()
out["get_current"] = s3.get_object(Bucket=BUCKET, Key="k")["Body"].read().decode()
out["head_old_version"] = s3.head_object(Bucket=BUCKET, Key="k", VersionId=ids[1])["VersionId"] == ids[1]
_, rows = versions("k")
out["listing"] = [(k, v == ids[2] and 2 or v == ids[1] and 1 or v == ids[0] and 0, latest, t) for k, v, latest, t in rows]

# A delete without an id writes a marker; GET/HEAD then answer 404 with x-amz-delete-marker.
d = s3.delete_object(Bucket=BUCKET, Key="k")
marker = d.get("VersionId")
out["delete_marker"] = d.get("DeleteMarker")
out["get_after_marker"] = err_headers(s3.get_object, Key="k")
out["head_after_marker"] = err_headers(s3.head_object, Key="k")
out["get_marker_by_id"] = err_headers(s3.get_object, Key="k", VersionId=marker)
out["list_v2_hides"] = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="k").get("Contents", [])]
out["old_still_readable"] = s3.get_object(Bucket=BUCKET, Key="k", VersionId=ids[2])["Body"].read().decode()
d2 = s3.delete_object(Bucket=BUCKET, Key="k", VersionId=marker)
out["delete_marker_by_id"] = [d2.get("DeleteMarker"), d2.get("VersionId") == marker]
out["restored"] = s3.get_object(Bucket=BUCKET, Key="k")["Body"].read().decode()
d3 = s3.delete_object(Bucket=BUCKET, Key="k", VersionId=ids[2])
out["delete_current_by_id"] = d3.get("VersionId") == ids[2]
out["next_newest"] = s3.get_object(Bucket=BUCKET, Key="k")["Body"].read().decode()

# Errors for version ids.
out["no_such_version"] = attempt(s3.get_object, Bucket=BUCKET, Key="k", VersionId="A" * 32)
out["malformed_version"] = attempt(s3.get_object, Bucket=BUCKET, Key="k", VersionId="bad id!")

# Paging one entry at a time walks every version and marker exactly once.
for i in range(2):
    s3.put_object(Bucket=BUCKET, Key="p/a", Body=b"a%d" % i)
s3.delete_object(Bucket=BUCKET, Key="p/a")
s3.put_object(Bucket=BUCKET, Key="p/b", Body=b"b")
s3.put_object(Bucket=BUCKET, Key="p/c/d", Body=b"d")
seen, pages, kw = [], 0, {}
while True:
    r, rows = versions("p/", MaxKeys=1, Delimiter="/", **kw)
    pages += 1
    seen += [(k, latest, t) for k, _, latest, t in rows] + [("cp:" + p["Prefix"], None, "p") for p in r.get("CommonPrefixes", [])]
    if not r["IsTruncated"] or pages > 20:
        break
    kw = {"KeyMarker": r["NextKeyMarker"]}
    if r.get("NextVersionIdMarker"):
        kw["VersionIdMarker"] = r["NextVersionIdMarker"]
out["paged"] = seen
out["pages"] = pages

# DeleteObjects: by version id, and writing markers.
b1 = s3.put_object(Bucket=BUCKET, Key="batch1", Body=b"1")["VersionId"]
s3.put_object(Bucket=BUCKET, Key="batch2", Body=b"2")
r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "batch1", "VersionId": b1}, {"Key": "batch2"}, {"Key": "batch3", "VersionId": "bad id"}]})
out["batch_deleted"] = sorted([d["Key"], d.get("VersionId") == b1, d.get("DeleteMarker", False), bool(d.get("DeleteMarkerVersionId"))] for d in r.get("Deleted", []))
out["batch_errors"] = sorted([e["Key"], e["Code"]] for e in r.get("Errors", []))

# CopyObject from an old version (restoring it) and a multipart upload both make versions.
src = s3.put_object(Bucket=BUCKET, Key="c", Body=b"first")["VersionId"]
s3.put_object(Bucket=BUCKET, Key="c", Body=b"second")
cp = s3.copy_object(Bucket=BUCKET, Key="c", CopySource={"Bucket": BUCKET, "Key": "c", "VersionId": src})
out["copy"] = [cp.get("CopySourceVersionId") == src, bool(cp.get("VersionId")) and cp.get("VersionId") != src]
out["copy_restored"] = s3.get_object(Bucket=BUCKET, Key="c")["Body"].read().decode()
mp = s3.create_multipart_upload(Bucket=BUCKET, Key="mp")
part = s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=mp["UploadId"], PartNumber=1, Body=b"part")
done = s3.complete_multipart_upload(Bucket=BUCKET, Key="mp", UploadId=mp["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
mp2 = s3.create_multipart_upload(Bucket=BUCKET, Key="mp2")
pc = s3.upload_part_copy(Bucket=BUCKET, Key="mp2", UploadId=mp2["UploadId"], PartNumber=1, CopySource={"Bucket": BUCKET, "Key": "c", "VersionId": src})
s3.complete_multipart_upload(Bucket=BUCKET, Key="mp2", UploadId=mp2["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": pc["CopyPartResult"]["ETag"]}]})
out["part_copy_version"] = [pc.get("CopySourceVersionId") == src, s3.get_object(Bucket=BUCKET, Key="mp2")["Body"].read().decode()]
out["multipart_version"] = s3.head_object(Bucket=BUCKET, Key="mp")["VersionId"] == done.get("VersionId") != None

# Tagging a version.
s3.put_object_tagging(Bucket=BUCKET, Key="c", VersionId=src, Tagging={"TagSet": [{"Key": "old", "Value": "yes"}]})
out["tag_old"] = s3.get_object_tagging(Bucket=BUCKET, Key="c", VersionId=src)["TagSet"]
out["tag_current"] = s3.get_object_tagging(Bucket=BUCKET, Key="c")["TagSet"]

# Conditional writes act on the current version: If-None-Match: * succeeds over a marker.
s3.put_object(Bucket=BUCKET, Key="cond", Body=b"x")
out["cond_exists"] = attempt(s3.put_object, Bucket=BUCKET, Key="cond", Body=b"y", IfNoneMatch="*")["status"]
s3.delete_object(Bucket=BUCKET, Key="cond")
out["cond_over_marker"] = attempt(s3.put_object, Bucket=BUCKET, Key="cond", Body=b"z", IfNoneMatch="*")["status"]

# Suspended: writes and deletes use the null version, older versions stay.
s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
out["suspended_status"] = s3.get_bucket_versioning(Bucket=BUCKET).get("Status")
out["suspended_put"] = s3.put_object(Bucket=BUCKET, Key="k", Body=b"null1").get("VersionId")
s3.put_object(Bucket=BUCKET, Key="k", Body=b"null2")
out["suspended_listing"] = [(v, latest) for _, v, latest, _ in versions("k")[1] if v == "null"]
out["suspended_count"] = len(versions("k")[1])
out["suspended_delete"] = [s3.delete_object(Bucket=BUCKET, Key="k").get(f) for f in ("DeleteMarker", "VersionId")]

# A bucket holding only versions and markers is not empty; clearing every version empties it.
out["delete_bucket_not_empty"] = attempt(s3.delete_bucket, Bucket=BUCKET)
while True:
    r, rows = versions("")
    if not rows:
        break
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k, "VersionId": v} for k, v, _, _ in rows]})
out["delete_bucket_empty"] = attempt(s3.delete_bucket, Bucket=BUCKET)["status"]
emit(out)
