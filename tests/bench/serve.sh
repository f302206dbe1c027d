#!/usr/bin/env bash
# make bench-serve: `xrayhpc serve` (dynamic batching) against torchvision ResNet-18 behind Python's
# ThreadingHTTPServer, same torch threads, loopback, the same 224-px PNG from the same Python client, at
# concurrency 1, 8 and 32, interleaved (ours, baseline) so machine load hits both. Not a test.
# Tunables: BENCH_THREADS (2), BENCH_SECONDS (10 per cell), BENCH_MAX_BATCH (8), BENCH_MAX_WAIT_MS (5),
# BENCH_WORKERS (1; ours gets BENCH_THREADS/BENCH_WORKERS libtorch threads per worker, the same cores in total).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=${BENCH_THREADS:-2}; D=${BENCH_SECONDS:-10}; MB=${BENCH_MAX_BATCH:-8}; MW=${BENCH_MAX_WAIT_MS:-5}
WK=${BENCH_WORKERS:-1}; OT=$(( T / WK > 0 ? T / WK : 1 ))
PY=/usr/bin/python3
W=build/bench-serve; mkdir -p "$W"
X=${XRAYHPC:-build/xrayhpc}   # XRAYHPC: another build to compare (e.g. a copy of the previous one)
# A ResNet-18 run on a 224-px synthetic pneumonia cache (one training step: serving speed does not depend on the weights).
# 60 films and a quarter of the patients for validation: training refuses a validation split without a positive
# (its AUROC would be undefined), which 24 films with the default 10% gave.
if [ ! -f "$W/run/checkpoints/latest" ]; then
  rm -rf "$W/raw" "$W/cache" "$W/run"
  $X synth --layout chestxray2017 --out "$W/raw" --count 60 --size 256 --seed 5 >/dev/null
  $X preprocess --layout chestxray2017 --input "$W/raw" --output "$W/cache" --size 224 --val-fraction 0.25 >/dev/null
  cat > "$W/exp.yaml" <<YAML
run: {name: bench-serve, dir: $W/run, seed: 1, threads: $T}
data: {cache: $W/cache, batch_size: 4, eval_batch_size: 8, augment: false}
model: {name: resnet18, in_channels: 1}
optimizer: {name: adam, lr: 0.001}
schedule: {epochs: 1, max_steps: 1}
tuner: {kind: none, population: 1, ready_steps: 1}
logging: {progress: plain}
YAML
  $X train "$W/exp.yaml" >/dev/null
fi
PNG="$W/request.png"
$PY -c "from PIL import Image; import glob; Image.open(sorted(glob.glob('$W/raw/**/*.jpeg', recursive=True))[0]).convert('L').resize((224,224)).save('$PNG')"

wait_port() { for _ in $(seq 1 600); do p=$(grep -o 'listening on [a-z:/.0-9]*' "$1" | grep -o '[0-9]*$' || true); [ -n "$p" ] && { echo "$p"; return; }; sleep 0.1; done; echo "server did not start: $(cat "$1")" >&2; exit 1; }
$X serve "$W/run" --checkpoint latest --port 0 --threads "$OT" --workers "$WK" --max-batch "$MB" --max-wait-ms "$MW" > "$W/ours.log" 2>&1 & OURS=$!
trap 'kill -TERM $OURS 2>/dev/null || true' EXIT
PO=$(wait_port "$W/ours.log")
CLASSES=$($PY -c "import json,urllib.request; print(len(json.load(urllib.request.urlopen('http://127.0.0.1:$PO/v1/model'))['classes']))")
OMP_NUM_THREADS=$T $PY tests/bench/serve/baseline.py "$CLASSES" "$T" > "$W/base.log" 2>&1 & BASE=$!
trap 'kill -TERM $OURS $BASE 2>/dev/null || true' EXIT
PB=$(wait_port "$W/base.log")
echo "bench-serve: ResNet-18, 224-px PNG, $T torch threads each, ${D}s per cell, ours: --workers $WK --threads $OT --max-batch $MB --max-wait-ms $MW; host $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up both (first requests pay allocation / JIT).
$PY tests/bench/serve/client.py "$PO" 2 3 "$PNG" >/dev/null; $PY tests/bench/serve/client.py "$PB" 2 3 "$PNG" /predict >/dev/null
printf '%-5s | %-26s | %-26s | %-6s | %s\n' conc "ours: req/s  p50  p99 (ms)" "baseline: req/s  p50  p99" "ratio" "ours: batch fwd-ms/img decode-ms queue-ms (means)"
for c in 1 8 32; do
  o=$($PY tests/bench/serve/client.py "$PO" "$c" "$D" "$PNG")
  b=$($PY tests/bench/serve/client.py "$PB" "$c" "$D" "$PNG" /predict)
  $PY - "$c" "$o" "$b" <<'PYEOF'
import json, sys
c, o, b = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"{c:<5} | {o['rps']:7.2f} {o['p50_ms']:7.0f} {o['p99_ms']:7.0f}   | {b['rps']:7.2f} {b['p50_ms']:7.0f} {b['p99_ms']:7.0f}   | {o['rps']/b['rps']:5.2f}x"
      f"  | {o['mean_batch']:5.1f} {o['forward_ms_per_image']:6.1f} {o['decode_ms']:6.1f} {o['queue_ms']:6.0f}"
      + (f"  (errors: ours {o['errors']}, baseline {b['errors']})" if o['errors'] or b['errors'] else ""))
PYEOF
done
kill -TERM $OURS; wait $OURS || true
grep -q "drained and stopped" "$W/ours.log" && echo "ours: SIGTERM -> drained and stopped" || { echo "ours did not stop cleanly:"; cat "$W/ours.log"; }
kill -TERM $BASE 2>/dev/null; wait $BASE 2>/dev/null || true
trap - EXIT
