// compat.h — the one place where the shim bridges libtorch API differences between 1.13 and 2.x.
// Every other file calls xt::compat::* (or uses the aliases here) instead of the version-specific name,
// so supporting a new libtorch means editing this file only. Versions come from <torch/version.h>.
#pragma once
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

}  // namespace xt::compat
