// GPU data movement: pinned host memory, asynchronous copies, device selection and synchronisation.
// In a CPU build (XRAYHPC_CUDA off) the pinned/async entry points degrade to their synchronous CPU
// equivalents or report an error, so the managed side can call them unconditionally and decide by
// torch.built_with_cuda / the tensor's device what it asks for.
#include "shim.h"
#include "compat.h"
#ifdef XRAYHPC_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

// A page-locked copy of a CPU tensor (what a DataLoader with pin_memory=True hands over): host→device
// copies from it can run asynchronously. libtorch's caching host allocator keeps the block alive until
// the copies queued on it have finished, so the caller may free the handle right after queuing.
XT_API TH xt_pin_memory(TH a) {
  XT_TRY {
#ifdef XRAYHPC_CUDA
    return xt_wrap(xt_t(a).pin_memory());
#else
    throw std::runtime_error("pinned memory needs the CUDA build of the shim (make native-torch XRAYHPC_CUDA=ON)");
#endif
  }
  XT_CATCH_NULL
}
XT_API int xt_is_pinned(TH a) { XT_TRY { return xt_t(a).is_pinned() ? 1 : 0; } XT_CATCH_STATUS }

// tensor.to(device, non_blocking=True): asynchronous only from pinned host memory or device to device;
// otherwise libtorch performs a synchronous copy (still correct).
XT_API TH xt_to_device_async(TH a, int dev_type, int dev_index) {
  XT_TRY {
    return xt_wrap(xt_t(a).to(xt::to_device(dev_type, dev_index), /*non_blocking=*/true, /*copy=*/false));
  }
  XT_CATCH_NULL
}
// dst.copy_(src, non_blocking=True).
XT_API int xt_copy_async(TH dst, TH src) {
  XT_TRY {
    xt::compat::NoGradGuard ng;
    xt_t(dst).copy_(xt_t(src), /*non_blocking=*/true);
    return 0;
  }
  XT_CATCH_STATUS
}
// Makes `index` the current CUDA device of the calling thread (kernels without an explicit device go there).
XT_API int xt_cuda_set_device(int index) {
  XT_TRY {
#ifdef XRAYHPC_CUDA
    c10::cuda::set_device(static_cast<c10::DeviceIndex>(index));
    return 0;
#else
    (void)index;
    throw std::runtime_error("CUDA device requested but the shim was built without XRAYHPC_CUDA");
#endif
  }
  XT_CATCH_STATUS
}
// Waits for every queued kernel and copy on the current device: required before MPI reads a device
// buffer (CUDA-aware MPI) or a host buffer filled by an asynchronous device→host copy. No-op on CPU builds.
XT_API int xt_cuda_synchronize() {
  XT_TRY {
#ifdef XRAYHPC_CUDA
    c10::cuda::device_synchronize();
#endif
    return 0;
  }
  XT_CATCH_STATUS
}

// A view with explicit sizes/strides/offset into a's storage (torch.as_strided). Gradient staging uses it to
// lay each parameter into a flat bucket in the parameter's own memory order (contiguous or channels_last).
XT_API TH xt_as_strided(TH a, const int64_t* sizes, const int64_t* strides, int ndim, int64_t offset) {
  XT_TRY { return xt_wrap(xt_t(a).as_strided(xt_dims(sizes, ndim), xt_dims(strides, ndim), offset)); }
  XT_CATCH_NULL
}
