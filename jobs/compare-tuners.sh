#!/usr/bin/env bash
# PBT vs random search vs ASHA at equal compute: the same population (2 members x 1 rank), the same number of
# steps and the same data, on the synthetic 14-label NIH-layout set. Runs are interleaved over seeds
# (pbt, random, asha, pbt, ...) because the machine is shared; the table shows medians over seeds.
# Usage: jobs/compare-tuners.sh [OUT_DIR]   env: SEEDS="1 2 3" STEPS=96 SIZE=32 IMAGES=600
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/compare-tuners}
seeds=${SEEDS:-1 2 3}; steps=${STEPS:-96}; size=${SIZE:-32}; images=${IMAGES:-600}
source jobs/lib/mpi.sh   # the MPI in use, its launcher flags; root/CI-only OpenMPI settings
export OMP_NUM_THREADS=1
mpirun_cmd 2 1 "$(nproc)"
x=build/xrayhpc
[ -x "$x" ] || { echo "compare-tuners: run 'make build' first" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out"
$x synth --layout nih --out "$out/raw" --count "$images" --size $((size * 2)) --seed 2 >/dev/null
$x preprocess --layout nih --input "$out/raw" --output "$out/cache" --size "$size" --target-ranks 1 \
  --salt-file "$out/salt" >/dev/null
echo "tuner,seed,val_mean_auroc,test_mean_auroc,wall_s,changes" > "$out/results.csv"
for seed in $seeds; do
  for kind in pbt random asha; do
    run="$out/$kind-$seed"
    start=$(date +%s.%N)
    "${launcher[@]}" $x train jobs/experiments/nih14.yaml --set data.cache="$out/cache" --set run.dir="$run" \
      --set run.seed="$seed" --set tuner.kind=$kind --set tuner.population=2 --set tuner.ready_steps=8 \
      --set schedule.max_steps="$steps" --set run.threads=1 --set logging.progress=off --set tuner.quantile=0.5 \
      --set tuner.max_rounds=4 --set tuner.reduction_factor=2 --set data.batch_size=16 > "$run.log" 2>&1 \
      || { echo "compare-tuners: $kind seed $seed failed, see $run.log" >&2; exit 1; }
    end=$(date +%s.%N)
    python3 - "$run" "$kind" "$seed" "$start" "$end" >> "$out/results.csv" <<'PY'
import json, sys
run, kind, seed, start, end = sys.argv[1:]
s = json.load(open(f"{run}/summary.json"))
changes = sum(1 for l in open(f"{run}/lineage.jsonl") if '"initial"' not in l)
print(f"{kind},{seed},{s['val_mean_auroc']:.4f},{s['test_mean_auroc']:.4f},{float(end)-float(start):.1f},{changes}")
PY
    tail -1 "$out/results.csv"
  done
done
python3 - "$out/results.csv" <<'PY' | tee "$out/results.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"| tuner | runs | median val mean AUROC | median test mean AUROC | median wall s | lineage changes (median) |")
print("|---|---:|---:|---:|---:|---:|")
for kind in ("pbt", "random", "asha"):
    r = [x for x in rows if x["tuner"] == kind]
    m = lambda k: statistics.median(float(x[k]) for x in r)
    print(f"| {kind} | {len(r)} | {m('val_mean_auroc'):.4f} | {m('test_mean_auroc'):.4f} | {m('wall_s'):.1f} | {m('changes'):.0f} |")
PY
