# MPI launcher selection, shared by the Slurm job scripts (through jobs/lib/job-env.sh), jobs/demo.sh and
# jobs/compare-tuners.sh. Sets `mpi` (openmpi | mpich: XRAYHPC_MPI, else what `mpirun --version` says)
# and `srun_mpi` (Slurm's PMI plugin for it: pmix for OpenMPI, pmi2 for MPICH); defines mpirun_cmd.

# Debian's OpenMPI refuses to run as root; CI containers run as root on fewer cores than ranks. Only
# there: on a cluster, oversubscription would hide a wrongly sized allocation (8 ranks in a 4-task job).
mpi_overload_ok=0
if [ "$(id -u)" -eq 0 ] || [ -n "${CI:-}" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  mpi_overload_ok=1
fi

mpi="${XRAYHPC_MPI:-}"
if [ -z "$mpi" ]; then
  case "$(mpirun --version 2>&1)" in
    *HYDRA*|*MPICH*) mpi=mpich ;;
    *) mpi=openmpi ;;   # Open MPI, or no mpirun at all (then only srun --mpi=pmix can start ranks)
  esac
fi
case "$mpi" in
  openmpi) srun_mpi=pmix ;;
  mpich) srun_mpi=pmi2 ;;
  *) echo "xrayhpc: XRAYHPC_MPI must be openmpi or mpich (got '$mpi')" >&2; exit 2 ;;
esac

# mpirun_cmd <ranks> <threads per rank> [cores]: fills the array `launcher` with the MPI's own launcher,
# each rank mapped onto <threads> cores of its own and bound to them (unbound ranks and their torch
# threads migrate onto each other's cores). When [cores] is given (outside Slurm: this machine's) and the
# ranks need more than that, binding is impossible: only root/CI may oversubscribe, unbound.
mpirun_cmd() {
  local n="$1" t="$2" cores="${3:-}"
  if [ -n "$cores" ] && [ $((n * t)) -gt "$cores" ]; then
    if [ "$mpi_overload_ok" != 1 ]; then
      echo "xrayhpc: $n ranks x $t threads need $((n * t)) cores, this machine has $cores (oversubscription is allowed only as root or with CI set)" >&2
      exit 2
    fi
    case "$mpi" in
      openmpi) launcher=(mpirun -np "$n" --bind-to none -x OMP_NUM_THREADS -x XRAYHPC_ROOT) ;;
      mpich) launcher=(mpirun -n "$n" -bind-to none) ;;
    esac
    return
  fi
  case "$mpi" in
    openmpi) launcher=(mpirun -np "$n" --map-by "slot:PE=$t" --bind-to core -x OMP_NUM_THREADS -x XRAYHPC_ROOT) ;;
    # Hydra passes the whole environment by default; -bind-to core:N gives each rank N cores.
    mpich) launcher=(mpirun -n "$n" -bind-to "core:$t") ;;
  esac
}
