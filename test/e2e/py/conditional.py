"""Conditional GET/HEAD/PUT and response header overrides."""
import datetime
import os

from common import BUCKET, attempt, client, emit, ensure_bucket

s3 = client()
ensure_bucket(s3)
key = "cond/obj.txt"
put = s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello conditional world", ContentType="text/plain")
etag = put["ETag"]
head = s3.head_object(Bucket=BUCKET, Key=key)
lm = head["LastModified"]
before = lm - datetime.timedelta(hours=1)
# Equal to Last-Modified (a future date would be an invalid validator under RFC 7232 §3.3)
after = lm


def status(op, **cond):
    r = attempt(op, Bucket=BUCKET, Key=key, **cond)
    if "response" in r and "Body" in r["response"]:
        r["response"]["Body"].read()
    return [r["status"], r.get("code")]


out = {"etag": etag}
for name, op in (("get", s3.get_object), ("head", s3.head_object)):
    out[name] = {
        "if_match_ok": status(op, IfMatch=etag),
        "if_match_star": status(op, IfMatch="*"),
        "if_match_bad": status(op, IfMatch='"0123456789abcdef0123456789abcdef"'),
        "if_none_match_same": status(op, IfNoneMatch=etag),
        "if_none_match_star": status(op, IfNoneMatch="*"),
        "if_none_match_other": status(op, IfNoneMatch='"0123456789abcdef0123456789abcdef"'),
        "if_modified_since_before": status(op, IfModifiedSince=before),
        "if_modified_since_equal": status(op, IfModifiedSince=after),
        "if_unmodified_since_before": status(op, IfUnmodifiedSince=before),
        "if_unmodified_since_equal": status(op, IfUnmodifiedSince=after),
        # RFC 7232 §6 / S3: If-Match true wins over If-Unmodified-Since false …
        "match_and_unmodified_false": status(op, IfMatch=etag, IfUnmodifiedSince=before),
        # … and If-None-Match false (match) wins over If-Modified-Since true → 304.
        "none_match_and_modified_true": status(op, IfNoneMatch=etag, IfModifiedSince=before),
    }

# Response header overrides (signed request: allowed).
got = s3.get_object(
    Bucket=BUCKET, Key=key,
    ResponseContentType="application/x-override",
    ResponseContentDisposition='attachment; filename="x.txt"',
    ResponseCacheControl="no-cache",
    ResponseContentLanguage="de-DE",
    ResponseExpires=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    ResponseContentEncoding="identity",
)
got["Body"].read()
h = got["ResponseMetadata"]["HTTPHeaders"]
out["overrides"] = {
    "content-type": h.get("content-type"),
    "content-disposition": h.get("content-disposition"),
    "cache-control": h.get("cache-control"),
    "content-language": h.get("content-language"),
    "expires": h.get("expires"),
    "content-encoding": h.get("content-encoding"),
}
# The stored content type is unchanged.
out["stored_content_type"] = s3.head_object(Bucket=BUCKET, Key=key)["ContentType"]

# Conditional writes: If-None-Match: * on an existing key → 412; on a new key → 200.
r = attempt(s3.put_object, Bucket=BUCKET, Key=key, Body=b"overwrite?", IfNoneMatch="*")
out["put_if_none_match_existing"] = [r["status"], r.get("code")]
r = attempt(s3.put_object, Bucket=BUCKET, Key="cond/new-" + os.urandom(4).hex(), Body=b"new", IfNoneMatch="*")
out["put_if_none_match_new"] = [r["status"], r.get("code")]
out["body_after"] = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
emit(out)
