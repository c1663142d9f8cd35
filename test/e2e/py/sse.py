"""Server-side encryption through boto3 (test/e2e/sse.test.ts holds the assertions): SSE-S3,
SSE-KMS (the gateway's master key name) and SSE-C round trips with ranges, an SSE-C multipart
upload, copies between modes, the errors of wrong or missing keys, and raw bad SSE headers
(none may answer 5xx). The marker (S3EDGE_E2E_MARKER) is spread through every body, so the bun
test can look for it in the stored blobs."""
import hashlib
import os

from common import BUCKET, attempt, client, emit, ensure_bucket

MARKER = os.environ["S3EDGE_E2E_MARKER"].encode()
KMS_KEY = os.environ["S3EDGE_E2E_KMS_KEY"]
s3 = client()
ensure_bucket(s3)


def body(n):
    b = bytearray(os.urandom(n))
    for off in range(0, n - len(MARKER), 40_000):
        b[off:off + len(MARKER)] = MARKER
    return bytes(b)


K1, K2 = os.urandom(32), os.urandom(32)
C1 = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": K1}
C2 = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": K2}
out = {}

# SSE-S3 and SSE-KMS
data = body(300_000)
r = s3.put_object(Bucket=BUCKET, Key="s3", Body=data, ServerSideEncryption="AES256")
h = s3.head_object(Bucket=BUCKET, Key="s3")
g = s3.get_object(Bucket=BUCKET, Key="s3", Range="bytes=1000-250000")
out["s3"] = {"put_sse": r.get("ServerSideEncryption"), "etag_is_md5": r["ETag"] == f'"{hashlib.md5(data).hexdigest()}"',
             "head_sse": h.get("ServerSideEncryption"), "range_ok": g["Body"].read() == data[1000:250001]}
r = s3.put_object(Bucket=BUCKET, Key="kms", Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId=KMS_KEY)
h = s3.head_object(Bucket=BUCKET, Key="kms")
out["kms"] = {"put_sse": r.get("ServerSideEncryption"), "key_id": r.get("SSEKMSKeyId"), "head_key_id": h.get("SSEKMSKeyId"),
              "etag_is_md5": r["ETag"] == f'"{hashlib.md5(data).hexdigest()}"',
              "get_ok": s3.get_object(Bucket=BUCKET, Key="kms")["Body"].read() == data,
              "other_key": attempt(s3.put_object, Bucket=BUCKET, Key="kms2", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="no-such-key")}
out["kms"]["other_key"].pop("response", None)

# SSE-C
r = s3.put_object(Bucket=BUCKET, Key="c", Body=data, **C1)
g = s3.get_object(Bucket=BUCKET, Key="c", Range="bytes=-5000", **C1)
out["c"] = {"put_alg": r.get("SSECustomerAlgorithm"), "key_md5_echoed": bool(r.get("SSECustomerKeyMD5")),
            "range_ok": g["Body"].read() == data[-5000:], "get_alg": g.get("SSECustomerAlgorithm"),
            "head_no_key": attempt(s3.head_object, Bucket=BUCKET, Key="c"),
            "get_no_key": attempt(s3.get_object, Bucket=BUCKET, Key="c"),
            "get_wrong_key": attempt(s3.get_object, Bucket=BUCKET, Key="c", **C2)}
for k in ("head_no_key", "get_no_key", "get_wrong_key"):
    out["c"][k].pop("response", None)

# SSE-C multipart: 5 MiB + a small last part, each part with the key
parts = [body(5 * 1024 * 1024), body(70_000)]
up = s3.create_multipart_upload(Bucket=BUCKET, Key="mp", **C1)
done = []
for i, p in enumerate(parts, 1):
    done.append({"PartNumber": i, "ETag": s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=up["UploadId"], PartNumber=i, Body=p, **C1)["ETag"]})
no_key = attempt(s3.upload_part, Bucket=BUCKET, Key="mp", UploadId=up["UploadId"], PartNumber=3, Body=b"x")
no_key.pop("response", None)
s3.complete_multipart_upload(Bucket=BUCKET, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
whole = b"".join(parts)
g = s3.get_object(Bucket=BUCKET, Key="mp", Range=f"bytes={5 * 1024 * 1024 - 10}-{5 * 1024 * 1024 + 10}", **C1)
out["mp"] = {"create_alg": up.get("SSECustomerAlgorithm"), "part_without_key": no_key,
             "get_ok": s3.get_object(Bucket=BUCKET, Key="mp", **C1)["Body"].read() == whole,
             "range_ok": g["Body"].read() == whole[5 * 1024 * 1024 - 10:5 * 1024 * 1024 + 11]}

# Copies between modes: SSE-C → SSE-KMS → clear → SSE-C (another key). The clear copy is
# deleted once read: the bun test looks for the marker in every stored file.
s3.copy_object(Bucket=BUCKET, Key="c2kms", CopySource={"Bucket": BUCKET, "Key": "c"}, ServerSideEncryption="aws:kms",
               CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=K1)
s3.copy_object(Bucket=BUCKET, Key="kms2clear", CopySource={"Bucket": BUCKET, "Key": "c2kms"})
s3.copy_object(Bucket=BUCKET, Key="clear2c", CopySource={"Bucket": BUCKET, "Key": "kms2clear"}, **C2)
no_src_key = attempt(s3.copy_object, Bucket=BUCKET, Key="x", CopySource={"Bucket": BUCKET, "Key": "c"})
no_src_key.pop("response", None)
out_copy = {"kms_sse": s3.head_object(Bucket=BUCKET, Key="c2kms").get("ServerSideEncryption"),
               "clear_sse": s3.head_object(Bucket=BUCKET, Key="kms2clear").get("ServerSideEncryption"),
               "clear_ok": s3.get_object(Bucket=BUCKET, Key="kms2clear")["Body"].read() == data,
               "c_ok": s3.get_object(Bucket=BUCKET, Key="clear2c", **C2)["Body"].read() == data,
               "no_source_key": no_src_key}
s3.delete_object(Bucket=BUCKET, Key="kms2clear")
out["copy"] = out_copy

# Raw bad SSE headers on a PUT: every one a 4xx (or 501 for what is not done), never a 5xx.
BAD = [
    {"x-amz-server-side-encryption": "rot13"},
    {"x-amz-server-side-encryption": ""},
    {"x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY},
    {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:1:key/zz"},
    {"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-context": "not base64"},
    {"x-amz-server-side-encryption-customer-algorithm": "AES256"},
    {"x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": "!!!", "x-amz-server-side-encryption-customer-key-MD5": "x"},
    {"x-amz-server-side-encryption-customer-key": "AAAA"},
    {"x-amz-server-side-encryption-customer-algorithm": "DES", "x-amz-server-side-encryption-customer-key": "AAAA", "x-amz-server-side-encryption-customer-key-MD5": "AAAA"},
]
bad = []
for headers in BAD:
    def add(request, headers=headers, **_):
        for k, v in headers.items():
            request.headers[k] = v
    s3.meta.events.register("before-sign.s3.PutObject", add, unique_id="sse-bad")
    res = attempt(s3.put_object, Bucket=BUCKET, Key="bad", Body=b"x")
    s3.meta.events.unregister("before-sign.s3.PutObject", unique_id="sse-bad")
    bad.append({"headers": headers, "status": res["status"], "code": res.get("code")})
out["bad"] = bad
out["bad_key_stored"] = attempt(s3.head_object, Bucket=BUCKET, Key="bad")["status"]
emit(out)
