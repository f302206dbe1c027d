# Sourced by every jobs/*.sbatch script after its preamble has found the checkout (XRAYHPC_ROOT).
# Sets: root, xrayhpc (array: the command), job_id, run_dir, threads, ranks, mpi (openmpi|mpich, from
# jobs/lib/mpi.sh);
# redirects the script's output into $run_dir/job.log; defines launch_cmd (fills `launcher` with the MPI
# launcher for this allocation), run_forwarding (runs a command that a Slurm signal may stop) and
# requeue_or_stop (decides what exit 75, "checkpointed, please requeue", becomes).
#
# Environment a user may set (sbatch --export=ALL,NAME=... or exported before sbatch):
#   XRAYHPC_ROOT          the checkout (default: found by the script's preamble)
#   XRAYHPC               the program, may hold arguments (default $root/build/xrayhpc)
#   XRAYHPC_RUNS          where run folders go (default $SLURM_SUBMIT_DIR/runs; put it on scratch)
#   XRAYHPC_LAUNCHER      auto | srun | mpirun (default: the script's choice)
#   XRAYHPC_MPI           openmpi | mpich (default: what `mpirun --version` says)
#   XRAYHPC_MAX_RESTARTS  requeues allowed after a checkpoint-and-exit-75 (default 10)

root="$(cd "${XRAYHPC_ROOT:?the job script sets XRAYHPC_ROOT before sourcing jobs/lib/job-env.sh}" && pwd)"
export XRAYHPC_ROOT="$root"

# The program: XRAYHPC may hold a command with arguments (e.g. "dotnet /path/xrayhpc.dll").
if [ -n "${XRAYHPC:-}" ]; then
  read -r -a xrayhpc <<<"$XRAYHPC"
elif [ -x "$root/build/xrayhpc" ]; then
  xrayhpc=("$root/build/xrayhpc")
else
  echo "xrayhpc job: $root/build/xrayhpc not found: run 'make build' in $root first (or set XRAYHPC)" >&2; exit 2
fi

# Array tasks get <jobid>_<taskid> (the id Slurm shows), other jobs their job id. A requeued job keeps
# its id, so a restart finds its own run folder and checkpoints again.
if [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
  job_id="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
else
  job_id="${SLURM_JOB_ID:?not inside a Slurm job (submit with sbatch)}"
fi
# Runs go beside the submission (or to XRAYHPC_RUNS, e.g. scratch), not into the checkout, which is often
# a quota-limited home directory shared by every job.
runs_root="${XRAYHPC_RUNS:-${SLURM_SUBMIT_DIR:-$PWD}/runs}"
run_dir="$runs_root/$job_id"
mkdir -p "$run_dir"
echo "xrayhpc job $job_id: output in $run_dir (job.log, logs/, metrics.jsonl)"
exec >>"$run_dir/job.log" 2>&1
echo "=== $(date -u +%FT%TZ) job $job_id start (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_JOB_NODELIST:-?}"

# One torch thread per allocated CPU of the task; libtorch's OpenMP pool follows OMP_NUM_THREADS.
threads="${SLURM_CPUS_PER_TASK:-1}"
ranks="${SLURM_NTASKS:-1}"
export OMP_NUM_THREADS="$threads"
# shellcheck source=jobs/lib/mpi.sh
source "$root/jobs/lib/mpi.sh"
if [ "$mpi_overload_ok" = 1 ]; then echo "running as root or in CI: OpenMPI run-as-root and oversubscription allowed"; fi

# launch_cmd <mode>: fills the array `launcher` with the MPI launcher. Each rank gets $threads cores,
# bound, so the ranks of a node do not migrate onto each other's cores.
#   mpirun: the MPI's own launcher inside the allocation (reads the node list from Slurm).
#   srun:   srun --mpi=pmix (OpenMPI) or --mpi=pmi2 (MPICH): Slurm starts and binds the ranks.
#   auto:   srun when this Slurm has that PMI plugin, else mpirun.
launch_cmd() {
  local mode="${XRAYHPC_LAUNCHER:-$1}"
  if [ "$mode" = auto ]; then
    if srun --mpi=list 2>&1 | grep -qw "$srun_mpi"; then mode=srun; else mode=mpirun; fi
  fi
  case "$mode" in
    srun) launcher=(srun --mpi="$srun_mpi" --ntasks="$ranks" --cpus-per-task="$threads" --cpu-bind=cores --kill-on-bad-exit=1) ;;
    mpirun) mpirun_cmd "$ranks" "$threads" ;;   # Slurm sized the allocation: bind, never oversubscribe
    *) echo "xrayhpc job: XRAYHPC_LAUNCHER must be auto, srun or mpirun (got '$mode')" >&2; exit 2 ;;
  esac
  echo "launcher: ${launcher[*]} (MPI $mpi, ranks $ranks, threads per rank $threads)"
}

# run_forwarding <command...>: runs the command in the background and forwards SIGUSR1/SIGTERM/SIGINT to
# it, so a `#SBATCH --signal=B:USR1@N` reaches mpirun/srun (bash defers traps while a foreground child
# runs). Sets rc to the command's exit code. TERM and INT are forwarded as USR1: the ranks treat all alike
# (checkpoint, exit 75), but OpenMPI's mpirun answers its own SIGTERM or SIGINT by killing the ranks after
# ~2 s and exiting 1 (measured with 4.1; its man page: "Signal Propagation"), so only USR1 lets the
# checkpoint finish and the 75 reach this script.
run_forwarding() {
  "$@" &
  local child=$!
  trap "echo \"\$(date -u +%FT%TZ) received USR1: forwarding to the launcher (pid $child)\"; kill -USR1 $child 2>/dev/null || true" USR1
  trap "echo \"\$(date -u +%FT%TZ) received TERM: forwarding to the launcher (pid $child)\"; kill -USR1 $child 2>/dev/null || true" TERM
  trap "echo \"\$(date -u +%FT%TZ) received INT: forwarding to the launcher (pid $child)\"; kill -USR1 $child 2>/dev/null || true" INT
  set +e
  while :; do
    wait "$child"; rc=$?
    # 128+n from wait means a trapped signal interrupted it while the child still runs.
    if [ "$rc" -gt 128 ] && kill -0 "$child" 2>/dev/null; then continue; fi
    break
  done
  set -e
  trap - USR1 TERM INT
  echo "$(date -u +%FT%TZ) launcher exited with $rc"
}

# requeue_or_stop <rc>: exit 75 means every rank checkpointed and asked to be continued. With --requeue
# the job is requeued (at most XRAYHPC_MAX_RESTARTS times); otherwise it ends with 75 and says how to
# continue. Never ends COMPLETED unless the training itself finished.
requeue_or_stop() {
  local code="$1" max="${XRAYHPC_MAX_RESTARTS:-10}" restarts="${SLURM_RESTART_COUNT:-0}"
  [ "$code" -eq 75 ] || exit "$code"
  if [ "${requeue:-0}" != 1 ]; then
    echo "checkpointed and stopped (exit 75): continue with --resume and --set run.dir=$run_dir, or use jobs/train-preemptible.sbatch"
    exit 75
  fi
  if [ "$restarts" -ge "$max" ]; then
    echo "checkpointed, but the restart cap is reached (restart $restarts of XRAYHPC_MAX_RESTARTS=$max): not requeueing; exit 75"
    exit 75
  fi
  echo "checkpointed for requeue: scontrol requeue $SLURM_JOB_ID (restart $((restarts + 1)) of at most $max)"
  if scontrol requeue "$SLURM_JOB_ID"; then exit 0; fi
  # When the scheduler pre-empts a job with PreemptMode=REQUEUE it requeues the job itself and our
  # request fails; either way the job must not end COMPLETED, so the checkpoint's 75 stays its code.
  echo "scontrol requeue failed (Slurm may be requeueing the job itself); exit 75"
  exit 75
}

# The experiment YAML is the first script argument; the rest go to `xrayhpc train` unchanged.
need_experiment() {
  [ -n "${1:-}" ] || { echo "usage: sbatch $0 <experiment.yaml> [--set key=value ...]" >&2; exit 2; }
  [ -f "$1" ] || { echo "xrayhpc job: experiment file '$1' not found (relative paths are relative to the submit directory ${SLURM_SUBMIT_DIR:-$PWD})" >&2; exit 2; }
}

# resume_args: --resume when this run folder already holds a run (a requeued or resubmitted job). A run
# folder with a config but no checkpoint yet (a start that failed early) also needs --resume: train refuses
# to write into a non-empty run folder without it, and --resume there checks the config and starts fresh.
resume_args() {
  resume=()
  if [ -s "$run_dir/checkpoints/latest" ]; then
    resume=(--resume)
    echo "resuming from checkpoint $(cat "$run_dir/checkpoints/latest") (restart ${SLURM_RESTART_COUNT:-0})"
  elif [ -f "$run_dir/config.resolved.yaml" ]; then
    resume=(--resume)
    echo "run folder $run_dir holds a run without a checkpoint: --resume starts it fresh (restart ${SLURM_RESTART_COUNT:-0})"
  fi
}
