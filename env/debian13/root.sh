#!/usr/bin/env bash
# Creates (once) a Debian 13 "trixie" root filesystem with the packages the tests need, for
# `make test-debian13`: libtorch 2.6, PyTorch 2.6 + torchvision 0.21 (oracle), OpenMPI 5, MPICH 4,
# Slurm 24.11. Debian 12's glibc (2.36) is too old for these packages, so they live in their own root.
#
#   env/debian13/root.sh DIR        # DIR/.xrayhpc-ready marks a finished root; a second call returns at once
#
# The package list is env/packages.txt (renamed by packages.sed where trixie differs) plus extra.txt, so a
# package added for the tests reaches both platforms. A half-made root (interrupted run) is removed first.
# Needs root (mmdebstrap in root mode) and the Debian mirror; takes a few minutes and about 3 GB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: root.sh DIR}"
mirror="${XRAYHPC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
stamp="$dir/.xrayhpc-ready"

list() { sed -e 's/#.*//' "$@" | awk 'NF {print $1}'; }
pkgs=$( { list "$here/../packages.txt" | sed -f "$here/packages.sed"; list "$here/extra.txt"; } | sort -u | paste -sd, )
want=$(echo "$pkgs" | sha256sum | cut -c1-16)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
if [ -f "$stamp" ]; then
  # Same root, longer list: install only what was added (apt inside the root), keep the rest.
  echo "env/debian13/root.sh: package list changed; installing into $dir" >&2
  # mmdebstrap leaves no package lists behind: update first.
  "$here/enter.sh" "$dir" -- bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(echo "$pkgs" | tr , ' ')"
  echo "$want" > "$stamp"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "env/debian13/root.sh: needs root (mmdebstrap, chroot)" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "env/debian13/root.sh: mmdebstrap missing (env/setup.sh installs it)" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
echo "env/debian13/root.sh: creating Debian 13 root in $dir (a few minutes)" >&2
start=$(date +%s)
mmdebstrap --variant=apt --components=main,contrib,non-free --include="$pkgs" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  trixie "$dir" "$mirror"
echo "$want" > "$stamp"
echo "env/debian13/root.sh: root ready in $(( $(date +%s) - start )) s" >&2
