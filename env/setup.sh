#!/usr/bin/env bash
# Idempotent machine setup: installs the Debian packages in env/packages.txt that are missing.
# A second run only queries dpkg (no apt-get call), so it takes well under a second.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

wanted=$(sed -e 's/#.*//' "$here/packages.txt" | awk 'NF {print $1}')
missing=()
for p in $wanted; do
  # `dpkg-query` prints "install ok installed" only for a fully installed package.
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

# node/npm may come from outside Debian (NodeSource ships its own npm, which conflicts with Debian's):
# a working `npm` on PATH satisfies both lines.
if command -v npm >/dev/null 2>&1 && [ "${#missing[@]}" -gt 0 ]; then
  missing=($(printf '%s\n' "${missing[@]}" | grep -vx -e nodejs -e npm || true))
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "env/setup.sh: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# libtorch links the alternatives-managed libblas.so.3; make sure OpenBLAS (not the reference BLAS) is selected.
blas_alt=libblas.so.3-x86_64-linux-gnu
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$openblas" ] && [ "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)" != "$(readlink -f $openblas)" ]; then
  ${sudo_cmd:-} update-alternatives --set "$blas_alt" "$openblas"
fi

command -v dotnet >/dev/null 2>&1 || { echo "env/setup.sh: the .NET 10 SDK (dotnet) is required and is not on PATH" >&2; exit 1; }
echo "env/setup.sh: system packages present"
