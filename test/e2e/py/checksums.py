"""PutObject/GetObject/HeadObject with flexible checksums (x-amz-checksum-*)."""
import os

from common import BUCKET, attempt, checksum, client, emit, ensure_bucket, has_crt

s3 = client()
ensure_bucket(s3)
data = os.urandom(100_000)
out = {"crt": has_crt()}

# botocore computes CRC32/SHA1/SHA256 itself; CRC32C and CRC64NVME need awscrt. Without it
# the value is computed here and sent as the x-amz-checksum-<alg> header (ChecksumXXX member),
# which is exactly what a client with awscrt would send over http.
native = {"CRC32", "SHA1", "SHA256"} | ({"CRC32C", "CRC64NVME"} if has_crt() else set())
for alg in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]:
    key = f"checksum/{alg.lower()}"
    want = checksum(alg, data)
    member = "Checksum" + alg
    if alg in native:
        put = s3.put_object(Bucket=BUCKET, Key=key, Body=data, ChecksumAlgorithm=alg)
    else:
        put = s3.put_object(Bucket=BUCKET, Key=key, Body=data, **{member: want})
    got = s3.get_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    body = got["Body"].read()
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    out[alg] = {
        "want": want,
        "put": put.get(member),
        "get": got.get(member),
        "get_type": got.get("ChecksumType"),
        "head": head.get(member),
        "body_ok": body == data,
    }

# A wrong checksum is rejected (BadDigest) and nothing is stored.
bad = checksum("SHA256", b"something else")
out["bad_sha256"] = attempt(s3.put_object, Bucket=BUCKET, Key="checksum/bad", Body=data, ChecksumSHA256=bad)
out["bad_crc32"] = attempt(s3.put_object, Bucket=BUCKET, Key="checksum/bad", Body=data, ChecksumCRC32=checksum("CRC32", b"x"))
# A wrong Content-MD5 is rejected too (BadDigest); a malformed one is InvalidDigest.
import base64, hashlib
out["bad_md5"] = attempt(s3.put_object, Bucket=BUCKET, Key="checksum/bad", Body=data, ContentMD5=base64.b64encode(hashlib.md5(b"x").digest()).decode())
out["after_bad"] = attempt(s3.head_object, Bucket=BUCKET, Key="checksum/bad")
out["after_bad"].pop("response", None)
for k in ("bad_sha256", "bad_crc32", "bad_md5"):
    out[k].pop("response", None)

# Range GET with ChecksumMode: S3 returns no full-object checksum for a partial body (clients
# would fail validation); the bytes must be the requested slice.
from botocore.exceptions import FlexibleChecksumError
rng = s3.get_object(Bucket=BUCKET, Key="checksum/crc32", Range="bytes=10-19", ChecksumMode="ENABLED")
try:
    rng_body, rng_error = rng["Body"].read(), None
except FlexibleChecksumError as e:
    rng_body, rng_error = None, str(e)
out["range"] = {"body_ok": rng_body == data[10:20], "crc32": rng.get("ChecksumCRC32"), "status": rng["ResponseMetadata"]["HTTPStatusCode"], "checksum_error": rng_error}
emit(out)
