#!/usr/bin/env bash
# make bench-loader: (1) preprocess throughput per core — decode + antialiased resize of 1024×1024
# JPEG (Kermany layout), PNG (NIH) and DICOM (RSNA) down to 224 px on one thread, ours beside PIL
# (draft-mode JPEG + BILINEAR resize; PIL reads no DICOM, so DICOM has no oracle), plus the whole
# `xrayhpc preprocess --threads 1` per layout (process start-up included); (2) loader batches/s
# (batch 32, 224 px, augmentation on, 1 background thread) beside how fast PyTorch ResNet-18 bf16
# (channels_last, batch 16, 2 threads) trains, measured in the same run, with glibc's default malloc and with
# the allocator settings our shim applies (GLIBC_TUNABLES; the faster of the two sets the bar the loader must clear). Probes are interleaved per
# round; medians over ROUNDS. Writes build/bench/loader.md and prints it.
# ROUNDS=3, COUNT=32 (images per layout at 1024 px), LOADER_BATCHES=48, RESNET_STEPS=6 override.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
cfg=${CONFIG:-Release}
rounds=${ROUNDS:-3}; count=${COUNT:-32}; batches=${LOADER_BATCHES:-48}; steps=${RESNET_STEPS:-6}
out="$root/build/bench/loader"; mkdir -p "$out"
raw="$out/results.raw"; : >"$raw"
xr=(dotnet "$root/src/XRayHpc.Cli/bin/$cfg/net10.0/xrayhpc.dll")
dotnet build tests/bench/loader -c "$cfg" --nologo -v:q -clp:ErrorsOnly >/dev/null
app=(dotnet "$root/tests/bench/loader/bin/$cfg/net10.0/XRayHpc.Bench.Loader.dll")
py=/usr/bin/python3
# The glibc tunables equal to our shim's mallopt settings, read from their one definition.
tunables=$(grep -o 'glibc\.malloc[^"]*' src/XRayHpc.Torch/RuntimeInfo.cs)
[ -n "$tunables" ] || { echo "bench-loader: EquivalentGlibcTunables not found in src/XRayHpc.Torch/RuntimeInfo.cs"; exit 1; }
$py -c "import PIL, torch, torchvision" || { echo "bench-loader: /usr/bin/python3 lacks PIL/torch/torchvision"; exit 1; }

# Synthetic data only, so a fixed salt is fine here (never do this with real patient ids).
salt="$out/salt"; echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >"$salt"
big="$out/raw1024-$count"
if [ ! -f "$big/.done" ]; then
  rm -rf "$big"; echo "bench-loader: generating $count images per layout at 1024 px (once)"
  "${xr[@]}" synth --layout all --out "$big" --size 1024 --count "$count" --seed 1 >/dev/null
  touch "$big/.done"
fi
cache="$out/cache224"
if [ ! -f "$cache/manifest.yaml" ]; then
  echo "bench-loader: building a 224 px loader cache from 512 synthetic NIH images (once)"
  rm -rf "$out/raw256" "$cache"
  "${xr[@]}" synth --layout nih --out "$out/raw256" --size 256 --count 512 --seed 2 >/dev/null
  "${xr[@]}" preprocess --layout nih --input "$out/raw256" --output "$cache" --size 224 --val-fraction 0.05 \
    --test-fraction 0.05 --salt-file "$salt" --threads 2 2>&1 | tail -1
fi

formats=("jpeg:chestxray2017" "png:nih" "dcm:rsna")
for r in $(seq "$rounds"); do
  for f in "${formats[@]}"; do
    ext=${f%%:*}; layout=${f##*:}
    "${app[@]}" decode "$big/$layout" "$ext" 224 | grep '^RESULT' >>"$raw"
    [ "$ext" = dcm ] || $py tests/bench/loader/pil_decode.py "$big/$layout" "$ext" 224 | grep '^RESULT' >>"$raw"
    t0=$(date +%s.%N)
    "${xr[@]}" preprocess --layout "$layout" --input "$big/$layout" --output "$out/e2e-$layout" --size 224 \
      --salt-file "$salt" --threads 1 2>/dev/null
    t1=$(date +%s.%N)
    n=$(find "$big/$layout" -name "*.$ext" | wc -l)
    echo "RESULT e2e-$ext $n $(echo "$t1 - $t0" | bc -l)" >>"$raw"
    rm -rf "$out/e2e-$layout"
  done
  "${app[@]}" loader "$cache" 32 "$batches" | grep '^RESULT' >>"$raw"
  env -u GLIBC_TUNABLES $py tests/bench/loader/resnet_step.py "$steps" | grep '^RESULT' >>"$raw"
  GLIBC_TUNABLES="$tunables" $py tests/bench/loader/resnet_step.py "$steps" | grep '^RESULT' | sed 's/^RESULT resnet /RESULT resnet-tuned /' >>"$raw"
  echo "bench-loader: round $r/$rounds done" >&2
done

$py - "$raw" "$rounds" "$count" >"$root/build/bench/loader.md" <<'PY'
import statistics, sys
from collections import defaultdict
rate = defaultdict(list)
for line in open(sys.argv[1]):
    _, what, n, s, *_ = line.split()
    rate[what].append(float(n) / float(s))
med = {k: statistics.median(v) for k, v in rate.items()}
print(f"# Loader benchmark (medians of {sys.argv[2]} interleaved rounds; {sys.argv[3]} images per format)\n")
print("## Preprocess, one core: decode 1024x1024 + antialiased resize to 224 px\n")
print("| format | ours img/s | PIL img/s | ours / PIL | `xrayhpc preprocess --threads 1` img/s (incl. start-up, write, sha256) |")
print("|---|---:|---:|---:|---:|")
for ext, name in (("jpeg", "JPEG (reduced-DCT decode)"), ("png", "PNG 8-bit"), ("dcm", "DICOM")):
    ours, pil, e2e = med.get(f"decode-{ext}"), med.get(f"pil-{ext}"), med.get(f"e2e-{ext}")
    print(f"| {name} | {ours:.1f} | {pil:.1f} | {ours / pil:.2f}x |" if pil else f"| {name} | {ours:.1f} | n/a | n/a |", f" {e2e:.1f} |")
lb = med["loader"]; rn = med["resnet"]; rt = med["resnet-tuned"]
print("\n## Loader vs training consumption\n")
print("| loader batches/s (32 x 224 px, augment, 1 thread) | loader img/s | PyTorch ResNet-18 bf16 train img/s (default malloc / same allocator settings as ours) | ratio to the faster (target >= 10x) |")
print("|---:|---:|---:|---:|")
print(f"| {lb:.2f} | {lb * 32:.0f} | {rn:.1f} / {rt:.1f} | {lb * 32 / max(rn, rt):.1f}x |")
PY
cat "$root/build/bench/loader.md"
