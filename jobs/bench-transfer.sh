#!/usr/bin/env bash
# `make bench-transfer`: does starting from pretrained weights help? (issue 15, "Transfer helps, measured").
# 1. Pretrain: `xrayhpc synth --layout nih` (14 labels, NIH ChestX-ray14 layout) with the film knobs of the pneumonia
#    task below, preprocessed at 64 px; a ResNet-18 (1 channel) trained on it (jobs/experiments/transfer-pretrain.yaml);
#    `xrayhpc select` writes its best checkpoint as a model package, whose model.safetensors is the initial-weights
#    file (the path a user takes: run -> select -> package -> model.init.from).
# 2. Fine-tune on a small `synth --preset benchmark` pneumonia set (ChestXRay2017 layout; its pneumonia is drawn
#    with the NIH set's Pneumonia and Infiltration findings, so the two tasks share features), three arms at equal
#    steps, same data, same schedule (jobs/experiments/transfer-finetune.yaml):
#      scratch  : random init, lr 0.003
#      finetune : model.init.from the package, all layers train, lr 0.001, head (re-initialised: 1 class, not 14) x10
#      frozen   : the same + model.freeze=backbone (feature extraction: only the head trains, at 0.001 x 10)
#    per seed, the arms' order rotating (the machine may be shared). jobs/lib/bench_transfer.py reads the runs
#    (summary.json, metrics.jsonl, the checkpoints), checks that the frozen arm's backbone is byte-identical to the
#    package's, and prints mean / sd / min–max over seeds, per-seed values, steps and wall time per arm.
# Usage: jobs/bench-transfer.sh [OUT_DIR]   (default build/bench-transfer; results.md and results.json there)
#   env: SEEDS="1 2 3" PRE_IMAGES=4000 PRE_STEPS=600 FT_IMAGES=600 FT_STEPS=200
#   QUICK=1: a ~3-minute smoke check (2 seeds, 150 pretraining and 40 fine-tuning steps). Full run: ~18 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/bench-transfer}
if [ "${QUICK:-0}" = 1 ]; then
  seeds=${SEEDS:-1 2}; pre_images=${PRE_IMAGES:-1200}; pre_steps=${PRE_STEPS:-150}
  ft_images=${FT_IMAGES:-600}; ft_steps=${FT_STEPS:-40}
else
  seeds=${SEEDS:-1 2 3}; pre_images=${PRE_IMAGES:-4000}; pre_steps=${PRE_STEPS:-600}
  ft_images=${FT_IMAGES:-600}; ft_steps=${FT_STEPS:-200}
fi
source jobs/lib/mpi.sh   # the MPI in use, its launcher flags; root/CI-only OpenMPI settings
export OMP_NUM_THREADS=1
mpirun_cmd 2 1 "$(nproc)"
x=build/xrayhpc
[ -x "$x" ] || { echo "bench-transfer: run 'make build' first" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out"
# The film of both tasks: the benchmark preset's (contrast 0.8, noise 1.5, exposure variation 0.5). The NIH set
# keeps its labels clean and carries no marker: it stands for a large curated public set. Prevalence 0.7 of an
# image having 1-3 of the 14 findings gives each finding ~7% positives.
film=(--finding-contrast 0.8 --film-noise 1.5 --exposure-variation 0.5)
wall() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }   # seconds between two `date +%s.%N`

t0=$(date +%s.%N)
$x synth --layout nih --out "$out/nih-raw" --count "$pre_images" --size 64 --prevalence 0.7 --seed 21 "${film[@]}" >/dev/null
$x preprocess --layout nih --input "$out/nih-raw" --output "$out/nih-cache" --size 64 --target-ranks 2 \
  --salt-file "$out/salt" >/dev/null 2>&1
# Small: with val and test at 25% of patients each, ~300 training images; val/test keep true labels, no shortcut.
$x synth --preset benchmark --out "$out/pneumonia-raw" --count "$ft_images" --seed 22 --val-fraction 0.25 --test-fraction 0.25 >/dev/null
$x preprocess --layout chestxray2017 --input "$out/pneumonia-raw" --output "$out/pneumonia-cache" --size 64 --target-ranks 2 \
  --salt-file "$out/salt" >/dev/null 2>&1
t1=$(date +%s.%N)
echo "bench-transfer: data ready in $(wall "$t1" "$t0") s (NIH-layout $pre_images images, pneumonia $ft_images images, 64 px)"

echo "bench-transfer: pretraining ResNet-18 on the 14-label set, $pre_steps steps"
"${launcher[@]}" $x train jobs/experiments/transfer-pretrain.yaml --set data.cache="$out/nih-cache" --set run.dir="$out/pretrain" \
  --set schedule.max_steps="$pre_steps" --set run.threads=1 > "$out/pretrain.log" 2>&1 \
  || { echo "bench-transfer: pretraining failed, see $out/pretrain.log" >&2; exit 1; }
$x select "$out/pretrain" --metric mean_auroc --split val --out "$out/pretrained" > "$out/select.log" 2>&1 \
  || { echo "bench-transfer: select failed, see $out/select.log" >&2; exit 1; }
t2=$(date +%s.%N)
echo "pretrain $(wall "$t2" "$t1")" > "$out/walls.txt"
weights="$out/pretrained/model.safetensors"
[ -s "$weights" ] || { echo "bench-transfer: select wrote no $weights" >&2; exit 1; }
echo "  pretrained in $(wall "$t2" "$t1") s; package $out/pretrained (model.yaml: provenance and metrics)"

arms=(scratch finetune frozen)
echo "bench-transfer: fine-tuning, seeds [$seeds], $ft_steps steps per run, arms ${arms[*]}"
i=0
for seed in $seeds; do
  for k in 0 1 2; do
    arm=${arms[$(( (k + i) % 3 ))]}
    run="$out/$arm-$seed"
    case $arm in
      scratch) extra=() ;;
      finetune) extra=(--set "model.init={from: \"$weights\", strict: true}" --set optimizer.lr=0.001 --set optimizer.head_lr_scale=10) ;;
      frozen) extra=(--set "model.init={from: \"$weights\", strict: true}" --set model.freeze=backbone
                     --set optimizer.lr=0.001 --set optimizer.head_lr_scale=10) ;;
    esac
    start=$(date +%s.%N)
    "${launcher[@]}" $x train jobs/experiments/transfer-finetune.yaml --set data.cache="$out/pneumonia-cache" \
      --set run.dir="$run" --set run.seed="$seed" --set schedule.max_steps="$ft_steps" --set run.threads=1 \
      "${extra[@]}" > "$run.log" 2>&1 \
      || { echo "bench-transfer: $arm seed $seed failed, see $run.log" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$arm $seed $(wall "$end" "$start")" >> "$out/walls.txt"
    echo "  $arm seed $seed: $(wall "$end" "$start") s"
  done
  i=$((i + 1))
done
python3 jobs/lib/bench_transfer.py "$out" | tee "$out/results.md"
