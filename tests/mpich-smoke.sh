#!/usr/bin/env bash
# Builds the MPI shim with MPICH's compiler wrapper into build/native-mpich and runs the collectives
# scenario on 2 ranks under MPICH's launcher, with XRAYHPC_MPI_LIB making .NET load that build instead
# of the OpenMPI one next to the assemblies. Then checks the mismatch guard: MPICH's launcher with
# the OpenMPI build must fail loudly instead of running two 1-rank jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/build/native-mpich"
app="$root/tests/XRayHpc.Mpi.TestApp/bin/${CONFIG:-Release}/net10.0/XRayHpc.Mpi.TestApp.dll"
launcher=$(command -v mpiexec.mpich || command -v mpirun.mpich || true)
[ -n "$launcher" ] || { echo "mpich-smoke: MPICH launcher (mpiexec.mpich) not found: apt-get install mpich"; exit 1; }
command -v mpicc.mpich >/dev/null || { echo "mpich-smoke: mpicc.mpich not found: apt-get install libmpich-dev"; exit 1; }

make -s -C src/native/mpi OUT="$out" MPICC=mpicc.mpich
[ -f "$app" ] || dotnet build tests/XRayHpc.Mpi.TestApp -c "${CONFIG:-Release}" --nologo -v:q -clp:ErrorsOnly
export TERM=dumb

log=$(mktemp); trap 'rm -f "$log"' EXIT
echo "== MPICH build, MPICH launcher: 2-rank collectives"
if ! XRAYHPC_MPI_LIB="$out/libxrayhpc_mpi.so" timeout 120 "$launcher" -np 2 dotnet "$app" collectives >"$log" 2>&1; then
  cat "$log"; echo "mpich-smoke: FAILED (collectives under MPICH)"; exit 1
fi
grep -q "PASS collectives rank 0 size 2" "$log" && grep -q "PASS collectives rank 1 size 2" "$log" \
  || { cat "$log"; echo "mpich-smoke: FAILED (no PASS from both ranks)"; exit 1; }
XRAYHPC_MPI_LIB="$out/libxrayhpc_mpi.so" timeout 60 "$launcher" -np 2 dotnet "$app" hello >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -m1 HELLO "$log"

echo "== OpenMPI build under the MPICH launcher must refuse to run"
if XRAYHPC_MPI_LIB= timeout 60 "$launcher" -np 2 dotnet "$app" hello >"$log" 2>&1; then
  cat "$log"; echo "mpich-smoke: FAILED (mismatched launcher/library was not detected)"; exit 1
fi
grep -q "MPI world size mismatch" "$log" || { cat "$log"; echo "mpich-smoke: FAILED (no mismatch message)"; exit 1; }
grep -m1 -o "MPI world size mismatch: [^.]*" "$log"
echo "mpich-smoke: OK"
