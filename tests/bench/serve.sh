#!/usr/bin/env bash
# make bench-serve: `xrayhpc serve` (dynamic batching) against two baselines of torchvision ResNet-18 behind Python's
# ThreadingHTTPServer (one forward pass per request), same torch threads, loopback, the same 224-px PNG from the same
# Python client, at concurrency 1, 8 and 32, interleaved cell by cell (ours, baseline A, baseline B) so machine load
# hits all three. Not a test.
# The served run is trained the way our users train (bf16 autocast + channels_last, `precision:` in its YAML), and
# ours serves it with those settings. Baseline A is the simplest server a user would write (fp32, NCHW, no_grad);
# baseline B is the same server given our settings (bf16 autocast, channels_last, inference_mode, 1-channel conv1,
# TCP_NODELAY as Kestrel has, and our shim's allocator settings through GLIBC_TUNABLES), so
# "ours / B" is what serving (batching) adds and "B / A" what the setting adds.
# Tunables: BENCH_THREADS (2), BENCH_SECONDS (10 per cell), BENCH_MAX_BATCH (8), BENCH_MAX_WAIT_MS (5),
# BENCH_WORKERS (1; ours gets BENCH_THREADS/BENCH_WORKERS libtorch threads per worker, the same cores in total),
# BENCH_PRECISION (bf16: the run's precision.dtype; fp32 serves an fp32 NCHW run, as the bench did before 2026-12-02).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=${BENCH_THREADS:-2}; D=${BENCH_SECONDS:-10}; MB=${BENCH_MAX_BATCH:-8}; MW=${BENCH_MAX_WAIT_MS:-5}
WK=${BENCH_WORKERS:-1}; OT=$(( T / WK > 0 ? T / WK : 1 )); PR=${BENCH_PRECISION:-bf16}
case "$PR" in bf16) CL=true;; fp32) CL=false;; *) echo "BENCH_PRECISION must be bf16 or fp32 (got $PR)" >&2; exit 2;; esac
PY=/usr/bin/python3
# = RuntimeInfo.EquivalentGlibcTunables (src/XRayHpc.Torch/RuntimeInfo.cs)
TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647:glibc.malloc.top_pad=67108864
W=build/bench-serve; mkdir -p "$W"
X=${XRAYHPC:-build/xrayhpc}   # XRAYHPC: another build to compare (e.g. a copy of the previous one)
# A ResNet-18 run on a 224-px synthetic pneumonia cache (one training step: serving speed does not depend on the weights),
# one run directory per precision (the served precision is the run's).
# 60 films and a quarter of the patients for validation: training refuses a validation split without a positive
# (its AUROC would be undefined), which 24 films with the default 10% gave.
RUN="$W/run-$PR"
if [ ! -f "$W/cache/manifest.yaml" ] || [ ! -d "$W/raw" ]; then   # manifest.yaml: a finished cache
  rm -rf "$W/raw" "$W/cache" "$RUN"
  $X synth --layout chestxray2017 --out "$W/raw" --count 60 --size 256 --seed 5 >/dev/null
  $X preprocess --layout chestxray2017 --input "$W/raw" --output "$W/cache" --size 224 --val-fraction 0.25 >/dev/null
fi
if [ ! -f "$RUN/checkpoints/latest" ]; then
  rm -rf "$RUN"
  cat > "$W/exp-$PR.yaml" <<YAML
run: {name: bench-serve, dir: $RUN, seed: 1, threads: $T}
data: {cache: $W/cache, batch_size: 4, eval_batch_size: 8, augment: false}
model: {name: resnet18, in_channels: 1}
precision: {dtype: $PR, channels_last: $CL}
optimizer: {name: adam, lr: 0.001}
schedule: {epochs: 1, max_steps: 1}
tuner: {kind: none, population: 1, ready_steps: 1}
logging: {progress: plain}
YAML
  $X train "$W/exp-$PR.yaml" >/dev/null
fi
PNG="$W/request.png"
$PY -c "from PIL import Image; import glob; Image.open(sorted(glob.glob('$W/raw/**/*.jpeg', recursive=True))[0]).convert('L').resize((224,224)).save('$PNG')"

wait_port() { for _ in $(seq 1 600); do p=$(grep -o 'listening on [a-z:/.0-9]*' "$1" | grep -o '[0-9]*$' || true); [ -n "$p" ] && { echo "$p"; return; }; sleep 0.1; done; echo "server did not start: $(cat "$1")" >&2; exit 1; }
$X serve "$RUN" --checkpoint latest --port 0 --threads "$OT" --workers "$WK" --max-batch "$MB" --max-wait-ms "$MW" > "$W/ours.log" 2>&1 & OURS=$!
trap 'kill -TERM $OURS 2>/dev/null || true' EXIT
PO=$(wait_port "$W/ours.log")
CLASSES=$($PY -c "import json,urllib.request; print(len(json.load(urllib.request.urlopen('http://127.0.0.1:$PO/v1/model'))['classes']))")
OMP_NUM_THREADS=$T $PY tests/bench/serve/baseline.py "$CLASSES" "$T" fp32 > "$W/base-a.log" 2>&1 & BASEA=$!
trap 'kill -TERM $OURS $BASEA 2>/dev/null || true' EXIT
# B also gets the allocator settings our shim applies at load (src/native/torch/runtime.cpp), as every oracle in
# tests/bench does: with glibc's defaults each bf16 pass gives its blocks back and faults them in again (up to 5x).
GLIBC_TUNABLES=$TUNABLES OMP_NUM_THREADS=$T $PY tests/bench/serve/baseline.py "$CLASSES" "$T" bf16_cl > "$W/base-b.log" 2>&1 & BASEB=$!
trap 'kill -TERM $OURS $BASEA $BASEB 2>/dev/null || true' EXIT
PA=$(wait_port "$W/base-a.log"); PB=$(wait_port "$W/base-b.log")
echo "bench-serve: ResNet-18, 224-px PNG, $T torch threads each, ${D}s per cell; ours serves a $PR$([ "$CL" = true ] && echo ' + channels_last') run: --workers $WK --threads $OT --max-batch $MB --max-wait-ms $MW"
echo "  A = torchvision fp32 NCHW no_grad, glibc's default allocator (the simplest baseline)"
echo "  B = the same server with our settings: bf16 autocast, channels_last, inference_mode, 1-channel conv1, TCP_NODELAY, our allocator settings"
echo "  host $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up all three (first requests pay allocation / primitive creation).
for p in "$PO /v1/predict" "$PA /predict" "$PB /predict"; do set -- $p; $PY tests/bench/serve/client.py "$1" 2 3 "$PNG" "$2" >/dev/null; done
printf '%-4s | %-22s | %-22s | %-22s | %-13s | %s\n' conc "ours: req/s p50 p99" "A: req/s p50 p99" "B: req/s p50 p99" "ours/A ours/B" "ours: batch fwd-ms/img decode-ms queue-ms (means)"
for c in 1 8 32; do
  o=$($PY tests/bench/serve/client.py "$PO" "$c" "$D" "$PNG")
  a=$($PY tests/bench/serve/client.py "$PA" "$c" "$D" "$PNG" /predict)
  b=$($PY tests/bench/serve/client.py "$PB" "$c" "$D" "$PNG" /predict)
  $PY - "$c" "$o" "$a" "$b" <<'PYEOF'
import json, sys
c, o, a, b = sys.argv[1], *(json.loads(x) for x in sys.argv[2:5])
cell = lambda r: f"{r['rps']:6.2f} {r['p50_ms']:6.0f} {r['p99_ms']:6.0f}"
errs = {k: r['errors'] for k, r in (("ours", o), ("A", a), ("B", b)) if r['errors']}
print(f"{c:<4} | {cell(o)}   | {cell(a)}   | {cell(b)}   | {o['rps']/a['rps']:5.2f}x {o['rps']/b['rps']:5.2f}x"
      f" | {o['mean_batch']:5.1f} {o['forward_ms_per_image']:6.1f} {o['decode_ms']:6.1f} {o['queue_ms']:6.0f}"
      + (f"  (errors: {errs})" if errs else ""))
PYEOF
done
kill -TERM $OURS; wait $OURS || true
grep -q "drained and stopped" "$W/ours.log" && echo "ours: SIGTERM -> drained and stopped" || { echo "ours did not stop cleanly:"; cat "$W/ours.log"; }
kill -TERM $BASEA $BASEB 2>/dev/null; wait $BASEA $BASEB 2>/dev/null || true
trap - EXIT
