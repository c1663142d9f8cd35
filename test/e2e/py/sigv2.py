"""Signature Version 2 (boto3 Config(signature_version="s3")): header auth and query presign."""
import os
import urllib.error
import urllib.request

from common import BUCKET, ENDPOINT, attempt, client, emit

s3 = client(signature_version="s3")
out = {}
# Create the bucket with SigV2 too.
r = attempt(s3.create_bucket, Bucket=BUCKET)
out["create_bucket"] = r["status"]
data = os.urandom(5000)
put = s3.put_object(Bucket=BUCKET, Key="v2/obj name+plus.bin", Body=data, Metadata={"sig": "v2"}, ContentType="application/x-v2")
got = s3.get_object(Bucket=BUCKET, Key="v2/obj name+plus.bin")
head = s3.head_object(Bucket=BUCKET, Key="v2/obj name+plus.bin")
lst = s3.list_objects(Bucket=BUCKET, Prefix="v2/")
lst2 = s3.list_objects_v2(Bucket=BUCKET, Prefix="v2/")
out["put_etag"] = put["ETag"]
out["get_ok"] = got["Body"].read() == data
out["head"] = {"len": head["ContentLength"], "meta": head["Metadata"], "type": head["ContentType"]}
out["list"] = [o["Key"] for o in lst.get("Contents", [])]
out["list_v2"] = [o["Key"] for o in lst2.get("Contents", [])]
# Sub-resources are part of the SigV2 string-to-sign (?tagging).
s3.put_object_tagging(Bucket=BUCKET, Key="v2/obj name+plus.bin", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
out["tags"] = s3.get_object_tagging(Bucket=BUCKET, Key="v2/obj name+plus.bin")["TagSet"]
# Copy with SigV2 (x-amz-copy-source is a signed x-amz header).
s3.copy_object(Bucket=BUCKET, Key="v2/copy", CopySource={"Bucket": BUCKET, "Key": "v2/obj name+plus.bin"})
out["copy_ok"] = s3.get_object(Bucket=BUCKET, Key="v2/copy")["Body"].read() == data

# Wrong secret → 403 SignatureDoesNotMatch.
bad = client(secret="wrong-secret-key", signature_version="s3")
r = attempt(bad.get_object, Bucket=BUCKET, Key="v2/obj name+plus.bin")
out["bad_secret"] = [r["status"], r.get("code")]

# SigV2 query-string presign (AWSAccessKeyId/Expires/Signature) with plain urllib.
url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "v2/obj name+plus.bin"}, ExpiresIn=300)
out["presign_is_v2"] = "Signature=" in url and "AWSAccessKeyId=" in url
with urllib.request.urlopen(url) as resp:
    out["presign_get_ok"] = resp.status == 200 and resp.read() == data
tampered = url.replace("Expires=", "Expires=1")
try:
    urllib.request.urlopen(tampered)
    out["presign_tampered"] = 200
except urllib.error.HTTPError as e:
    out["presign_tampered"] = e.code

# Non-ASCII key: SigV2 signs the percent-encoded path.
s3.put_object(Bucket=BUCKET, Key="v2/ünï cødé%.txt", Body=b"unicode v2")
out["unicode_ok"] = s3.get_object(Bucket=BUCKET, Key="v2/ünï cødé%.txt")["Body"].read() == b"unicode v2"

s3.delete_object(Bucket=BUCKET, Key="v2/obj name+plus.bin")
r = attempt(s3.head_object, Bucket=BUCKET, Key="v2/obj name+plus.bin")
out["after_delete"] = r["status"]
emit(out)
