"""generate_presigned_post (browser form uploads, POST Object) submitted with requests."""
import hashlib
import os

import requests

from common import BUCKET, client, emit, ensure_bucket

s3 = client(signature_version="s3v4")
ensure_bucket(s3)
out = {}


def code(body):
    s = body.decode(errors="replace")
    i = s.find("<Code>")
    return s[i + 6 : s.find("</Code>")] if i >= 0 else ""


def submit(post, name, data, extra=None):
    # Fields first, the file last (requests sends `files` after `data`), as S3 requires.
    r = requests.post(post["url"], data={**post["fields"], **(extra or {})}, files={"file": (name, data)}, allow_redirects=False)
    return {"status": r.status_code, "etag": r.headers.get("ETag"), "location": r.headers.get("Location"), "code": code(r.content), "body": r.text}


# The simplest form: a fixed key.
data = os.urandom(100_000)
post = s3.generate_presigned_post(BUCKET, "boto/plain.bin", ExpiresIn=300)
r = submit(post, "plain.bin", data)
head = s3.head_object(Bucket=BUCKET, Key="boto/plain.bin")
got = s3.get_object(Bucket=BUCKET, Key="boto/plain.bin")["Body"].read()
out["plain"] = {"status": r["status"], "etag": r["etag"], "want_etag": '"%s"' % hashlib.md5(data).hexdigest(), "same": got == data, "size": head["ContentLength"]}

# ${filename}, a content type, metadata, 201 with a PostResponse, a size range.
post = s3.generate_presigned_post(
    BUCKET,
    "boto/uploads/${filename}",
    Fields={"Content-Type": "text/plain", "x-amz-meta-origin": "boto3", "success_action_status": "201"},
    Conditions=[
        ["starts-with", "$key", "boto/uploads/"],
        {"Content-Type": "text/plain"},
        {"x-amz-meta-origin": "boto3"},
        {"success_action_status": "201"},
        ["content-length-range", 1, 1024],
    ],
    ExpiresIn=300,
)
r = submit(post, "notes ü.txt", b"hello from boto3")
head = s3.head_object(Bucket=BUCKET, Key="boto/uploads/notes ü.txt")
out["fields"] = {"status": r["status"], "body_has_key": "<Key>boto/uploads/notes ü.txt</Key>" in r["body"],
                 "content_type": head["ContentType"], "metadata": head["Metadata"]}

# The range refuses a file too big; a field the policy does not name is refused.
r = submit(post, "big.txt", b"x" * 2000)
out["too_large"] = {"status": r["status"], "code": r["code"]}
r = submit(post, "extra.txt", b"x", {"x-amz-meta-other": "1"})
out["extra_field"] = {"status": r["status"], "code": r["code"], "extra_listed": "Extra input fields: x-amz-meta-other" in r["body"]}

# A redirect on success.
post = s3.generate_presigned_post(BUCKET, "boto/redirect.txt", Fields={"success_action_redirect": "http://app.invalid/done"},
                                  Conditions=[{"success_action_redirect": "http://app.invalid/done"}], ExpiresIn=300)
r = submit(post, "r.txt", b"redirected")
out["redirect"] = {"status": r["status"], "location": r["location"]}

# An expired policy.
post = s3.generate_presigned_post(BUCKET, "boto/expired.txt", ExpiresIn=-10)
r = submit(post, "e.txt", b"late")
out["expired"] = {"status": r["status"], "code": r["code"], "policy_expired": "Policy expired" in r["body"]}

emit(out)
