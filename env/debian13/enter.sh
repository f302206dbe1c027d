#!/usr/bin/env bash
# Runs a command inside the Debian 13 root made by root.sh, in private mount and PID namespaces:
# every mount made here and every process started inside (munged, slurmd, stray ranks) ends with the
# command, so nothing is left running or mounted on the host.
#
#   env/debian13/enter.sh DIR [--src WORKTREE] -- CMD ...
#
# Bind-mounted: the host's .NET SDK (not a Debian package; runs on trixie's newer glibc) at the same
# path, the host's NuGet package cache, and with --src the worktree read-only at /mnt/xrayhpc-src.
# The network namespace is the host's (apt, npm and NuGet need it), so local services inside use
# their own ports (see run.sh).
set -euo pipefail
dir="$(cd "${1:?usage: enter.sh DIR [--src WORKTREE] -- CMD ...}" && pwd)"; shift
src=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    --src) src="$(cd "$2" && pwd)"; shift 2 ;;
    *) echo "enter.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || set -- bash
[ "$(id -u)" -eq 0 ] || { echo "env/debian13/enter.sh: needs root (chroot, mount namespaces)" >&2; exit 1; }

sdk=""
if command -v dotnet >/dev/null 2>&1; then sdk="$(dirname "$(readlink -f "$(command -v dotnet)")")"; fi
nuget="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
cp -L /etc/hosts "$dir/etc/hosts" 2>/dev/null || true

export XR_DIR="$dir" XR_SRC="$src" XR_SDK="$sdk" XR_NUGET="$nuget"
exec unshare --mount --pid --fork --propagation private bash -euo pipefail -c '
  mount -t proc proc "$XR_DIR/proc"
  mount --rbind /sys "$XR_DIR/sys"
  mount --rbind /dev "$XR_DIR/dev"
  mkdir -p "$XR_DIR/dev/shm" && mount -t tmpfs -o size=4g tmpfs "$XR_DIR/dev/shm"
  if [ -n "$XR_SDK" ]; then
    mkdir -p "$XR_DIR$XR_SDK" && mount --bind -o ro "$XR_SDK" "$XR_DIR$XR_SDK"
    ln -sf "$XR_SDK/dotnet" "$XR_DIR/usr/local/bin/dotnet"
  fi
  if [ -d "$XR_NUGET" ]; then mkdir -p "$XR_DIR/root/.nuget/packages" && mount --bind "$XR_NUGET" "$XR_DIR/root/.nuget/packages"; fi
  # The host'"'"'s trust store: a site or sandbox HTTPS proxy signs with its own CA (npm, NuGet, apt over https).
  if [ -f /etc/ssl/certs/ca-certificates.crt ] && [ -f "$XR_DIR/etc/ssl/certs/ca-certificates.crt" ]; then
    mount --bind -o ro /etc/ssl/certs/ca-certificates.crt "$XR_DIR/etc/ssl/certs/ca-certificates.crt"
  fi
  if [ -n "$XR_SRC" ]; then mkdir -p "$XR_DIR/mnt/xrayhpc-src" && mount --bind -o ro "$XR_SRC" "$XR_DIR/mnt/xrayhpc-src"; fi
  exec chroot "$XR_DIR" /usr/bin/env -i HOME=/root USER=root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DOTNET_ROOT="$XR_SDK" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt} "$@"
' enter "$@"
