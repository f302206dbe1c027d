#!/usr/bin/env bash
# Installs the Parquet test oracles (@duckdb/node-api, hyparquet, hyparquet-writer) from the npm registry
# exactly as pinned in package-lock.json. Fast no-op when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "prepare.sh: node is not installed (needed for the Parquet interop oracle)" >&2; exit 1; }
command -v npm >/dev/null || { echo "prepare.sh: npm is not installed (needed for the Parquet interop oracle)" >&2; exit 1; }
stamp=node_modules/.xrayhpc-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && node -e "require('@duckdb/node-api'); import('hyparquet'); import('hyparquet-writer')" 2>/dev/null; then
  exit 0
fi
for attempt in 1 2 3; do
  if npm ci --no-audit --no-fund --loglevel=error; then break; fi
  [ "$attempt" = 3 ] && { echo "prepare.sh: npm ci failed 3 times; the Parquet interop tests will fail" >&2; exit 1; }
  echo "prepare.sh: npm ci failed (attempt $attempt), retrying" >&2
  sleep $((attempt * 5))
done
node -e "require('@duckdb/node-api')" || { echo "prepare.sh: @duckdb/node-api installed but its native binding does not load" >&2; exit 1; }
echo "$want" > "$stamp"
