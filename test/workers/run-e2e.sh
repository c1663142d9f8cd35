#!/usr/bin/env bash
# Runs the end-to-end suite against the Worker on workerd (wrangler dev, local mode).
#
#   test/workers/run-e2e.sh                      # bun test test/e2e
#   test/workers/run-e2e.sh test/e2e test/workers                  # plus the workerd-only tests
#   test/workers/run-e2e.sh test/e2e/awscli.test.ts -t multipart   # arguments go to bun test
#   test/workers/run-e2e.sh -- bash test/workers/smoke.sh          # any command after --
#
# Starts `wrangler dev` on 127.0.0.1 with free ports, fresh state in a temp dir and root
# credentials admin/secret12345, waits until the health endpoint answers, runs the tests with
# S3EDGE_ENDPOINT & co. (S3EDGE_RUNTIME=workerd), then stops wrangler by PID. Offline: wrangler
# metrics, banner and the cf-object fetch are off, and its config goes to the temp dir.
# KEEP_STATE=1 keeps the temp dir (wrangler log, DO SQLite and R2 files) for inspection.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$PATH"

cmd=()
if [ "${1:-}" = "--" ]; then
  shift
  cmd=("$@")
else
  cmd=(bun test "${@:-test/e2e}")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/s3edge-workerd-XXXXXX")
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
export XDG_CONFIG_HOME="$tmp/config"
export WRANGLER_LOG_PATH="$tmp/wrangler-logs"

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
port=$(free_port)
inspector=$(free_port)
while [ "$inspector" = "$port" ]; do inspector=$(free_port); done
# The notification tests listen for webhooks here (test/e2e/notifications.test.ts).
hookport=$(free_port)
while [ "$hookport" = "$port" ] || [ "$hookport" = "$inspector" ]; do hookport=$(free_port); done

log="$tmp/wrangler.log"
# Serve a bundle built once, not the sources: wrangler dev reloads on every source change,
# which would swap the Worker (and its state) under a running suite while someone edits.
mkdir -p "$tmp/worker"
if ! wrangler deploy --dry-run --outdir "$tmp/worker/dist" >"$tmp/build.log" 2>&1; then
  echo "wrangler could not build the Worker:" >&2; tail -n 40 "$tmp/build.log" >&2; exit 1
fi
sed -e 's|^main = .*|main = "dist/gateway.js"|' wrangler.toml >"$tmp/worker/wrangler.toml"
wrangler dev --local --no-bundle --config "$tmp/worker/wrangler.toml" --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" \
  --var S3EDGE_ROOT_USER:admin --var S3EDGE_ROOT_PASSWORD:secret12345 --var S3EDGE_DOMAIN:localhost --var S3EDGE_GC_INTERVAL_MS:500 \
  --var S3EDGE_TEST_CLOCK:1 --var S3EDGE_LIFECYCLE_INTERVAL:1s \
  --var MINIO_NOTIFY_WEBHOOK_ENABLE_E2E:on --var "MINIO_NOTIFY_WEBHOOK_ENDPOINT_E2E:http://127.0.0.1:$hookport/hook" \
  --var MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_E2E:e2e-token \
  --var S3EDGE_KMS_SECRET_KEY:e2e-key:OsTku2T6fTxs59kXBnB4J5iU0jQMGIlQAWQdvwLnKt8= --var S3EDGE_INSECURE_SSE_C:on \
  --persist-to "$tmp/state" --show-interactive-dev-session=false </dev/null >"$log" 2>&1 &
pid=$!

stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  if [ "${KEEP_STATE:-}" = 1 ]; then echo "state kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

url="http://127.0.0.1:$port"
ready=0
for _ in $(seq 300); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/minio/health/live" 2>/dev/null)" = 200 ]; then ready=1; break; fi
  sleep 0.2
done
if [ "$ready" != 1 ]; then
  echo "wrangler dev did not become ready on $url; its log:" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
echo "workerd (wrangler dev) ready on $url, log: $log" >&2

# S3EDGE_SERVER_PID/LOG let workerd-only tests sample memory and scan the log; S3EDGE_SERVER_STATE
# (R2 and DO files) lets the encryption test look for plaintext in the stored blobs.
S3EDGE_ENDPOINT="$url" S3EDGE_ACCESS_KEY=admin S3EDGE_SECRET_KEY=secret12345 S3EDGE_RUNTIME=workerd \
  S3EDGE_DOMAIN=localhost S3EDGE_REGION=us-east-1 S3EDGE_SERVER_PID="$pid" S3EDGE_SERVER_LOG="$log" \
  S3EDGE_WEBHOOK_PORT="$hookport" S3EDGE_SERVER_STATE="$tmp/state" "${cmd[@]}"
rc=$?
# On a failure, what workerd itself reported (the log goes with the temp dir): a CI run that
# failed is diagnosed from its output alone. SHOW_LOG=1: the whole tail.
if [ "$rc" -ne 0 ]; then
  if [ -n "${SHOW_LOG:-}" ]; then tail -n 100 "$log" >&2
  else echo "--- wrangler log, errors (last 40):" >&2; grep -aiE "error|exception|uncaught|exceeded|[^0-9]50[0-9][^0-9]" "$log" | tail -n 40 >&2; fi
fi
exit $rc
