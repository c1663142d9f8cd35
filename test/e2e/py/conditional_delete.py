"""Conditional deletes as boto3 sends them (IfMatch, IfMatchLastModifiedTime, IfMatchSize; per-key ETag/Size in DeleteObjects)."""
import datetime

from common import BUCKET, attempt, client, emit, ensure_bucket

s3 = client()
ensure_bucket(s3)
out = {}


def put(key, body=b"hello"):
    return s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"]


etag = put("k")
head = s3.head_object(Bucket=BUCKET, Key="k")
lm = head["LastModified"]
out["wrong_etag"] = attempt(s3.delete_object, Bucket=BUCKET, Key="k", IfMatch='"0000"')
out["wrong_size"] = attempt(s3.delete_object, Bucket=BUCKET, Key="k", IfMatchSize=6)
out["wrong_time"] = attempt(s3.delete_object, Bucket=BUCKET, Key="k", IfMatchLastModifiedTime=lm + datetime.timedelta(seconds=5))
out["still_there"] = attempt(s3.head_object, Bucket=BUCKET, Key="k")["status"]
out["all_match"] = attempt(s3.delete_object, Bucket=BUCKET, Key="k", IfMatch=etag, IfMatchSize=5, IfMatchLastModifiedTime=lm)["status"]
out["gone"] = attempt(s3.head_object, Bucket=BUCKET, Key="k")["status"]
out["missing_if_match"] = attempt(s3.delete_object, Bucket=BUCKET, Key="k", IfMatch="*")

e1 = put("a")
put("b")
r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [
    {"Key": "a", "ETag": e1, "Size": 5},
    {"Key": "b", "ETag": '"ffff"'},
    {"Key": "b", "Size": 1},
]})
out["batch_deleted"] = sorted(d["Key"] for d in r.get("Deleted", []))
out["batch_errors"] = sorted([e["Key"], e["Code"]] for e in r.get("Errors", []))
out["b_kept"] = attempt(s3.head_object, Bucket=BUCKET, Key="b")["status"]
emit(out)
