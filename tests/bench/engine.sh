#!/usr/bin/env bash
# make bench-engine: ResNet-18 training step (batch 16; 224 and 128 px; fp32 vs bf16 autocast;
# contiguous vs channels_last), our engine beside PyTorch (/usr/bin/python3 + torchvision) in the same
# run, interleaved, medians. PyTorch runs twice per configuration: with glibc's default malloc, and with
# GLIBC_TUNABLES set to the allocator settings our shim applies (RuntimeInfo.EquivalentGlibcTunables), so the
# ratio that counts (ours / PyTorch same allocator) credits us with nothing a PyTorch user cannot also set. Tunables: BENCH_THREADS (2), BENCH_BATCH (16), BENCH_SIZES (224,128),
# BENCH_WARMUP (2), BENCH_ROUNDS (3), BENCH_STEPS (steps per block, 2), BENCH_PEAK_GFLOPS (900),
# BENCH_PASS (train; infer = an eval forward pass without gradients, set up as `serve` and the serving bench's
# settings-matched baseline set it up), BENCH_IN_CHANNELS (3 as torchvision; 1 = the grey-film stem our runs train),
# BENCH_CLASSES (1000).
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build tests/bench/engine -c "${CONFIG:-Release}" --nologo -v:q -clp:ErrorsOnly >/dev/null
echo "BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
echo "libtorch: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo '?')  host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
exec dotnet "tests/bench/engine/bin/${CONFIG:-Release}/net10.0/XRayHpc.Bench.Engine.dll"
