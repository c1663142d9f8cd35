#!/usr/bin/env bash
# Quick aws-cli round trip against $S3EDGE_ENDPOINT (e.g. via run-e2e.sh -- bash test/workers/smoke.sh):
# bucket, small object, 20 MiB multipart upload, full and ranged GETs, listing, delete.
set -euo pipefail
: "${S3EDGE_ENDPOINT:?set S3EDGE_ENDPOINT}"
export AWS_ACCESS_KEY_ID=${S3EDGE_ACCESS_KEY:-admin} AWS_SECRET_ACCESS_KEY=${S3EDGE_SECRET_KEY:-secret12345}
export AWS_DEFAULT_REGION=${S3EDGE_REGION:-us-east-1} AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
s3() {
  local cmd=$1 quiet=(); shift
  case $cmd in cp|mv|rm|sync) quiet=(--only-show-errors) ;; esac
  aws --endpoint-url "$S3EDGE_ENDPOINT" s3 "$cmd" "${quiet[@]}" "$@"
}
s3api() { aws --endpoint-url "$S3EDGE_ENDPOINT" s3api "$@"; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
bucket="smoke-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
step() { echo "-- $(date +%T) $*"; }

step "mb s3://$bucket"; s3 mb "s3://$bucket"
step "small object"
echo "hello workerd" > "$dir/small.txt"
s3 cp "$dir/small.txt" "s3://$bucket/small.txt"
[ "$(s3 cp "s3://$bucket/small.txt" -)" = "hello workerd" ]
step "20 MiB multipart upload"
head -c $((20 * 1024 * 1024)) /dev/urandom > "$dir/big.bin"
s3 cp "$dir/big.bin" "s3://$bucket/big.bin"
etag=$(s3api head-object --bucket "$bucket" --key big.bin --query ETag --output text)
case "$etag" in *-3\"|*-3) ;; *) echo "expected a 3-part ETag, got $etag"; exit 1 ;; esac
len=$(s3api head-object --bucket "$bucket" --key big.bin --query ContentLength --output text)
[ "$len" = $((20 * 1024 * 1024)) ]
step "full GET"
s3 cp "s3://$bucket/big.bin" "$dir/big.out"
cmp "$dir/big.bin" "$dir/big.out"
step "ranged GET across the 8 MiB chunk boundary"
s3api get-object --bucket "$bucket" --key big.bin --range bytes=8388000-8389999 "$dir/range.out" >"$dir/range.json"
grep -q '"ContentLength": 2000' "$dir/range.json"
grep -q '"ContentRange": "bytes 8388000-8389999/20971520"' "$dir/range.json"
cmp "$dir/range.out" <(tail -c +8388001 "$dir/big.bin" | head -c 2000)
step "listing"
[ "$(s3 ls "s3://$bucket/" | wc -l)" = 2 ]
step "delete"
s3 rm --recursive "s3://$bucket/"
s3 rb "s3://$bucket"
echo "smoke OK ($S3EDGE_ENDPOINT)"
