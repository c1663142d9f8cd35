"""ListObjects (v1): Marker/NextMarker pagination, delimiter, EncodingType=url."""
import urllib.parse

from common import BUCKET, client, emit, ensure_bucket

s3 = client()
ensure_bucket(s3)
keys = ["list/a/1", "list/a/2", "list/b", "list/c d", "list/e+f", "list/g%h", "list/ü/ñ", "list/z"]
for k in keys:
    s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
out = {"keys": keys}

# Page through with MaxKeys=3 and Marker = last key of the previous page (no delimiter:
# S3 omits NextMarker, the client continues from the last key).
pages = []
marker = ""
for _ in range(10):
    r = s3.list_objects(Bucket=BUCKET, Prefix="list/", MaxKeys=3, Marker=marker)
    page = [o["Key"] for o in r.get("Contents", [])]
    pages.append({"keys": page, "truncated": r["IsTruncated"], "next_marker": r.get("NextMarker")})
    if not r["IsTruncated"]:
        break
    marker = page[-1]
out["pages"] = pages

# With a delimiter S3 returns NextMarker when truncated (the last key or common prefix).
r = s3.list_objects(Bucket=BUCKET, Prefix="list/", Delimiter="/", MaxKeys=2)
out["delim_page1"] = {
    "keys": [o["Key"] for o in r.get("Contents", [])],
    "prefixes": [p["Prefix"] for p in r.get("CommonPrefixes", [])],
    "truncated": r["IsTruncated"],
    "next_marker": r.get("NextMarker"),
}
r2 = s3.list_objects(Bucket=BUCKET, Prefix="list/", Delimiter="/", Marker=r.get("NextMarker") or "")
out["delim_rest"] = {
    "keys": [o["Key"] for o in r2.get("Contents", [])],
    "prefixes": [p["Prefix"] for p in r2.get("CommonPrefixes", [])],
    "truncated": r2["IsTruncated"],
}

# EncodingType=url set explicitly: botocore then leaves the keys encoded (it only decodes
# when it added the parameter itself), so these are the server's raw values. botocore
# decodes with unquote_plus, so a literal '+' must arrive as %2B.
raw = s3.list_objects(Bucket=BUCKET, Prefix="list/", EncodingType="url")
out["encoded"] = {
    "encoding_type": raw.get("EncodingType"),
    "raw_keys": [o["Key"] for o in raw.get("Contents", [])],
    "decoded_keys": [urllib.parse.unquote_plus(o["Key"]) for o in raw.get("Contents", [])],
}
# The default (botocore adds EncodingType=url and decodes): keys come back verbatim.
out["default_keys"] = [o["Key"] for o in s3.list_objects(Bucket=BUCKET, Prefix="list/")["Contents"]]
out["v2_default_keys"] = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="list/")["Contents"]]
# Delimiter + EncodingType=url: common prefixes are encoded too.
d = s3.list_objects(Bucket=BUCKET, Prefix="list/", Delimiter="/")
out["default_prefixes"] = [p["Prefix"] for p in d.get("CommonPrefixes", [])]
emit(out)
