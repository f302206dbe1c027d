# Sourced by every jobs/*.sbatch script (Slurm runs a copy of the batch script from its spool folder,
# so the scripts find the repository through XRAYHPC_ROOT, else the submit directory).
# Sets: root, xrayhpc (array: the command), job_id, run_dir, threads, ranks; redirects the script's
# output into $run_dir/job.log; defines launch_cmd (the MPI launcher for this allocation).

root="${XRAYHPC_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}"
export XRAYHPC_ROOT="$root"
[ -d "$root/jobs" ] || { echo "xrayhpc job: cannot find the XRayHpc checkout (set XRAYHPC_ROOT; tried $root)" >&2; exit 2; }

# The program: XRAYHPC may hold a command with arguments (e.g. "dotnet /path/xrayhpc.dll").
if [ -n "${XRAYHPC:-}" ]; then
  read -r -a xrayhpc <<<"$XRAYHPC"
elif [ -x "$root/build/xrayhpc" ]; then
  xrayhpc=("$root/build/xrayhpc")
else
  echo "xrayhpc job: $root/build/xrayhpc not found: run 'make build' first (or set XRAYHPC)" >&2; exit 2
fi

# Array tasks get <jobid>_<taskid> (the id Slurm shows), other jobs their job id. A requeued job keeps
# its id, so a restart finds its own run folder and checkpoints again.
if [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  job_id="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
else
  job_id="${SLURM_JOB_ID:?not inside a Slurm job (submit with sbatch)}"
fi
runs_root="${XRAYHPC_RUNS:-$root/runs}"
run_dir="$runs_root/$job_id"
mkdir -p "$run_dir"
echo "xrayhpc job $job_id: output in $run_dir (job.log, logs/, metrics.jsonl)"
exec >>"$run_dir/job.log" 2>&1
echo "=== $(date -u +%FT%TZ) job $job_id start (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_JOB_NODELIST:-?}"

# One torch thread per allocated CPU of the task; libtorch's OpenMP pool follows OMP_NUM_THREADS.
threads="${SLURM_CPUS_PER_TASK:-1}"
ranks="${SLURM_NTASKS:-1}"
export OMP_NUM_THREADS="$threads"
# Debian's OpenMPI refuses root and oversubscription unless told (CI containers run as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

# launch_cmd <mode>: fills the array `launcher` with the MPI launcher.
#   mpirun: OpenMPI/MPICH mpirun inside the allocation (reads the node list from Slurm).
#   srun:   srun --mpi=pmix (Slurm starts the ranks; works with Debian's OpenMPI, not with MPICH).
#   auto:   srun when Slurm has the pmix plugin and mpirun is OpenMPI, else mpirun.
launch_cmd() {
  local mode="${XRAYHPC_LAUNCHER:-$1}"
  if [ "$mode" = auto ]; then
    if srun --mpi=list 2>&1 | grep -q pmix && mpirun --version 2>&1 | grep -q 'Open MPI'; then mode=srun; else mode=mpirun; fi
  fi
  case "$mode" in
    srun)   launcher=(srun --mpi=pmix --ntasks="$ranks" --cpus-per-task="$threads" --kill-on-bad-exit=1) ;;
    mpirun) launcher=(mpirun -np "$ranks" --bind-to none -x OMP_NUM_THREADS -x XRAYHPC_ROOT) ;;
    *) echo "xrayhpc job: XRAYHPC_LAUNCHER must be auto, srun or mpirun (got '$mode')" >&2; exit 2 ;;
  esac
  echo "launcher: ${launcher[*]} (ranks $ranks, threads per rank $threads)"
}

# The experiment YAML is the first script argument; the rest go to `xrayhpc train` unchanged.
need_experiment() {
  [ -n "${1:-}" ] || { echo "usage: sbatch $0 <experiment.yaml> [--set key=value ...]" >&2; exit 2; }
  [ -f "$1" ] || { echo "xrayhpc job: experiment file '$1' not found (relative paths are relative to the submit directory)" >&2; exit 2; }
}
