#!/usr/bin/env bash
# `make demo`: synthetic pneumonia set (ChestXRay2017 layout, 64 px) -> preprocess -> 2-rank PBT training
# (2 members x 1 rank) -> summary -> report. Everything lands in build/demo/ (the run in build/demo/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/lib/mpi.sh   # the MPI in use, its launcher flags; root/CI-only OpenMPI settings
X=${XRAYHPC:-$PWD/src/XRayHpc.Cli/bin/${CONFIG:-Release}/net10.0/xrayhpc}
out=build/demo
rm -rf "$out"; mkdir -p "$out"
start=$(date +%s)

echo "== 1/4 synth: 600 synthetic chest films (ChestXRay2017 layout, 64 px)"
"$X" synth --layout chestxray2017 --out "$out/raw" --count 600 --size 64 --seed 1

echo "== 2/4 preprocess -> Parquet cache"
"$X" preprocess --layout chestxray2017 --input "$out/raw" --output "$out/cache" --size 64 --target-ranks 2 --threads 2

echo "== 3/4 train: mpirun -np 2, PBT with 2 members (jobs/experiments/demo.yaml)"
# One torch thread per rank: 2 ranks, each bound to a core of its own (unbound only as root/CI on 1 core).
export OMP_NUM_THREADS=1
mpirun_cmd 2 1 "$(nproc)"
"${launcher[@]}" "$X" train jobs/experiments/demo.yaml --set data.cache="$out/cache" --set run.dir="$out/run" \
  --set run.threads=1 --set logging.progress=plain

echo "== 4/4 results"
echo "-- lineage (PBT exploit/explore):"; cat "$out/run/lineage.jsonl"
echo "-- summary.json:"; cat "$out/run/summary.json"; echo
if "$X" report --help >/dev/null 2>&1; then
  "$X" report "$out/run" && echo "report: $out/run/report"
fi
echo "demo: done in $(( $(date +%s) - start )) s; run directory: $out/run"
