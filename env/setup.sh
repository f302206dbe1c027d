#!/usr/bin/env bash
# Idempotent machine setup: installs the Debian packages in env/packages.txt that are missing.
# A second run only queries dpkg (no apt-get call), so it takes well under a second.
# `env/setup.sh --check` installs nothing: it only fails, naming the missing packages (tests/run.sh uses it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

# One clear message naming the packages, instead of "No such file or directory" from seventeen tests later.
missing_error() {
  echo "env/setup.sh: missing packages: $*" >&2
  echo "  Tests, benchmarks and the build start programs from them (see the reason beside each in env/packages.txt)." >&2
  echo "  Install them as root:  apt-get install -y --no-install-recommends $*   (or run \`make setup\`)" >&2
  exit 1
}

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

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$check_only" -eq 1 ] && missing_error "${missing[@]}"
  if [ -n "$sudo_cmd" ] && ! command -v sudo >/dev/null 2>&1; then missing_error "${missing[@]}"; fi
  echo "env/setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { $sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"; }; then
    echo "env/setup.sh: apt-get could not install the packages above (output above)." >&2
    missing_error "${missing[@]}"
  fi
fi

# libtorch links the alternatives-managed libblas.so.3; make sure OpenBLAS (not the reference BLAS) is selected.
blas_alt=libblas.so.3-x86_64-linux-gnu
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$openblas" ] && [ "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)" != "$(readlink -f $openblas)" ]; then
  if [ "$check_only" -eq 1 ]; then
    echo "env/setup.sh: libblas.so.3 is not OpenBLAS (libtorch's fp32 matmul would run at ~6 GFLOP/s): run \`make setup\`" >&2
    exit 1
  fi
  ${sudo_cmd:-} update-alternatives --set "$blas_alt" "$openblas"
fi

command -v dotnet >/dev/null 2>&1 || { echo "env/setup.sh: the .NET 10 SDK (dotnet) is required and is not on PATH" >&2; exit 1; }
echo "env/setup.sh: system packages present"
