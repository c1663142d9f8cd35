#!/usr/bin/env bash
# Runs every suite and prints one closing line "N passed, N failed" (the sum), exit 1 on failure.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# The suites' own needs (s3cmd, e2fsprogs, boto3, aws cli) when missing: `npm test` works on a fresh machine.
bash scripts/test-deps.sh
pass=0; fail=0; status=0
run_suite() {
  local name=$1; shift
  local log; log=$(mktemp)
  echo "=== $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -n1 | grep -Eo '[0-9]+' || echo 0)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  [ "$rc" -ne 0 ] && status=1
  rm -f "$log"
}
run_suite "unit" bun test test/unit
run_suite "e2e (bun)" bun test test/e2e
# The web console in Debian's chromium (playwright-core); skips itself where chromium is missing.
run_suite "console (bun)" bun test test/console
run_suite "fault" bun test test/fault
# The same end-to-end suite against the Worker on workerd (wrangler dev), plus workerd-only tests.
run_suite "e2e (workerd)" bash test/workers/run-e2e.sh test/e2e test/workers
run_suite "console (workerd)" bash test/workers/run-e2e.sh test/console
echo "$pass passed, $fail failed"
exit $status
