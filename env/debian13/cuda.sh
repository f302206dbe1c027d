#!/usr/bin/env bash
# CUDA compile-and-link check of the torch shim, on Debian 13 with libtorch-cuda 2.6 (CUDA 12.4):
#
#   env/debian13/cuda.sh            # prints the make command it runs and its last lines
#
# libtorch-cuda conflicts with the CPU libtorch the tests use, and needs a GPU driver (libcuda) and an
# online-only cuDNN installer (nvidia-cudnn), so nothing is installed: the packages are fetched with
# `apt-get download` (cached in the root) and unpacked with `dpkg-deb -x` into an overlay on top of the
# Debian 13 test root (build/debian13-cuda/upper), which leaves the test root itself untouched. The link
# tolerates undefined symbols only in shared libraries (the driver and cuDNN are absent here:
# XRAYHPC_ALLOW_UNDEFINED_CUDA=ON → --allow-shlib-undefined); the shim's own symbols must all resolve.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${XRAYHPC_DEBIAN13_ROOT:-$repo/build/debian13}"
layer="$repo/build/debian13-cuda"
"$here/root.sh" "$dir"

# 1. Download (once): libtorch-cuda-dev, the CUDA 12.4 toolkit (nvcc, headers, libraries) and what they pull
#    in that the CPU root lacks — minus the driver, cuDNN's installer and the GPU profiler/Java tools.
"$here/enter.sh" "$dir" -- bash -euo pipefail -c '
  mkdir -p /var/cache/xrayhpc-cuda && cd /var/cache/xrayhpc-cuda
  [ -f .complete ] && exit 0
  apt-get update -q >/dev/null
  pkgs=$(apt-get install --print-uris -qq --no-install-recommends libtorch-cuda-dev nvidia-cuda-dev nvidia-cuda-toolkit \
         | sed -E "s/^.([^ ]*). ([^_]*)_.*/\2/" \
         | grep -vE "^(nvidia-cudnn|libcuda1|libnvidia-(tesla|ptxjitcompiler|ml1)|nvidia-(kernel|driver|profiler|visual-profiler|openjdk)|libnvidia-cfg|firmware|openjdk|default-j|java|ca-certificates-java|libcudnn)")
  echo "downloading $(echo $pkgs | wc -w) packages" >&2
  apt-get download -q $pkgs >/dev/null
  touch .complete
'

# 2. Unpack into the overlay's upper layer (once) and build the shim with CUDA there.
mkdir -p "$layer/upper" "$layer/work" "$layer/merged"
export XR_DIR="$dir" XR_LAYER="$layer" XR_HERE="$here" XR_REPO="$repo"
exec unshare --mount --propagation private bash -euo pipefail -c '
  mount -t overlay overlay -o "lowerdir=$XR_DIR,upperdir=$XR_LAYER/upper,workdir=$XR_LAYER/work" "$XR_LAYER/merged"
  "$XR_HERE/enter.sh" "$XR_LAYER/merged" --src "$XR_REPO" -- bash -euo pipefail -c "
    if [ ! -f /var/cache/xrayhpc-cuda/.unpacked ]; then
      for d in /var/cache/xrayhpc-cuda/*.deb; do dpkg-deb -x \"\$d\" /; done
      touch /var/cache/xrayhpc-cuda/.unpacked
    fi
    rsync -a --delete --exclude=/build/ --exclude=bin/ --exclude=obj/ --exclude=.git --exclude=node_modules/ \
      /mnt/xrayhpc-src/ /root/xrayhpc-cuda/
    cd /root/xrayhpc-cuda
    echo \"nvcc: \$(nvcc --version | tail -1); libtorch: \$(ls /usr/lib/x86_64-linux-gnu/libtorch_cuda.so* | head -1)\"
    cmd=\"make native-torch XRAYHPC_CUDA=ON XRAYHPC_ALLOW_UNDEFINED_CUDA=ON TORCH_DIR=/usr/lib/x86_64-linux-gnu/cmake/Torch\"
    echo \"\$ \$cmd\"
    \$cmd
    so=build/native/libxrayhpc_torch.so
    echo \"built \$so: \$(stat -c %s \$so) bytes\"
    echo \"CUDA libraries it links:\"; readelf -d \$so | grep NEEDED | grep -iE \"cuda|c10_cuda|nvrtc|cudart\" || true
    echo \"CUDA entry points:\"; nm -D \$so | grep -E \" T (xt_cuda_set_device|xt_pin_memory|xt_cuda_synchronize)\"
    echo \"libraries absent on this machine (the GPU driver and cuDNN are expected here):\"
    ldd \$so | grep \"not found\" | sort -u || echo none
    echo \"undefined symbols whose definition would be in the shim or libtorch (must be 0):\"
    ldd -r \$so 2>&1 | grep \"undefined symbol\" | grep -vE \"\\((/usr/lib/x86_64-linux-gnu/)?lib(cudnn|cuda)\" | grep -c \"(\$so)\" || true
  "
'
