#!/usr/bin/env bash
# GPU checks, for a machine with an NVIDIA GPU, its driver, and a CUDA-enabled PyTorch/libtorch.
# NOT run in CI and never run by the project so far (no GPU was available): run it unchanged there:
#
#   tests/gpu/run.sh                  # TORCH_DIR=… (default: python3's torch), MPICC=… as for make
#
# Steps, each printing PASS/FAIL; exit status non-zero if any failed:
#   1. build the shim with XRAYHPC_CUDA=ON against the CUDA libtorch and the managed code;
#   2. the shim sees the GPU (torch.cuda.device_count > 0, the built/loaded libtorch match);
#   3. the Torch test project on this build: DeviceChoice resolves run.device=auto to cuda:0 here, and the
#      engine's oracle tests (logits/gradients against PyTorch) run with the CUDA build of libtorch;
#   4. 2 ranks sharing the GPU through mpirun: node-local ranks from the MPI shared-memory split, and the
#      data-parallel exchange (bit-identical replicas, equivalence to one big batch);
#   5. the trainer on the GPU (tests/gpu/train.sh): 2 ranks sharing it with run.device: cuda and
#      precision.dtype: fp16, an injected gradient overflow that must be skipped and counted (overflow_steps in
#      summary.json and metrics.jsonl), the checkpoint evaluated on the CPU, and a short PBT run;
#   6. make bench-engine with BENCH_DEVICE=cuda (our engine vs PyTorch on the same GPU) — counted as a failure
#      while the engine benchmark has no BENCH_DEVICE switch.
set -uo pipefail
cd "$(dirname "$0")/../.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail=0
step() { # name, command...
  local name="$1"; shift
  echo "== $name"
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; fail=1; fi
}
command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "(nvidia-smi not found)"
step "build (XRAYHPC_CUDA=ON)" make build XRAYHPC_CUDA=ON ${TORCH_DIR:+TORCH_DIR=$TORCH_DIR}
step "shim sees the GPU" dotnet test tests/XRayHpc.Torch.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~DeviceChoiceTests.ThisProcessResolvesAutoFromTheShimsAnswers|FullyQualifiedName~TorchBuildTests"
step "Torch tests on the CUDA build" tests/run.sh Torch
step "2 ranks on one node: local ranks and data-parallel exchange" \
  env FILTER="FullyQualifiedName~NodeLocalRank|FullyQualifiedName~DataParallel" tests/run.sh Mpi
step "xrayhpc train on the GPU: fp16, 2 ranks sharing it, overflow skip, PBT" tests/gpu/train.sh
if grep -rq BENCH_DEVICE tests/bench/engine.sh tests/bench/engine/; then
  step "bench-engine on the GPU" env BENCH_DEVICE=cuda make bench-engine
else
  echo "== bench-engine on the GPU: NOT RUN (tests/bench/engine has no BENCH_DEVICE support yet)"; fail=1
fi
[ "$fail" -eq 0 ] && echo "tests/gpu/run.sh: all steps passed" || echo "tests/gpu/run.sh: some steps FAILED"
exit $fail
