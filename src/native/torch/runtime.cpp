// Process/thread state: errors, handle lifetime, dtypes, threads, RNG, grad mode, autocast, allocator.
#include "shim.h"
#include "compat.h"
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>
#include <malloc.h>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace xt {
std::atomic<int64_t> g_live{0};
thread_local int64_t t_live = 0;
static thread_local std::string t_last_error;
void set_error(const char* msg) { t_last_error = msg ? msg : ""; }

at::ScalarType to_scalar_type(int code) {
  switch (code) {
    case 0: return at::kByte;
    case 1: return at::kInt;
    case 2: return at::kLong;
    case 3: return at::kFloat;
    case 4: return at::kDouble;
    case 5: return at::kBFloat16;
    case 6: return at::kHalf;
    case 7: return at::kBool;
  }
  throw std::invalid_argument("unsupported dtype code " + std::to_string(code));
}
int from_scalar_type(at::ScalarType t) {
  switch (t) {
    case at::kByte: return 0;
    case at::kInt: return 1;
    case at::kLong: return 2;
    case at::kFloat: return 3;
    case at::kDouble: return 4;
    case at::kBFloat16: return 5;
    case at::kHalf: return 6;
    case at::kBool: return 7;
    default: return -1;
  }
}
at::Device to_device(int type, int index) {
  if (type == 0) return at::Device(at::kCPU);
  if (type == 1) return at::Device(at::kCUDA, (c10::DeviceIndex)index);
  throw std::invalid_argument("unsupported device type " + std::to_string(type));
}
}  // namespace xt

XT_API const char* xt_last_error() { return xt::t_last_error.c_str(); }
XT_API int64_t xt_live_tensors() { return xt::g_live.load(std::memory_order_relaxed); }
XT_API int64_t xt_live_tensors_this_thread() { return xt::t_live; }
XT_API void xt_free(TH h) {
  if (!h) return;
  delete static_cast<at::Tensor*>(h);  // only drops a reference; never throws
  xt::g_live.fetch_sub(1, std::memory_order_relaxed);
  xt::t_live--;
}

// ---- threads / seed / RNG ------------------------------------------------------------------------
XT_API int xt_set_num_threads(int n) { XT_TRY { at::set_num_threads(n); return 0; } XT_CATCH_STATUS }
// torch.backends.mkldnn.enabled: whether ATen may pick oneDNN kernels (convolution etc.); process-wide.
XT_API int xt_set_mkldnn_enabled(int on) {
  XT_TRY { at::globalContext().setUserEnabledMkldnn(on != 0); return 0; } XT_CATCH_STATUS
}
XT_API int xt_get_num_threads() { return at::get_num_threads(); }
XT_API int xt_manual_seed(int64_t seed) { XT_TRY { at::manual_seed((uint64_t)seed); return 0; } XT_CATCH_STATUS }

// The CPU generator state is a byte tensor (5056 bytes in 1.13); C# sizes the buffer from the first call.
XT_API int64_t xt_get_rng_state(uint8_t* dst, int64_t cap) {
  XT_TRY {
    auto gen = at::detail::getDefaultCPUGenerator();
    at::Tensor st;
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      st = gen.get_state();
    }
    int64_t n = st.numel();
    if (dst && cap >= n) std::memcpy(dst, st.data_ptr(), (size_t)n);
    return n;
  }
  XT_CATCH_STATUS
}
XT_API int xt_set_rng_state(const uint8_t* src, int64_t n) {
  XT_TRY {
    auto st = at::empty({n}, at::kByte);
    std::memcpy(st.data_ptr(), src, (size_t)n);
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(st);
    return 0;
  }
  XT_CATCH_STATUS
}

// ---- grad mode (thread-local, like Python's torch.no_grad) ---------------------------------------
XT_API int xt_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }
XT_API void xt_set_grad_enabled(int on) { c10::GradMode::set_enabled(on != 0); }

// ---- autocast ------------------------------------------------------------------------------------
// Entered and left exactly like Python's torch.autocast context. The weight cache must be cleared
// when the outermost context exits: otherwise the cached low-precision copies of the weights go
// stale after the optimizer step and conv/linear layers silently stop learning.
namespace {
struct AutocastFrame { int device; bool prev_enabled; at::ScalarType prev_dtype; };
thread_local std::vector<AutocastFrame> t_autocast;
}  // namespace

XT_API int xt_autocast_enter(int device_type, int dtype_code) {
  XT_TRY {
    at::ScalarType dt = xt::to_scalar_type(dtype_code);
#ifndef XRAYHPC_CUDA
    if (device_type != 0) throw std::runtime_error("CUDA autocast requested but the shim was built without XRAYHPC_CUDA");
#endif
    c10::DeviceType d = device_type == 0 ? c10::DeviceType::CPU : c10::DeviceType::CUDA;
    t_autocast.push_back({device_type, xt::compat::autocast_enabled(d), xt::compat::autocast_dtype(d)});
    xt::compat::set_autocast_dtype(d, dt);
    xt::compat::set_autocast_enabled(d, true);
    at::autocast::increment_nesting();
    return 0;
  }
  XT_CATCH_STATUS
}
XT_API int xt_autocast_exit() {
  XT_TRY {
    if (t_autocast.empty()) throw std::runtime_error("autocast exit without a matching enter on this thread");
    AutocastFrame f = t_autocast.back();
    t_autocast.pop_back();
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    c10::DeviceType d = f.device == 0 ? c10::DeviceType::CPU : c10::DeviceType::CUDA;
    xt::compat::set_autocast_enabled(d, f.prev_enabled);
    xt::compat::set_autocast_dtype(d, f.prev_dtype);
    return 0;
  }
  XT_CATCH_STATUS
}
XT_API int xt_autocast_cpu_enabled() { return xt::compat::autocast_enabled(c10::DeviceType::CPU) ? 1 : 0; }

// ---- devices --------------------------------------------------------------------------------------
XT_API int xt_cuda_is_available() { return at::hasCUDA() ? 1 : 0; }
XT_API int xt_cuda_device_count() {
  XT_TRY { return at::hasCUDA() ? (int)at::getNumGPUs() : 0; } XT_CATCH_STATUS
}
XT_API int xt_built_with_cuda() {
#ifdef XRAYHPC_CUDA
  return 1;
#else
  return 0;
#endif
}

// ---- allocator -------------------------------------------------------------------------------------
// glibc hands every large activation back to the OS and faults it in again next step (~100k page
// faults per 224 px step); keeping freed blocks in the heap measured +9–24% img/s. On by default,
// XRAYHPC_MALLOC_TUNING=0 turns it off. RSS then stays at the step's peak instead of oscillating.
static int g_malloc_tuned = 0;
__attribute__((constructor)) static void xt_configure_allocator_at_load() {
  const char* v = std::getenv("XRAYHPC_MALLOC_TUNING");
  if (v && std::strcmp(v, "0") == 0) return;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  mallopt(M_TOP_PAD, 64 << 20);
  g_malloc_tuned = 1;
}
XT_API int xt_malloc_tuning_active() { return g_malloc_tuned; }
