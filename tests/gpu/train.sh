#!/usr/bin/env bash
# The trainer on a GPU (a step of tests/gpu/run.sh; needs the CUDA build from its first step and one visible GPU).
# NEVER RUN YET: written on a machine without a GPU; the CPU-side logic it relies on is unit-tested there
# (TrainDeviceTests, TrainRunTests.LossScaling_*). Runs, on a tiny synthetic set:
#   1. 2 ranks of one member sharing the GPU (run.device: cuda, run.share_devices: true), precision.dtype: fp16,
#      with step 3's gradient made +inf on rank 0 (XRAYHPC_FAULT_INF_GRAD): summary.json must name cuda:0 for
#      both ranks and count the overflow in overflow_steps (metrics.jsonl too); the checkpoint must then load
#      in `xrayhpc evaluate`, which runs on the CPU;
#   2. a short PBT run (2 members x 1 rank on the shared GPU, fp16).
# Exit status non-zero when anything fails; the run directories stay in build/gpu-train for inspection.
# TRAIN_DEVICE=cpu TRAIN_DTYPE=fp32 tests/gpu/train.sh rehearses the same script on a CPU (loss scaling is on in
# both cases, so the overflow is counted there too); that is how it was checked without a GPU.
set -euo pipefail
device=${TRAIN_DEVICE:-cuda} dtype=${TRAIN_DTYPE:-fp16}
expect=$([ "$device" = cuda ] && echo cuda:0 || echo "$device")
cd "$(dirname "$0")/../.."
source jobs/lib/mpi.sh
X=$PWD/build/xrayhpc
out=build/gpu-train
rm -rf "$out"; mkdir -p "$out"
"$X" synth --layout chestxray2017 --out "$out/raw" --count 240 --size 64 --seed 1
"$X" preprocess --layout chestxray2017 --input "$out/raw" --output "$out/cache" --size 64 --target-ranks 2 --threads 2
mpirun_cmd 2 1 "$(nproc)"
train() { # run dir, population, extra env...
  local dir="$1" pop="$2"; shift 2
  env "$@" "${launcher[@]}" "$X" train jobs/experiments/demo.yaml --set data.cache="$out/cache" --set run.dir="$dir" \
    --set run.threads=1 --set logging.progress=plain --set run.device="$device" --set run.share_devices=true \
    --set precision.dtype="$dtype" --set precision.loss_scaling=true --set schedule.max_steps=12 --set tuner.ready_steps=4 --set tuner.population="$pop" \
    --set tuner.kind=$([ "$pop" -gt 1 ] && echo pbt || echo none)
}

echo "-- 1: 2 ranks share $expect, $dtype, injected overflow at step 3"
train "$out/dp" 1 XRAYHPC_FAULT_INF_GRAD=0:3:4
python3 - "$out/dp" "$expect" "$dtype" <<'EOF'
import json, sys
run, expect, dtype = sys.argv[1:4]
s = json.load(open(f"{run}/summary.json"))
assert s["devices"] == [expect, expect], f"devices: {s['devices']}"
assert s["precision"] == dtype, s["precision"]
assert s.get("overflow_steps", 0) >= 1, f"overflow_steps: {s.get('overflow_steps')} (the injected overflow was not counted)"
lines = [json.loads(l) for l in open(f"{run}/metrics.jsonl") if l.strip()]
assert all("overflow_steps" in l for l in lines), "metrics.jsonl lines without overflow_steps"
assert lines[-1]["skipped_steps"] >= lines[-1]["overflow_steps"] >= 1, lines[-1]
print(f"devices {s['devices']}, overflow_steps {s['overflow_steps']}, skipped_steps {s['skipped_steps']}, test AUROC {s['test_mean_auroc']}")
EOF
echo "-- the GPU run's checkpoint evaluated on the CPU"
"$X" evaluate "$out/dp" --checkpoint best --split test

echo "-- 2: PBT, 2 members x 1 rank on $expect, $dtype"
train "$out/pbt" 2
python3 - "$out/pbt" "$expect" <<'EOF'
import json, sys
run, expect = sys.argv[1:3]
s = json.load(open(f"{run}/summary.json"))
assert s["devices"] == [expect, expect], f"devices: {s['devices']}"
lines = [json.loads(l) for l in open(f"{run}/metrics.jsonl") if l.strip()]
assert {l["member"] for l in lines} == {0, 1}, "metrics of both members expected"
print(f"PBT: {len(lines)} records, best member {s['best_member']}, test AUROC {s['test_mean_auroc']}")
EOF
echo "tests/gpu/train.sh: passed"
