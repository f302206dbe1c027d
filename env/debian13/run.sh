#!/usr/bin/env bash
# `make test-debian13` / `make bench-engine-debian13`: runs a make target of this worktree on Debian 13
# (libtorch 2.6, PyTorch 2.6 oracle, OpenMPI 5, MPICH 4, Slurm 24.11) inside the root made by root.sh.
#
#   env/debian13/run.sh TARGET...        e.g. env/debian13/run.sh test
#   FILTER='FullyQualifiedName~FailureTests' TEST_PROJECTS=Mpi env/debian13/run.sh test   # a subset
#
# The root is entered with an empty environment (enter.sh); only the test-selection variables below are
# passed in: FILTER, TEST_PROJECTS (tests/run.sh's project list), TEST_HANG_TIMEOUT, TEST_PROJECT_TIMEOUT,
# ONEDNN_MAX_CPU_ISA (see below), and bench-engine's BENCH_* sizes (tests/bench/engine.sh).
# The worktree is copied (rsync, without build outputs) to /root/xrayhpc inside the root, so the Debian 13
# build never overwrites the host's build/ and bin/obj folders, and is incremental between calls.
# Local Slurm inside uses its own ports and folder: the network namespace is shared with the host,
# whose own test Slurm may be running on the default ones.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${XRAYHPC_DEBIAN13_ROOT:-$repo/build/debian13}"
[ $# -gt 0 ] || set -- test
pass=()
for v in FILTER TEST_PROJECTS TEST_HANG_TIMEOUT TEST_PROJECT_TIMEOUT ONEDNN_MAX_CPU_ISA BENCH_SIZES BENCH_ROUNDS BENCH_WARMUP BENCH_STEPS BENCH_THREADS BENCH_BATCH; do
  [ -n "${!v:-}" ] && pass+=("$v=${!v}")
done
start=$(date +%s)
"$here/root.sh" "$dir"
echo "== Debian 13 root ready ($(( $(date +%s) - start )) s); running make $* inside${pass[*]:+ (${pass[*]})}" >&2
"$here/enter.sh" "$dir" --src "$repo" -- /usr/bin/env "${pass[@]}" bash -euo pipefail -c '
  rsync -a --delete --exclude=/build/ --exclude=bin/ --exclude=obj/ --exclude=.git \
    --exclude=/tests/interop/node_modules/ /mnt/xrayhpc-src/ /root/xrayhpc/
  cd /root/xrayhpc
  export XRAYHPC_SLURMCTLD_PORT=26817 XRAYHPC_SLURMD_PORT=26818 XRAYHPC_SLURM_DIR=/tmp/xrayhpc-slurm
  # The 2-node Slurm test's OpenMPI settings (its nodes share this host) come from env/slurm/start.sh, as on the host.
  # oneDNN 3.6 (libtorch/PyTorch 2.6) computes channels_last convolutions wrongly with its AVX-512 kernels on
  # the test machine (an AMD EPYC VM whose sysfs shows no CPU cache topology): PyTorch 2.6 itself gives resnet18
  # logits 0.13 (relative) apart between channels_last and contiguous, 7e-7 with AVX2 kernels. Override with
  # ONEDNN_MAX_CPU_ISA=ALL on a machine where the AVX-512 kernels are right.
  export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
  v() { dpkg-query -W -f="\${Version}" "$1"; }
  echo "debian $(cat /etc/debian_version): libtorch $(v libtorch-dev), python3-torch $(v python3-torch), openmpi $(v openmpi-bin), mpich $(v mpich), slurm $(v slurmctld)" >&2
  make "$@"
' run "$@"
echo "== make $* on Debian 13: $(( $(date +%s) - start )) s in total" >&2
