#!/usr/bin/env bash
# Runs every test project in data-flow order, one at a time (the CI machine has 2 cores and the
# MPI/Slurm tests oversubscribe them), then prints one closing line: "N passed, N failed, N skipped".
# Usage: tests/run.sh [Project ...]   (e.g. tests/run.sh Parquet Torch); FILTER=... passes --filter.
# MpichSmoke (tests/mpich-smoke.sh: the MPI shim built and run under MPICH) runs after Mpi in a full
# run and counts as one test; it is not a dotnet project, so FILTER leaves it out.
#
# Exits non-zero, naming the project, when a test host exits non-zero (a crash or a killed host may
# leave no trx, or one whose counters say "0 failed"), when a named project does not exist, or when a
# project runs no test at all (with FILTER, only when no project ran any).
# Hangs: a single test running longer than TEST_HANG_TIMEOUT (default 15min) gets its host killed
# (--blame-hang-timeout), and a whole project longer than TEST_PROJECT_TIMEOUT (default 40m) is killed
# by `timeout`, so a hang costs minutes, not CI's 90-minute budget.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/build/test-results"
rm -rf "$results"; mkdir -p "$results"

# Every package whose programs the tests start (env/packages.txt) must be installed: one clear message if not.
env/setup.sh --check >/dev/null || exit 1

all_projects=(Parquet Torch Mpi MpichSmoke Data Tuning Checkpoint Training Explain Serving Hpc)
projects=("${all_projects[@]}")
[ $# -gt 0 ] && projects=("$@")
for p in "${projects[@]}"; do
  [ -d "tests/XRayHpc.$p.Tests" ] || [ "$p" = MpichSmoke ] && continue
  echo "tests/run.sh: no test project '$p' (tests/XRayHpc.$p.Tests); projects: ${all_projects[*]}" >&2
  echo "tests: 0 passed, 0 failed, 0 skipped"
  exit 2
done

# Oracles that tests install themselves (npm packages with a lock file, etc.).
for prep in tests/*/prepare.sh; do
  [ -x "$prep" ] || continue
  echo "== $prep"
  "$prep" || { echo "FAILED: $prep"; exit 1; }
done

# counter <trx> <name>: one counter of a trx file's <Counters> element (0 when absent).
counter() {
  grep -o '<Counters [^>]*>' "$1" 2>/dev/null | head -1 | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0
}

passed=0; failed=0; skipped=0
problems=()
for p in "${projects[@]}"; do
  if [ "$p" = MpichSmoke ]; then
    [ -z "${FILTER:-}" ] || continue
    echo "== tests/mpich-smoke.sh"
    start=$(date +%s)
    timeout --kill-after=10s 600 tests/mpich-smoke.sh 2>&1; rc=$?
    echo "   ($p: $(( $(date +%s) - start )) s; exit $rc)"
    if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); problems+=("$p: tests/mpich-smoke.sh exited $rc"); fi
    continue
  fi
  proj="tests/XRayHpc.$p.Tests"
  echo "== $proj"
  args=(test "$proj" -c "${CONFIG:-Release}" --no-build --nologo
        --logger "trx;LogFileName=$p.trx" --results-directory "$results"
        --logger "console;verbosity=normal"
        --blame-hang-timeout "${TEST_HANG_TIMEOUT:-15min}" --blame-hang-dump-type none)
  [ -n "${FILTER:-}" ] && args+=(--filter "$FILTER")
  start=$(date +%s)
  # No `|| true` here: PIPESTATUS must be read right after the pipeline (the greps exit 1 when they
  # print nothing, which is fine; only the test host's own status counts).
  timeout --kill-after=30s "${TEST_PROJECT_TIMEOUT:-40m}" dotnet "${args[@]}" 2>&1 \
    | grep -vE '^\s*$' | grep -vE 'Passed [A-Za-z]'
  rc=${PIPESTATUS[0]}
  trx="$results/$p.trx"
  p_passed=$(counter "$trx" passed); p_failed=$(counter "$trx" failed); p_skipped=$(counter "$trx" notExecuted)
  passed=$((passed + p_passed)); failed=$((failed + p_failed)); skipped=$((skipped + p_skipped))
  echo "   ($p: $(( $(date +%s) - start )) s; $p_passed passed, $p_failed failed, $p_skipped skipped; host exit $rc)"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    problems+=("$p: killed after ${TEST_PROJECT_TIMEOUT:-40m} (project timeout)")
  elif [ "$rc" -ne 0 ]; then
    problems+=("$p: test host exited $rc ($p_failed failed in its trx; a crashed host may not record its failure)")
  elif [ ! -f "$trx" ]; then
    problems+=("$p: no trx written ($trx)")
  fi
  if [ $((p_passed + p_failed + p_skipped)) -eq 0 ] && [ -z "${FILTER:-}" ]; then
    problems+=("$p: ran no tests")
  fi
done

status=0
[ "$failed" -eq 0 ] || status=1
if [ $((passed + failed + skipped)) -eq 0 ]; then problems+=("no test ran in: ${projects[*]}${FILTER:+ (FILTER=$FILTER)}"); fi
for m in "${problems[@]}"; do echo "FAILED: $m"; status=1; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
