// Read-only facts about the libtorch this process loaded, for `xrayhpc doctor`. Kept apart from
// runtime.cpp so the doctor's queries never touch the engine's state. Strings are returned from a
// thread-local buffer that stays valid until the next call of the same function on the same thread.
#include "shim.h"
#include <ATen/Parallel.h>
#include <ATen/Version.h>

namespace {
thread_local std::string t_config;
thread_local std::string t_parallel;
}  // namespace

// at::show_config(): the build settings ("USE_CUDA=OFF, USE_MKLDNN=ON, ..."), parsed in C#.
XT_API const char* xt_build_config() {
  XT_TRY { t_config = at::show_config(); return t_config.c_str(); }
  XT_CATCH_NULL
}

// at::get_parallel_info(): the OpenMP version, OMP_NUM_THREADS/MKL_NUM_THREADS as libtorch saw them.
XT_API const char* xt_parallel_info() {
  XT_TRY { t_parallel = at::get_parallel_info(); return t_parallel.c_str(); }
  XT_CATCH_NULL
}

// 1 when the oneDNN (MKL-DNN) kernels are compiled in AND not switched off (torch.backends.mkldnn.enabled).
XT_API int xt_mkldnn_enabled() {
  return at::hasMKLDNN() && at::globalContext().userEnabledMkldnn() ? 1 : 0;
}

XT_API int xt_has_openmp() { return at::hasOpenMP() ? 1 : 0; }
