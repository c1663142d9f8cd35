"""GetObjectAttributes of a multipart upload with SHA256 checksums, paged, plus ListBuckets
paging with MaxBuckets/ContinuationToken and the paginator (what the aws cli cannot show alone)."""
import hashlib
import os

from common import BUCKET, b64, client, emit, ensure_bucket

s3 = client()
ensure_bucket(s3)
parts = [os.urandom(5 * 1024 * 1024), os.urandom(5 * 1024 * 1024), os.urandom(1000)]
key = "probes/mp-sha256"
up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="SHA256")
done = []
for i, p in enumerate(parts, 1):
    r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=p, ChecksumAlgorithm="SHA256")
    done.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumSHA256": r["ChecksumSHA256"]})
s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done})

ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]
first = s3.get_object_attributes(Bucket=BUCKET, Key=key, ObjectAttributes=ALL, MaxParts=2)
second = s3.get_object_attributes(Bucket=BUCKET, Key=key, ObjectAttributes=["ObjectParts"], MaxParts=2,
                                  PartNumberMarker=int(first["ObjectParts"]["NextPartNumberMarker"]))
composite = b64(hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest())

names = [f"{BUCKET}-pg{i}" for i in range(3)]
for n in names:
    ensure_bucket(s3, n)
page = s3.list_buckets(MaxBuckets=2, Prefix=f"{BUCKET}-pg")
rest = s3.list_buckets(MaxBuckets=2, Prefix=f"{BUCKET}-pg", ContinuationToken=page["ContinuationToken"])
paged = [b["Name"] for pg in s3.get_paginator("list_buckets").paginate(Prefix=f"{BUCKET}-pg", PaginationConfig={"PageSize": 1}) for b in pg["Buckets"]]
for n in names:
    s3.delete_bucket(Bucket=n)

emit({
    "first": {k: first.get(k) for k in ["ETag", "Checksum", "ObjectSize", "StorageClass", "ObjectParts"]},
    "second": second["ObjectParts"],
    "last_modified": bool(first.get("LastModified")),
    "want_composite": composite,
    "want_parts": [{"PartNumber": i, "Size": len(p), "ChecksumSHA256": b64(hashlib.sha256(p).digest())} for i, p in enumerate(parts, 1)],
    "page": [b["Name"] for b in page["Buckets"]], "page_token": bool(page.get("ContinuationToken")), "prefix": page.get("Prefix"),
    "rest": [b["Name"] for b in rest["Buckets"]], "rest_token": rest.get("ContinuationToken"),
    "paged": paged, "names": names,
})
