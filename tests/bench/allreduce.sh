#!/usr/bin/env bash
# make bench-allreduce: in-place float32 sum allreduce, 1 KB .. 100 MB on 2 and 4 ranks, ours (the C
# shim through XRayHpc.Mpi, reused 2 MiB-aligned buffer) beside mpi4py (/usr/bin/python3, Debian's
# python3-mpi4py on the same OpenMPI, reused numpy buffer), launched alternately per size and round,
# both under the same OpenMPI settings (our allreduce rules file). Medians over all timed iterations.
# Then the effect of the tuning at 47 MB, and the share of a 2-rank ResNet-18 step spent exchanging
# gradients. Writes build/bench/allreduce.md and prints it.
# Also what run.collective_timeout costs: ours with the collective watch off and on, alternated, at a few
# sizes and in the ResNet-18 step.
# ROUNDS=3 (launches per size and implementation), SIZES="1024 ..." and RESNET_STEPS=8 override;
# ONLY=watch runs only the collective-timeout comparison.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 TERM=dumb
rounds=${ROUNDS:-3}
sizes=(${SIZES:-1024 4096 16384 65536 262144 1048576 4194304 16777216 47000000 104857600})
resnet_steps=${RESNET_STEPS:-8}
rules="$root/src/XRayHpc.Mpi/ompi-allreduce-rules.conf"
out_dir="$root/build/bench"; mkdir -p "$out_dir"
raw="$out_dir/allreduce.raw"; : >"$raw"

dotnet build tests/bench/allreduce -c "${CONFIG:-Release}" --nologo -v:q -clp:ErrorsOnly >/dev/null
app="$root/tests/bench/allreduce/bin/${CONFIG:-Release}/net10.0/XRayHpc.Bench.Allreduce.dll"
py=(/usr/bin/python3 "$root/tests/bench/allreduce/allreduce_mpi4py.py")
/usr/bin/python3 -c "import mpi4py, numpy" || { echo "bench-allreduce: /usr/bin/python3 lacks mpi4py/numpy (apt-get install python3-mpi4py)"; exit 1; }

iterations() { # fewer iterations for big messages; enough for a stable median on small ones
  local b=$1
  if   [ "$b" -le 65536 ]; then echo 200
  elif [ "$b" -le 4194304 ]; then echo 40
  else echo 6; fi
}
# tag, ranks, command...: runs one launch, keeps its RESULT line tagged
launch() {
  local tag=$1 n=$2; shift 2
  local lines
  lines=$(timeout 300 mpirun -np "$n" "$@" | grep '^RESULT') || { echo "bench-allreduce: launch failed: $*" >&2; exit 1; }
  sed "s/^/$tag /" <<<"$lines" >>"$raw"
}

same_mpi=(env OMPI_MCA_coll_tuned_use_dynamic_rules=1 OMPI_MCA_coll_tuned_dynamic_rules_filename="$rules")

# Collective watch off vs on (run.collective_timeout), same binary, alternated launches.
for b in 4 4096 1048576 47000000; do
  it=$(iterations "$b")
  echo "collective watch: 2 ranks, $b bytes, $rounds rounds x $it iterations, off and on" >&2
  for ((r = 0; r < rounds; r++)); do
    launch watch-off 2 "${same_mpi[@]}" dotnet "$app" allreduce "$b" "$it"
    launch watch-on 2 "${same_mpi[@]}" XRAYHPC_BENCH_COLLECTIVE_TIMEOUT=600 dotnet "$app" allreduce "$b" "$it"
  done
done
for ((r = 0; r < rounds; r++)); do
  launch resnet 2 env XRAYHPC_BENCH_OVERLAP=0 dotnet "$app" resnet-step "$resnet_steps" 128 16
  launch resnet 2 env XRAYHPC_BENCH_OVERLAP=0 XRAYHPC_BENCH_COLLECTIVE_TIMEOUT=600 dotnet "$app" resnet-step "$resnet_steps" 128 16
done
if [ "${ONLY:-}" = watch ]; then
  /usr/bin/python3 "$root/tests/bench/allreduce/report.py" "$raw" | tee "$out_dir/allreduce-watch.md"
  exit 0
fi

for n in 2 4; do
  for b in "${sizes[@]}"; do
    it=$(iterations "$b")
    echo "allreduce: $n ranks, $b bytes, $rounds rounds x $it iterations" >&2
    for ((r = 0; r < rounds; r++)); do
      # Alternate who goes first so neither side always runs on a cooler machine.
      if (( r % 2 == 0 )); then
        launch same "$n" "${same_mpi[@]}" dotnet "$app" allreduce "$b" "$it"
        launch same "$n" "${same_mpi[@]}" "${py[@]}" "$b" "$it"
      else
        launch same "$n" "${same_mpi[@]}" "${py[@]}" "$b" "$it"
        launch same "$n" "${same_mpi[@]}" dotnet "$app" allreduce "$b" "$it"
      fi
    done
  done
done

# The tuning at ResNet-18's gradient size: OpenMPI defaults vs our rules file, both implementations.
b=47000000
echo "tuning: 2 ranks, $b bytes" >&2
for ((r = 0; r < rounds; r++)); do
  launch tune-default 2 env XRAYHPC_MPI_TUNE=0 dotnet "$app" allreduce "$b" 6
  launch tune-default 2 "${py[@]}" "$b" 6
  launch tune-rules 2 "${same_mpi[@]}" dotnet "$app" allreduce "$b" 6
  launch tune-rules 2 "${same_mpi[@]}" "${py[@]}" "$b" 6
done

# ResNet-18 data-parallel steps, pipelined (Iallreduce per bucket) and blocking exchange alternated.
echo "resnet-18: 2 ranks, $resnet_steps steps x $rounds rounds per mode" >&2
for ((r = 0; r < rounds; r++)); do
  launch resnet 2 env XRAYHPC_BENCH_OVERLAP=1 dotnet "$app" resnet-step "$resnet_steps" 128 16
  launch resnet 2 env XRAYHPC_BENCH_OVERLAP=0 dotnet "$app" resnet-step "$resnet_steps" 128 16
done

/usr/bin/python3 "$root/tests/bench/allreduce/report.py" "$raw" | tee "$out_dir/allreduce.md"
