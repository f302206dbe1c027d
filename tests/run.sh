#!/usr/bin/env bash
# Runs every test project in data-flow order, one at a time (the CI machine has 2 cores and the
# MPI/Slurm tests oversubscribe them), then prints one closing line: "N passed, N failed, N skipped".
# Usage: tests/run.sh [Project ...]   (e.g. tests/run.sh Parquet Torch); FILTER=... passes --filter.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/build/test-results"
rm -rf "$results"; mkdir -p "$results"

# Oracles that tests install themselves (npm packages with a lock file, etc.).
for prep in tests/*/prepare.sh; do
  [ -x "$prep" ] || continue
  echo "== $prep"
  "$prep" || { echo "FAILED: $prep"; exit 1; }
done

projects=(Parquet Torch Mpi Data Training Explain Serving Hpc)
[ $# -gt 0 ] && projects=("$@")
status=0
for p in "${projects[@]}"; do
  proj="tests/XRayHpc.$p.Tests"
  [ -d "$proj" ] || continue
  echo "== $proj"
  args=(test "$proj" -c "${CONFIG:-Release}" --no-build --nologo
        --logger "trx;LogFileName=$p.trx" --results-directory "$results"
        --logger "console;verbosity=normal")
  [ -n "${FILTER:-}" ] && args+=(--filter "$FILTER")
  start=$(date +%s)
  dotnet "${args[@]}" 2>&1 | grep -vE '^\s*$' | grep -vE 'Passed [A-Za-z]' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "   ($p: $(( $(date +%s) - start )) s)"
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$c" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || { echo "no test ran"; status=1; }
exit $status
