"""Shared helpers for the boto3 end-to-end scripts.

Each script is run by a bun test (test/e2e/boto3.test.ts) with the endpoint and credentials
in the environment (S3EDGE_E2E_*), performs real boto3 calls and prints ONE JSON document of
observations on stdout; the bun test holds the assertions. A script exits non-zero only when
something unexpected (not an S3 error response) happens.
"""
import base64
import hashlib
import json
import os
import sys
import zlib

import boto3
import botocore
import botocore.handlers
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["S3EDGE_E2E_ENDPOINT"]
ACCESS_KEY = os.environ["S3EDGE_E2E_ACCESS_KEY"]
SECRET_KEY = os.environ["S3EDGE_E2E_SECRET_KEY"]
REGION = os.environ.get("S3EDGE_E2E_REGION", "us-east-1")
BUCKET = os.environ["S3EDGE_E2E_BUCKET"]


def client(endpoint=ENDPOINT, secret=SECRET_KEY, **config):
    config.setdefault("retries", {"max_attempts": 1, "mode": "standard"})
    if "s3" not in config:
        config["s3"] = {"addressing_style": "path"}
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        region_name=REGION,
        config=Config(**config),
    )
    if os.environ.get("S3EDGE_E2E_RUNTIME") == "workerd":
        # workerd never answers Expect: 100-continue (workers-sdk#7185); botocore would wait 1 s
        # per upload for nothing. Bun answers it, so there botocore's default is tested.
        s3.meta.events.unregister("before-call.s3", botocore.handlers.add_expect_header)
    return s3


def ensure_bucket(s3, bucket=BUCKET):
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def error(e):
    """The observable part of a ClientError: HTTP status and S3 error code."""
    return {
        "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
        "code": e.response["Error"]["Code"],
    }


def attempt(fn, *args, **kwargs):
    """Runs one call; returns {"status": 200, ...} on success or the error observation."""
    try:
        r = fn(*args, **kwargs)
        return {"status": r["ResponseMetadata"]["HTTPStatusCode"], "response": r}
    except ClientError as e:
        return error(e)


def emit(obj):
    json.dump(obj, sys.stdout, default=str, sort_keys=True)
    sys.stdout.write("\n")


def b64(raw):
    return base64.b64encode(raw).decode()


# ---- checksums (pure Python: awscrt is not installed, and botocore needs it for CRC32C/CRC64NVME)

def _table(poly, bits):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _table(0x82F63B78, 32)
_CRC64NVME_TABLE = _table(0x9A6C9329AC4BC9B5, 64)


def crc32c(data):
    c = 0xFFFFFFFF
    t = _CRC32C_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return (c ^ 0xFFFFFFFF).to_bytes(4, "big")


def crc64nvme(data):
    m = 0xFFFFFFFFFFFFFFFF
    c = m
    t = _CRC64NVME_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return (c ^ m).to_bytes(8, "big")


assert crc32c(b"123456789").hex() == "e3069283"
assert crc64nvme(b"123456789").hex() == "ae8b14860a799888"


def checksum(alg, data):
    """Base64 of the raw checksum, as in x-amz-checksum-<alg>."""
    alg = alg.lower()
    if alg == "crc32":
        return b64((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big"))
    if alg == "crc32c":
        return b64(crc32c(data))
    if alg == "crc64nvme":
        return b64(crc64nvme(data))
    if alg == "sha1":
        return b64(hashlib.sha1(data).digest())
    if alg == "sha256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(alg)


def has_crt():
    try:
        from botocore.compat import HAS_CRT
        return bool(HAS_CRT)
    except ImportError:
        return False
