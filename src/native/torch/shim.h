// shim.h — the conventions every file of the libtorch shim follows. Reuse it from your own .cpp
// (optim.cpp, grad_hooks.cpp, ...): CMake globs src/native/torch/*.cpp, so a new file is built in.
//
//   XT_API TH xt_my_op(TH a, double s) { XT_TRY { return xt_wrap(at::foo(xt_t(a), s)); } XT_CATCH_NULL }
//   XT_API int xt_my_inplace(TH a)      { XT_TRY { xt_t(a).zero_(); return 0; } XT_CATCH_STATUS }
//
// Rules of the ABI: only ints, doubles, raw pointers and opaque handles cross it. A handle (TH) is a
// heap-allocated at::Tensor* made by xt_wrap and released by xt_free (C# owns it). No C++ exception
// may leave an entry point: XT_CATCH_* stores the message in a thread-local string (xt_last_error)
// and returns NULL / -1, and C# turns that into TorchException. Errors are never control flow here
// (libtorch 1.13 builds a stack trace for every throw, 12–33 ms).
#pragma once
#include <ATen/ATen.h>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#define XT_API extern "C" __attribute__((visibility("default")))

typedef void* TH;  // opaque tensor handle (at::Tensor*)

namespace xt {
extern std::atomic<int64_t> g_live;  // handles alive right now, all threads (for leak tests)
extern thread_local int64_t t_live;  // handles made minus handles freed on this thread
void set_error(const char* msg);
at::ScalarType to_scalar_type(int code);  // codes = C# enum ScalarType order
int from_scalar_type(at::ScalarType t);   // -1 when C# has no name for it
at::Device to_device(int type, int index); // type 0 = CPU, 1 = CUDA
}  // namespace xt

// Borrow the tensor behind a handle (the handle must be valid; C# guarantees it).
static inline at::Tensor& xt_t(TH h) { return *static_cast<at::Tensor*>(h); }
// Optional tensor argument: a NULL handle means "None".
static inline c10::optional<at::Tensor> xt_opt(TH h) {
  if (h == nullptr) return c10::nullopt;
  return xt_t(h);
}
// Moves a result into a new handle owned by the caller.
static inline TH xt_wrap(at::Tensor t) {
  xt::g_live.fetch_add(1, std::memory_order_relaxed);
  xt::t_live++;
  return new at::Tensor(std::move(t));
}
static inline at::IntArrayRef xt_dims(const int64_t* p, int n) { return at::IntArrayRef(p, (size_t)n); }
static inline std::vector<at::Tensor> xt_list(TH* hs, int n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; i++) v.push_back(xt_t(hs[i]));
  return v;
}

#define XT_TRY try
#define XT_CATCH_(ret)                                                     \
  catch (const c10::Error& e) { xt::set_error(e.what_without_backtrace()); return ret; } \
  catch (const std::exception& e) { xt::set_error(e.what()); return ret; }               \
  catch (...) { xt::set_error("unknown C++ exception in the torch shim"); return ret; }
#define XT_CATCH_NULL XT_CATCH_(nullptr)
#define XT_CATCH_STATUS XT_CATCH_(-1)
