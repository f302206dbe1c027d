// compat.h — the one place where the shim bridges libtorch API differences between 1.13 and 2.x.
// Every other file calls xt::compat::* (or uses the aliases here) instead of the version-specific name,
// so supporting a new libtorch means editing this file only. Versions come from <torch/version.h>.
#pragma once
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/GradMode.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#define XT_TORCH_AT_LEAST(maj, min) \
  (TORCH_VERSION_MAJOR > (maj) || (TORCH_VERSION_MAJOR == (maj) && TORCH_VERSION_MINOR >= (min)))

#if !XT_TORCH_AT_LEAST(1, 13)
#error "XRayHpc's torch shim needs libtorch >= 1.13"
#endif

namespace xt::compat {

// at::NoGradGuard was an ATen alias until 2.x dropped it from <ATen/ATen.h>; the c10 guard exists in both.
using NoGradGuard = c10::NoGradGuard;

// Autocast state per device type. 2.4 replaced the per-device functions (is_cpu_enabled,
// set_autocast_gpu_dtype, ...) by ones taking a DeviceType and deprecated the old names.
#if XT_TORCH_AT_LEAST(2, 4)
inline bool autocast_enabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
inline void set_autocast_enabled(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
inline at::ScalarType autocast_dtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
inline void set_autocast_dtype(c10::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
inline bool autocast_enabled(c10::DeviceType d) {
  return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
inline void set_autocast_enabled(c10::DeviceType d, bool on) {
  if (d == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(on); else at::autocast::set_enabled(on);
}
inline at::ScalarType autocast_dtype(c10::DeviceType d) {
  return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
inline void set_autocast_dtype(c10::DeviceType d, at::ScalarType t) {
  if (d == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(t); else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

// Adam/AdamW first moment, exp_avg = beta1 * exp_avg + (1 - beta1) * grad, as torch.optim's single-tensor
// step writes it (the implementation a CPU user gets by default: foreach defaults on only for CUDA-like
// devices). PyTorch 2.1 replaced mul_(beta1).add_(grad, 1 - beta1) by lerp_(grad, 1 - beta1) (pytorch#104796),
// which rounds differently; matching the running version's op keeps the step bit-identical to torch.optim.
inline void adam_first_moment_(at::Tensor& exp_avg, const at::Tensor& grad, double beta1) {
#if XT_TORCH_AT_LEAST(2, 1)
  exp_avg.lerp_(grad, 1 - beta1);
#else
  exp_avg.mul_(beta1).add_(grad, 1 - beta1);
#endif
}

}  // namespace xt::compat
