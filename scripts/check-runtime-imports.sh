#!/usr/bin/env bash
# Fails if the core touches a runtime: anything under src/ except src/runtime/ and src/cli/
# that imports bun, bun:*, node:* (or a bare Node builtin), cloudflare:*, or uses process.env,
# Bun.* or Deno.*. The core speaks only Web APIs (DESIGN.md "one codebase, two runtimes").
#   scripts/check-runtime-imports.sh [REPO_ROOT]     (exit 0 clean, 1 with a list of offences)
set -euo pipefail
root=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$root"

builtins='assert|async_hooks|buffer|child_process|cluster|crypto|dgram|diagnostics_channel|dns|events|fs|fs/promises|http|http2|https|inspector|module|net|os|path|perf_hooks|process|querystring|readline|stream|stream/web|string_decoder|timers|tls|tty|url|util|v8|vm|worker_threads|zlib'
# import/export … from "x", import "x", import("x"), require("x")
spec="(bun|bun:[^\"'\`]*|node:[^\"'\`]*|cloudflare:[^\"'\`]*|(${builtins}))"
pattern="((\\bfrom|\\bimport|\\brequire)\\s*\\(?\\s*[\"'\`]${spec}[\"'\`])|\\bprocess\\.env\\b|\\bBun\\.|\\bDeno\\.|globalThis\\.(Bun|Deno|process)\\b"

found=0
while IFS= read -r -d '' f; do
  # Strip comments (keeping line numbers) so prose like "Bun.CryptoHasher on Bun" is allowed.
  hits=$(perl -0777 -pe 's{/\*(.*?)\*/}{"\n" x ($1 =~ tr/\n//)}gse; s{(^|[^:\\])//[^\n]*}{$1}gm' "$f" \
    | grep -nE "$pattern" || true)
  if [ -n "$hits" ]; then
    found=1
    while IFS= read -r h; do echo "$f:${h%%:*}: ${h#*:}"; done <<<"$hits"
  fi
done < <(find src -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.mjs' -o -name '*.mts' \) \
  -not -path 'src/runtime/*' -not -path 'src/cli/*' -print0 | sort -z)

if [ "$found" -ne 0 ]; then
  echo "runtime-specific code in the core: move it to src/runtime/ (or src/cli/) and pass it in through Deps" >&2
  exit 1
fi
echo "runtime imports: core is clean"
