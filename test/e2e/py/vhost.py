"""Virtual-host-style addressing: http://BUCKET.localhost:PORT/KEY.

The gateway runs with S3EDGE_DOMAIN=localhost. glibc here does not resolve *.localhost
(no nss-myhostname), so getaddrinfo is patched to send every *.localhost name to 127.0.0.1,
which is what RFC 6761 §6.3 asks resolvers to do; boto3 itself is unchanged and builds
real virtual-host requests (asserted below from the URLs it sends).
"""
import os
import socket

from common import ACCESS_KEY, BUCKET, attempt, client, emit

_orig = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
        host = "127.0.0.1"
    return _orig(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo

port = os.environ["S3EDGE_E2E_PORT"]
domain = os.environ.get("S3EDGE_E2E_DOMAIN", "localhost")
s3 = client(endpoint=f"http://{domain}:{port}", s3={"addressing_style": "virtual"})
sent = []
s3.meta.events.register("before-send.s3", lambda request, **kw: sent.append(request.url))

out = {}
r = attempt(s3.create_bucket, Bucket=BUCKET)
out["create"] = r["status"]
data = b"virtual host body " * 100
s3.put_object(Bucket=BUCKET, Key="vh/dir/file.txt", Body=data)
out["get_ok"] = s3.get_object(Bucket=BUCKET, Key="vh/dir/file.txt")["Body"].read() == data
out["list"] = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="vh/")["Contents"]]
out["head_len"] = s3.head_object(Bucket=BUCKET, Key="vh/dir/file.txt")["ContentLength"]
out["location"] = s3.get_bucket_location(Bucket=BUCKET).get("LocationConstraint")
s3.copy_object(Bucket=BUCKET, Key="vh/copy.txt", CopySource={"Bucket": BUCKET, "Key": "vh/dir/file.txt"})
out["copy_ok"] = s3.get_object(Bucket=BUCKET, Key="vh/copy.txt")["Body"].read() == data
url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "vh/dir/file.txt"}, ExpiresIn=60)
out["presigned_url"] = url
import urllib.request
with urllib.request.urlopen(url) as resp:
    out["presigned_ok"] = resp.read() == data
s3.delete_object(Bucket=BUCKET, Key="vh/copy.txt")
out["sent_urls"] = sent
emit(out)
