#!/usr/bin/env bash
# Prints the folder holding TorchConfig.cmake that the shim is built against, or fails with what to do.
#   env/torch-dir.sh [DIR]   DIR (make's TORCH_DIR) may be that folder, a CMake prefix above it
#                            (torch.utils.cmake_prefix_path), or an unpacked libtorch zip.
# Without DIR: a PyTorch importable by python3 first (a cluster's pip/conda/Spack/module install — the
# libtorch users actually run), then the system libtorch (Debian's libtorch-dev).
set -euo pipefail
config_dir() { # candidate -> folder with TorchConfig.cmake
  local d
  for d in "$1" "$1/Torch" "$1/share/cmake/Torch" "$1/lib/cmake/Torch"; do
    [ -f "$d/TorchConfig.cmake" ] && { (cd "$d" && pwd); return 0; }
  done
  return 1
}
if [ -n "${1:-}" ]; then
  config_dir "$1" || { echo "env/torch-dir.sh: no TorchConfig.cmake in or under TORCH_DIR=$1" >&2; exit 1; }
  exit 0
fi
py="${PYTHON:-python3}"
if command -v "$py" >/dev/null 2>&1; then
  prefix=$("$py" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
  [ -n "$prefix" ] && config_dir "$prefix" && exit 0
fi
for d in /usr/lib/x86_64-linux-gnu/cmake/Torch /usr/lib/aarch64-linux-gnu/cmake/Torch /usr/local/share/cmake/Torch; do
  config_dir "$d" && exit 0
done
cat >&2 <<'MSG'
env/torch-dir.sh: no libtorch found. Point the build at one:
  make TORCH_DIR=$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')   # pip/conda PyTorch
  make TORCH_DIR=/path/to/libtorch                                                          # unpacked libtorch zip
  or as root on Debian: apt-get install libtorch-dev
MSG
exit 1
