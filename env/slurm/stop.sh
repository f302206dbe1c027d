#!/usr/bin/env bash
# Stops the daemons env/slurm/start.sh started, and only those: each is found through its pid file
# under $XRAYHPC_SLURM_DIR and checked to be the expected program before it is signalled. Never
# signals by name, so another Slurm or munge on the machine is left alone. Idempotent.
# `--purge` also removes the state folder (job state, logs, key).
set -uo pipefail

dir="${XRAYHPC_SLURM_DIR:-/tmp/xrayhpc-slurm}"
timeout_s="${XRAYHPC_SLURM_TIMEOUT:-30}"
say() { echo "env/slurm/stop.sh: $*" >&2; }

stop_one() { # name pidfile
  local name="$1" pidfile="$2" pid deadline
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -d "/proc/$pid" ] && grep -q "$name" "/proc/$pid/comm" 2>/dev/null; then
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(( $(date +%s) + timeout_s ))
    while [ -d "/proc/$pid" ] && grep -q "$name" "/proc/$pid/comm" 2>/dev/null; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        say "$name (pid $pid) ignored SIGTERM for ${timeout_s}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
}

# Compute daemon first (it ends its job steps), then the controller, then authentication.
for pidfile in "$dir"/run/slurmd*.pid; do [ -e "$pidfile" ] && stop_one slurmd "$pidfile"; done
stop_one slurmctld "$dir/run/slurmctld.pid"
stop_one munged "$dir/run/munged.pid"

if [ "${1:-}" = "--purge" ]; then
  rm -rf "$dir"
  say "removed $dir"
fi
