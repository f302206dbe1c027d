#!/usr/bin/env bash
# Machine check and setup, run by every `make` target. Never prompts for a password.
#
# As root on Debian: installs the packages in env/packages.txt that are missing (a second run only queries
# dpkg, well under a second). As any other user, or without apt (a cluster login node): installs nothing;
# checks what the build and a run need — compiler, cmake, an MPI compiler wrapper, a libtorch, the .NET SDK,
# the codec libraries — and, if something is missing, says how to get it without root and exits 1.
# A site's choices count as present: `module load openmpi` puts its mpicc on PATH (MPICC overrides), a
# `pip install torch` is found through python3 (TORCH_DIR overrides), see env/torch-dir.sh.
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

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
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
    [ "$check_only" -eq 1 ] && missing_error "${missing[@]}"
    echo "env/setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"; }; then
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
    update-alternatives --set "$blas_alt" "$openblas"
  fi
  command -v dotnet >/dev/null 2>&1 || { echo "env/setup.sh: the .NET 10 SDK (dotnet) is required and is not on PATH" >&2; exit 1; }
  echo "env/setup.sh: system packages present"
  exit 0
fi

# ---- no root (or no apt): check, never install --------------------------------------------------------
problems=()
need() { # description, how to get it without root
  problems+=("  - $1"$'\n'"      $2")
}
has_lib() { # soname: in the linker cache (ldconfig is in /sbin, often not on a user's PATH) or on LD_LIBRARY_PATH
  local ldc d
  ldc=$(command -v ldconfig || echo /sbin/ldconfig)
  # Not `| grep -q`: grep quitting early would fail ldconfig with SIGPIPE under pipefail.
  [ "$("$ldc" -p 2>/dev/null | grep -cE "^[[:space:]]*$1 ")" -gt 0 ] && return 0
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [ -n "$d" ] && [ -e "$d/$1" ] && return 0; done
  return 1
}

command -v "${CXX:-g++}" >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1 ||
  need "a C++17 compiler (g++ >= 9)" "module load gcc   (or set CXX=/path/to/g++)"
command -v make >/dev/null 2>&1 || need "make" "module load make, or use the one from your site's toolchain module"
command -v cmake >/dev/null 2>&1 || need "cmake >= 3.18" "module load cmake   or   pip install --user cmake"
mpicc="${MPICC:-mpicc}"
command -v "$mpicc" >/dev/null 2>&1 ||
  need "an MPI compiler wrapper ($mpicc)" "module load openmpi   (or mpich / intel-mpi; or set MPICC=/path/to/mpicc)"
"$here/torch-dir.sh" ${TORCH_DIR:-} >/dev/null 2>&1 ||
  need "libtorch >= 1.13 (a folder with TorchConfig.cmake)" \
       "pip install --user torch   (found through python3), or: make TORCH_DIR=\$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)'), or module load pytorch"
command -v dotnet >/dev/null 2>&1 ||
  need "the .NET 10 SDK (dotnet)" "dotnet-install.sh --channel 10.0 --install-dir \$HOME/.dotnet, then export PATH=\$HOME/.dotnet:\$PATH DOTNET_ROOT=\$HOME/.dotnet"
for lib in libturbojpeg.so.0:libjpeg-turbo libzstd.so.1:zstd libopenjp2.so.7:openjpeg; do
  has_lib "${lib%%:*}" || need "${lib%%:*}" "module load ${lib##*:}   or   spack install ${lib##*:}, then add its lib folder to LD_LIBRARY_PATH"
done

if [ "${#problems[@]}" -gt 0 ]; then
  {
    echo "env/setup.sh: missing (running as $(id -un), so nothing is installed; no root needed for any of these):"
    printf '%s\n' "${problems[@]}"
    [ -r "$here/packages.txt" ] && command -v apt-get >/dev/null 2>&1 &&
      echo "  (on a Debian machine an administrator can instead install env/packages.txt: sudo env/setup.sh)"
  } >&2
  exit 1
fi
echo "env/setup.sh: build prerequisites present (user $(id -un); nothing installed)"
