"""A gateway on --meta postgres:// as boto3 uses it (test/e2e/postgres-meta.test.ts).

MODE=write: PUT (inline and chunked), conditional PUT, GET, LIST, multipart, versioning and
deletes; MODE=read: after a restart (or on a second node), everything reads back.
"""
import hashlib
import os

from common import BUCKET, attempt, client, emit, ensure_bucket

MODE = os.environ.get("MODE", "write")

s3 = client()
out = {}
MiB = 1024 * 1024
small = b"small object on postgres"
big = bytes(range(256)) * (3 * MiB // 512) + b"tail"
parts = [b"a" * (5 * MiB), b"b" * (MiB + 3)]


def md5(b):
    return hashlib.md5(b).hexdigest()


def body(key, **kw):
    return s3.get_object(Bucket=BUCKET, Key=key, **kw)["Body"].read()


if MODE == "write":
    ensure_bucket(s3)
    s3.put_object(Bucket=BUCKET, Key="dir/small.txt", Body=small)
    s3.put_object(Bucket=BUCKET, Key="dir/big.bin", Body=big)
    out["if_none_match_again"] = attempt(s3.put_object, Bucket=BUCKET, Key="dir/small.txt", Body=b"x", IfNoneMatch="*").get("code")
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="mp.bin")["UploadId"]
    etags = [s3.upload_part(Bucket=BUCKET, Key="mp.bin", UploadId=up, PartNumber=i + 1, Body=p)["ETag"] for i, p in enumerate(parts)]
    out["listed_parts"] = [p["PartNumber"] for p in s3.list_parts(Bucket=BUCKET, Key="mp.bin", UploadId=up)["Parts"]]
    s3.complete_multipart_upload(Bucket=BUCKET, Key="mp.bin", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    out["range"] = body("dir/big.bin", Range="bytes=1048570-1048580") == big[1048570:1048581]
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=BUCKET, Key="v.txt", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=BUCKET, Key="v.txt", Body=b"two")["VersionId"]
    marker = s3.delete_object(Bucket=BUCKET, Key="v.txt")
    out["marker"] = marker.get("DeleteMarker")
    out["v1_body"] = body("v.txt", VersionId=v1).decode()
    out["deleted_get"] = attempt(s3.get_object, Bucket=BUCKET, Key="v.txt").get("status")
    s3.put_object(Bucket=BUCKET, Key="gone.txt", Body=b"bye")
    s3.delete_object(Bucket=BUCKET, Key="gone.txt", VersionId=s3.head_object(Bucket=BUCKET, Key="gone.txt")["VersionId"])
    out["versions"] = {"v1": v1, "v2": v2, "marker": marker["VersionId"]}

out["keys"] = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
vs = s3.list_object_versions(Bucket=BUCKET, Prefix="v.txt")
out["version_ids"] = [v["VersionId"] for v in vs.get("Versions", [])]
out["marker_ids"] = [m["VersionId"] for m in vs.get("DeleteMarkers", []) if m["IsLatest"]]
out["small"] = body("dir/small.txt").decode()
if MODE == "read":
    out["big_md5"] = md5(body("dir/big.bin")) == md5(big)
    out["mp_md5"] = md5(body("mp.bin")) == md5(b"".join(parts))
emit(out)
