#!/usr/bin/env bash
# What the test suites need beyond node_modules, installed when missing (Debian packages as
# root; pip where PyPI is reachable, Debian's packages otherwise). Safe to run again.
set -u
export DEBIAN_FRONTEND=noninteractive
need_apt=()
command -v s3cmd >/dev/null || need_apt+=(s3cmd)                  # test/e2e/s3cmd.test.ts
command -v mkfs.ext4 >/dev/null || need_apt+=(e2fsprogs)          # test/fault/power-cut.test.ts (ext4 on a loop device)
command -v losetup >/dev/null || need_apt+=(mount)
# find_spec looks boto3 up without importing it (the import alone is ~1-2 s); pip gives up quickly offline.
pip_q() { pip install -q --disable-pip-version-check --timeout 10 --retries 1 "$@" 2>/dev/null; }
python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('boto3') is None)" 2>/dev/null || pip_q boto3 || need_apt+=(python3-boto3)
command -v aws >/dev/null || pip_q awscli || need_apt+=(awscli)
# Go clients, built in GOPATH mode from Debian's sources (no module proxy): test/e2e/go/build.ts.
command -v go >/dev/null || need_apt+=(golang-go)                 # test/e2e/go.test.ts (Go 1.19)
[ -d /usr/share/gocode/src/github.com/minio/minio-go/v7 ] || need_apt+=(golang-github-minio-minio-go-v7-dev)
[ -d /usr/share/gocode/src/github.com/minio/madmin-go ] || need_apt+=(golang-github-minio-madmin-go-dev)  # `mc admin` (IAM) tests
command -v rclone >/dev/null || need_apt+=(rclone)                # test/e2e/rclone.test.ts
[ -x /usr/bin/chromium ] || need_apt+=(chromium)                 # test/e2e/cors.test.ts (a real browser, via playwright-core)
# Notification target servers, started per test file on free ports (test/e2e/servers.ts, notify-targets.test.ts); ~30 s to install.
command -v redis-server >/dev/null || need_apt+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_apt+=(postgresql-15)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need_apt+=(rabbitmq-server)
# No Kafka broker in Debian or npm: librdkafka's kcat checks the emulator (test/e2e/kafka-broker.ts) in notify-kafka.test.ts.
command -v kcat >/dev/null || need_apt+=(kcat)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: missing ${need_apt[*]} (run as root, or install them)" >&2
    exit 0
  fi
  echo "test-deps: installing ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
