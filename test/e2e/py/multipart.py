"""upload_fileobj / download_fileobj through s3transfer (multipart), with per-part checksums."""
import base64
import hashlib
import io
import os
import zlib

from boto3.s3.transfer import TransferConfig

from common import BUCKET, checksum, client, emit, ensure_bucket

s3 = client()
ensure_bucket(s3)
MiB = 1024 * 1024
size = 12 * MiB + 777
data = os.urandom(size)
cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)

# s3transfer (botocore ≥ 1.36, when_supported) creates the upload with ChecksumAlgorithm=CRC32
# and sends a CRC32 with every part.
s3.upload_fileobj(io.BytesIO(data), BUCKET, "mp/upload.bin", Config=cfg, ExtraArgs={"Metadata": {"via": "upload_fileobj"}, "ContentType": "video/x-test"})
head = s3.head_object(Bucket=BUCKET, Key="mp/upload.bin", ChecksumMode="ENABLED")
buf = io.BytesIO()
s3.download_fileobj(BUCKET, "mp/upload.bin", buf, Config=cfg)  # ranged GETs in parallel

parts = [data[i : i + 5 * MiB] for i in range(0, size, 5 * MiB)]
md5s = b"".join(hashlib.md5(p).digest() for p in parts)
crcs = b"".join((zlib.crc32(p) & 0xFFFFFFFF).to_bytes(4, "big") for p in parts)
out = {
    "etag": head["ETag"],
    "want_etag": f'"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"',
    "size": head["ContentLength"],
    "metadata": head["Metadata"],
    "content_type": head["ContentType"],
    "download_ok": buf.getvalue() == data,
    "checksum_type": head.get("ChecksumType"),
    "crc32": head.get("ChecksumCRC32"),
    # COMPOSITE: CRC32 over the concatenated part CRC32s, "-N"; FULL_OBJECT: CRC32 of the data.
    "want_crc32_composite": f"{checksum('CRC32', crcs)}-{len(parts)}",
    "want_crc32_full": checksum("CRC32", data),
}

# Low-level multipart with SHA256 part checksums; complete must carry them; GET part 2
# returns part 2's checksum (S3 returns per-part checksums with partNumber).
key = "mp/sha256.bin"
up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="SHA256")
done = []
for n, p in enumerate(parts, start=1):
    r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up["UploadId"], PartNumber=n, Body=p, ChecksumAlgorithm="SHA256")
    done.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumSHA256": r.get("ChecksumSHA256")})
lp = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=up["UploadId"])
comp = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": done})
got = s3.get_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
body = got["Body"].read()
part2 = s3.get_object(Bucket=BUCKET, Key=key, PartNumber=2, ChecksumMode="ENABLED")
part2_body = part2["Body"].read()
sha_concat = b"".join(hashlib.sha256(p).digest() for p in parts)
out["sha256"] = {
    "part_checksums": [d["ChecksumSHA256"] for d in done],
    "want_part_checksums": [checksum("SHA256", p) for p in parts],
    "list_parts_checksums": [p.get("ChecksumSHA256") for p in lp["Parts"]],
    "complete_checksum": comp.get("ChecksumSHA256"),
    "get_checksum": got.get("ChecksumSHA256"),
    "want_composite": f"{base64.b64encode(hashlib.sha256(sha_concat).digest()).decode()}-{len(parts)}",
    "body_ok": body == data,
    "part2_ok": part2_body == parts[1],
    "part2_parts_count": part2.get("PartsCount"),
    "part2_content_range": part2.get("ContentRange"),
    "part2_checksum": part2.get("ChecksumSHA256"),
}
emit(out)
