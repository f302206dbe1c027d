#!/usr/bin/env bash
# `make compare-tuners`: a fixed-hyperparameter baseline, PBT, ASHA and random search at equal compute on the
# benchmark task (`xrayhpc synth --preset benchmark`, jobs/experiments/benchmark.yaml): the same population
# (2 members x 1 rank), the same steps per member, the same data; only the tuner differs. The baseline is the
# experiment file's own hyperparameters for both members (random search over a one-point space, so it runs the
# same loop, evaluations and checkpoints as the tuners). Runs are interleaved over seeds (the order rotates each
# seed) because the machine may be shared; jobs/lib/compare_tuners.py counts the steps each run really trained
# (metrics.jsonl), PBT's overhead (rank logs) and prints medians, spreads and per-seed paired differences.
# Usage: jobs/compare-tuners.sh [OUT_DIR]
#   env: SEEDS="1 2 3 4 5" STEPS=160 READY=20 IMAGES=1600   QUICK=1: a ~3-minute smoke check (2 seeds, 40 steps)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/compare-tuners}
if [ "${QUICK:-0}" = 1 ]; then
  seeds=${SEEDS:-1 2}; steps=${STEPS:-40}; ready=${READY:-10}; images=${IMAGES:-600}
else
  seeds=${SEEDS:-1 2 3 4 5}; steps=${STEPS:-160}; ready=${READY:-20}; images=${IMAGES:-1600}
fi
experiment=jobs/experiments/benchmark.yaml
source jobs/lib/mpi.sh   # the MPI in use, its launcher flags; root/CI-only OpenMPI settings
export OMP_NUM_THREADS=1
mpirun_cmd 2 1 "$(nproc)"
x=build/xrayhpc
[ -x "$x" ] || { echo "compare-tuners: run 'make build' first" >&2; exit 1; }
# The baseline's one-point space: the experiment file's learning rate (momentum and weight decay are not in
# the space, so they stay the file's too).
lr=$(awk '/^optimizer:/{o=1;next} /^[^ ]/{o=0} o&&$1=="lr:"{print $2}' "$experiment")
[ -n "$lr" ] || { echo "compare-tuners: no optimizer.lr in $experiment" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out"
$x synth --preset benchmark --out "$out/raw" --count "$images" --seed 2 >/dev/null
$x preprocess --layout chestxray2017 --input "$out/raw" --output "$out/cache" --size 64 --target-ranks 1 \
  --salt-file "$out/salt" >/dev/null 2>&1
kinds=(fixed pbt asha random)
echo "compare-tuners: seeds [$seeds], $steps steps per member, ready every $ready, 2 members x 1 rank; baseline lr $lr"
i=0
for seed in $seeds; do
  for k in 0 1 2 3; do
    kind=${kinds[$(( (k + i) % 4 ))]}
    run="$out/$kind-$seed"
    case $kind in
      fixed) extra=(--set tuner.kind=random --set "tuner.search_space={lr: {choice: [$lr]}}") ;;
      pbt) extra=(--set tuner.kind=pbt --set tuner.quantile=0.5) ;;
      # Trials of 4 rounds; after each rung the worse half stops and its slot starts a new trial.
      asha) extra=(--set tuner.kind=asha --set tuner.grace_rounds=1 --set tuner.max_rounds=4 --set tuner.reduction_factor=2) ;;
      random) extra=(--set tuner.kind=random) ;;
    esac
    start=$(date +%s.%N)
    "${launcher[@]}" $x train "$experiment" --set data.cache="$out/cache" --set run.dir="$run" \
      --set run.seed="$seed" --set tuner.population=2 --set tuner.ready_steps="$ready" \
      --set schedule.max_steps="$steps" --set run.threads=1 --set logging.progress=off \
      --set checkpoint.keep_last=1 "${extra[@]}" > "$run.log" 2>&1 \
      || { echo "compare-tuners: $kind seed $seed failed, see $run.log" >&2; exit 1; }
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')   # awk, not bc: bc is not in env/packages.txt
    echo "$kind $seed $wall" >> "$out/walls.txt"
    echo "  $kind seed $seed: $wall s"
  done
  i=$((i + 1))
done
python3 jobs/lib/compare_tuners.py "$out" | tee "$out/results.md"
