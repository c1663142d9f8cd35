"""generate_presigned_url (SigV4 query auth): PUT and GET, overrides, expiry."""
import os
import time
import urllib.error
import urllib.request

from common import BUCKET, client, emit, ensure_bucket

s3 = client(signature_version="s3v4")
ensure_bucket(s3)
out = {}


def fetch(url, method="GET", data=None, headers=None):
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return {"status": r.status, "body": r.read(), "headers": {k.lower(): v for k, v in r.headers.items()}}
    except urllib.error.HTTPError as e:
        body = e.read()
        return {"status": e.code, "body": body, "headers": {k.lower(): v for k, v in e.headers.items()}}


def code(body):
    s = body.decode(errors="replace")
    i = s.find("<Code>")
    return s[i + 6 : s.find("</Code>")] if i >= 0 else ""


data = os.urandom(20_000)
key = "presign/up load+ü.bin"
put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=120)
r = fetch(put_url, "PUT", data)
out["put"] = {"status": r["status"], "etag": r["headers"].get("etag")}
get_url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=120)
r = fetch(get_url)
out["get"] = {"status": r["status"], "ok": r["body"] == data}
# Overrides are signed query parameters of a presigned GET.
ov = s3.generate_presigned_url(
    "get_object",
    Params={"Bucket": BUCKET, "Key": key, "ResponseContentType": "image/png", "ResponseContentDisposition": "attachment"},
    ExpiresIn=120,
)
r = fetch(ov)
out["override"] = {"status": r["status"], "type": r["headers"].get("content-type"), "disposition": r["headers"].get("content-disposition")}
# A presigned GET used for a PUT: the method is part of the signature.
r = fetch(get_url, "PUT", b"evil")
out["wrong_method"] = {"status": r["status"], "code": code(r["body"])}
out["still_original"] = fetch(get_url)["body"] == data
# Presigned HEAD.
head_url = s3.generate_presigned_url("head_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=120)
r = fetch(head_url, "HEAD")
out["head"] = {"status": r["status"], "length": r["headers"].get("content-length")}
# Expiry is enforced: ExpiresIn=1, wait past it → 403 AccessDenied ("Request has expired").
short_get = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=1)
short_put = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "presign/late"}, ExpiresIn=1)
time.sleep(2.5)
r = fetch(short_get)
out["expired_get"] = {"status": r["status"], "code": code(r["body"])}
r = fetch(short_put, "PUT", b"late")
out["expired_put"] = {"status": r["status"], "code": code(r["body"])}
out["late_exists"] = fetch(s3.generate_presigned_url("head_object", Params={"Bucket": BUCKET, "Key": "presign/late"}, ExpiresIn=60), "HEAD")["status"]
# X-Amz-Expires above 7 days is rejected (AuthorizationQueryParametersError).
long_url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=604801)
r = fetch(long_url)
out["too_long"] = {"status": r["status"], "code": code(r["body"])}
emit(out)
