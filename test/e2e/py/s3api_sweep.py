"""Runs every `aws s3api` bucket/object subcommand once (input built from the botocore model:
required members only, placeholder values) and reports which ones answer 501 NotImplemented.
S3EDGE_SWEEP_VIA=boto3 makes the same calls through botocore in-process (what `aws s3api`
calls; one cli start per call takes a second or more, too slow for the test suite).

Printed: {"tried": [...], "not_implemented": [...], "internal": [...], "not_sent": [...], "results": {op: code}}.
Left out: directory-bucket and Object Lambda calls (CreateSession, ListDirectoryBuckets,
RenameObject, WriteGetObjectResponse) and SelectObjectContent (an event stream).
"""
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import botocore.session

from botocore.exceptions import ClientError

from common import BUCKET, client, emit

SKIP = {"CreateSession", "ListDirectoryBuckets", "RenameObject", "WriteGetObjectResponse", "SelectObjectContent"}
KEY = "sweep-obj"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                             "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
NAMED = {"Bucket": BUCKET, "Key": KEY, "CopySource": f"{BUCKET}/{KEY}", "UploadId": "sweep-upload", "Id": "id1",
         "Policy": POLICY, "PartNumber": 1, "MaxParts": 10}

model = botocore.session.get_session().get_service_model("s3")


def value(shape, name, depth=0):
    if name in NAMED:
        return NAMED[name]
    t = shape.type_name
    if t == "structure" and getattr(shape, "is_tagged_union", False):
        first = next(iter(shape.members))  # a union takes exactly one member
        return {first: value(shape.members[first], first, depth + 1)}
    if t == "structure":
        return {m: value(shape.members[m], m, depth + 1) for m in shape.required_members} if depth < 6 else {}
    if t == "list":
        return [value(shape.member, shape.member.name, depth + 1)]
    if t == "map":
        return {}
    if t == "string":
        return shape.enum[0] if shape.enum else "x"
    if t in ("integer", "long"):
        return 1
    if t == "boolean":
        return False
    if t == "timestamp":
        return "2030-01-01T00:00:00Z"
    if t == "blob":
        return "x"
    return "x"


def cli_name(op):
    # botocore's xform_name is what the cli uses for command names.
    return botocore.xform_name(op).replace("_", "-")


VIA_BOTO3 = os.environ.get("S3EDGE_SWEEP_VIA") == "boto3"
s3 = client() if VIA_BOTO3 else None


def params_of(op):
    shape = model.operation_model(op).input_shape
    params = {m: value(shape.members[m], m) for m in (shape.required_members if shape else [])}
    if op == "DeleteObjects":
        params["Delete"] = {"Objects": [{"Key": "sweep-other"}]}
    return params


def run_boto3(op):
    params = params_of(op)
    for k, v in list(params.items()):
        if v == "2030-01-01T00:00:00Z":
            params[k] = __import__("datetime").datetime(2030, 1, 1)
    try:
        r = getattr(s3, botocore.xform_name(op))(**params)
        if "Body" in r and hasattr(r["Body"], "read"):
            r["Body"].read()
        return op, "OK"
    except ClientError as e:
        return op, e.response["Error"]["Code"]
    except Exception as e:  # a client-side refusal (parameter validation)
        return op, "client:" + type(e).__name__


def run(op):
    if VIA_BOTO3:
        return run_boto3(op)
    params = params_of(op)
    args = ["aws", "--endpoint-url", os.environ["S3EDGE_E2E_ENDPOINT"], "--region", "us-east-1", "s3api", cli_name(op)]
    if op in ("GetObject", "GetObjectTorrent"):
        # These take a positional outfile and no --cli-input-json.
        args += ["--bucket", params["Bucket"], "--key", params["Key"], "/dev/null"]
    else:
        args += ["--cli-input-json", json.dumps(params)]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": os.environ["S3EDGE_E2E_ACCESS_KEY"], "AWS_SECRET_ACCESS_KEY": os.environ["S3EDGE_E2E_SECRET_KEY"],
           "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    if r.returncode == 0:
        return op, "OK"
    m = re.search(r"\(([A-Za-z0-9.]+)\) when calling", r.stderr)
    if m:
        return op, m.group(1)
    m = re.search(r"An error occurred \((\d+)\)", r.stderr)
    return op, (m.group(1) if m else "client:" + r.stderr.strip().splitlines()[-1][:120] if r.stderr.strip() else f"exit {r.returncode}")


run("CreateBucket")
last = ["DeleteObject", "DeleteBucket"]
ops = [o for o in model.operation_names if o not in SKIP and o not in last and o != "CreateBucket"]
results = {}
results["PutObject"] = run("PutObject")[1]  # the object the other calls name
ops.remove("PutObject")
with ThreadPoolExecutor(4) as pool:
    for op, code in pool.map(run, ops):
        results[op] = code
results["CreateBucket"] = run("CreateBucket")[1]
for op in last:
    results[op] = run(op)[1]
tried = sorted(results)
emit({
    "tried": tried,
    "not_implemented": sorted(o for o, c in results.items() if c in ("NotImplemented", "501")),
    "internal": sorted(o for o, c in results.items() if c in ("InternalError", "500")),
    # Refused by the client before sending (the placeholder input did not validate).
    "not_sent": sorted(o for o, c in results.items() if c.startswith("client:")),
    "results": results,
})
