// Tensors: creation, queries, managed-memory copies, element-wise/in-place ops, reductions, views,
// autograd. Op codes (xt_binary etc.) are mirrored by private enums in src/XRayHpc.Torch/Native.cs.
#include "shim.h"
#include "compat.h"
#include <cmath>
#include <cstring>

using xt::to_scalar_type;

static at::TensorOptions opts(int dtype, int dev_type, int dev_index, int requires_grad) {
  return at::TensorOptions()
      .dtype(to_scalar_type(dtype))
      .device(xt::to_device(dev_type, dev_index))
      .requires_grad(requires_grad != 0);
}

// ---- creation ---------------------------------------------------------------------------------------
// kind: 0 empty, 1 zeros, 2 ones, 3 full(value), 4 rand, 5 randn
XT_API TH xt_new(int kind, const int64_t* shape, int ndim, int dtype, int dev_type, int dev_index,
                 int requires_grad, double value) {
  XT_TRY {
    auto sz = xt_dims(shape, ndim);
    // Create without requires_grad and set it afterwards: random/fill factories reject it for ints
    // in surprising ways, and this keeps the result a leaf either way.
    auto o = opts(dtype, dev_type, dev_index, 0);
    at::Tensor t;
    switch (kind) {
      case 0: t = at::empty(sz, o); break;
      case 1: t = at::zeros(sz, o); break;
      case 2: t = at::ones(sz, o); break;
      case 3: t = at::full(sz, value, o); break;
      case 4: t = at::rand(sz, o); break;
      case 5: t = at::randn(sz, o); break;
      default: throw std::invalid_argument("xt_new: bad kind");
    }
    if (requires_grad) t.requires_grad_(true);
    return xt_wrap(std::move(t));
  }
  XT_CATCH_NULL
}
// kind: 0 empty_like, 1 zeros_like, 2 ones_like, 3 full_like(value), 4 rand_like, 5 randn_like
XT_API TH xt_new_like(int kind, TH a, double value) {
  XT_TRY {
    const auto& t = xt_t(a);
    switch (kind) {
      case 0: return xt_wrap(at::empty_like(t));
      case 1: return xt_wrap(at::zeros_like(t));
      case 2: return xt_wrap(at::ones_like(t));
      case 3: return xt_wrap(at::full_like(t, value));
      case 4: return xt_wrap(at::rand_like(t));
      case 5: return xt_wrap(at::randn_like(t));
    }
    throw std::invalid_argument("xt_new_like: bad kind");
  }
  XT_CATCH_NULL
}
XT_API TH xt_arange(double start, double end, double step, int dtype) {
  XT_TRY { return xt_wrap(at::arange(start, end, step, at::TensorOptions().dtype(to_scalar_type(dtype)))); }
  XT_CATCH_NULL
}
XT_API TH xt_randint(int64_t low, int64_t high, const int64_t* shape, int ndim, int dtype) {
  XT_TRY {
    return xt_wrap(at::randint(low, high, xt_dims(shape, ndim), at::TensorOptions().dtype(to_scalar_type(dtype))));
  }
  XT_CATCH_NULL
}
XT_API TH xt_randperm(int64_t n) {
  XT_TRY { return xt_wrap(at::randperm(n, at::TensorOptions().dtype(at::kLong))); } XT_CATCH_NULL
}
XT_API TH xt_eye(int64_t n, int dtype) {
  XT_TRY { return xt_wrap(at::eye(n, at::TensorOptions().dtype(to_scalar_type(dtype)))); } XT_CATCH_NULL
}
// Copies numel elements of dtype from managed memory into a new CPU tensor.
XT_API TH xt_from_data(const void* data, int dtype, const int64_t* shape, int ndim) {
  XT_TRY {
    auto st = to_scalar_type(dtype);
    auto t = at::empty(xt_dims(shape, ndim), at::TensorOptions().dtype(st));
    size_t n = (size_t)t.numel() * t.element_size();
    if (n) std::memcpy(t.data_ptr(), data, n);
    return xt_wrap(std::move(t));
  }
  XT_CATCH_NULL
}

// ---- queries ---------------------------------------------------------------------------------------
XT_API int xt_dim(TH a) { return (int)xt_t(a).dim(); }
XT_API int64_t xt_numel(TH a) { return xt_t(a).numel(); }
XT_API void xt_shape(TH a, int64_t* out) {
  auto s = xt_t(a).sizes();
  for (size_t i = 0; i < s.size(); i++) out[i] = s[i];
}
XT_API void xt_strides(TH a, int64_t* out) {
  auto s = xt_t(a).strides();
  for (size_t i = 0; i < s.size(); i++) out[i] = s[i];
}
XT_API int xt_dtype(TH a) { return xt::from_scalar_type(xt_t(a).scalar_type()); }
XT_API int xt_element_size(TH a) { return (int)xt_t(a).element_size(); }
XT_API int xt_device_type(TH a) { return xt_t(a).device().is_cuda() ? 1 : (xt_t(a).device().is_cpu() ? 0 : -1); }
XT_API int xt_device_index(TH a) { return xt_t(a).device().index(); }
XT_API int xt_requires_grad(TH a) { return xt_t(a).requires_grad() ? 1 : 0; }
XT_API int xt_is_leaf(TH a) { return xt_t(a).is_leaf() ? 1 : 0; }
XT_API int xt_is_contiguous(TH a, int channels_last) {
  XT_TRY {
    return xt_t(a).is_contiguous(channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous) ? 1 : 0;
  }
  XT_CATCH_STATUS
}
XT_API void* xt_data_ptr(TH a) {
  XT_TRY {
    auto& t = xt_t(a);
    if (!t.device().is_cpu()) throw std::runtime_error("data_ptr: tensor is not on the CPU");
    return t.data_ptr();
  }
  XT_CATCH_NULL
}
XT_API int xt_same_storage(TH a, TH b) {
  return xt_t(a).is_alias_of(xt_t(b)) ? 1 : 0;
}

// ---- managed memory copies --------------------------------------------------------------------------
// Copies the tensor out as numel elements of dtype (converted, made contiguous, moved to CPU).
XT_API int xt_copy_out(TH a, int dtype, void* dst, int64_t numel) {
  XT_TRY {
    xt::compat::NoGradGuard ng;
    auto& t = xt_t(a);
    if (t.numel() != numel)
      throw std::invalid_argument("copy out: tensor has " + std::to_string(t.numel()) +
                                  " elements, destination has " + std::to_string(numel));
    auto c = t.to(at::kCPU, to_scalar_type(dtype)).contiguous();
    if (numel) std::memcpy(dst, c.data_ptr(), (size_t)numel * c.element_size());
    return 0;
  }
  XT_CATCH_STATUS
}
// Overwrites the tensor in place (no autograd record) from numel elements of dtype.
XT_API int xt_copy_in(TH a, int dtype, const void* src, int64_t numel) {
  XT_TRY {
    xt::compat::NoGradGuard ng;
    auto& t = xt_t(a);
    if (t.numel() != numel)
      throw std::invalid_argument("copy in: tensor has " + std::to_string(t.numel()) +
                                  " elements, source has " + std::to_string(numel));
    auto st = to_scalar_type(dtype);
    if (t.scalar_type() == st && t.device().is_cpu() && t.is_contiguous()) {
      if (numel) std::memcpy(t.data_ptr(), src, (size_t)numel * t.element_size());
    } else {
      auto blob = at::from_blob(const_cast<void*>(src), t.sizes(), at::TensorOptions().dtype(st));
      t.copy_(blob);
    }
    return 0;
  }
  XT_CATCH_STATUS
}
XT_API int xt_item_double(TH a, double* out) {
  XT_TRY { *out = xt_t(a).item<double>(); return 0; } XT_CATCH_STATUS
}
XT_API int xt_item_long(TH a, int64_t* out) {
  XT_TRY { *out = xt_t(a).item<int64_t>(); return 0; } XT_CATCH_STATUS
}

// ---- element-wise -----------------------------------------------------------------------------------
XT_API TH xt_binary(int op, TH a, TH b, double alpha) {
  XT_TRY {
    auto& x = xt_t(a);
    auto& y = xt_t(b);
    switch (op) {
      case 0: return xt_wrap(at::add(x, y, alpha));
      case 1: return xt_wrap(at::sub(x, y, alpha));
      case 2: return xt_wrap(at::mul(x, y));
      case 3: return xt_wrap(at::div(x, y));
      case 4: return xt_wrap(at::pow(x, y));
      case 5: return xt_wrap(at::eq(x, y));
      case 6: return xt_wrap(at::ne(x, y));
      case 7: return xt_wrap(at::lt(x, y));
      case 8: return xt_wrap(at::le(x, y));
      case 9: return xt_wrap(at::gt(x, y));
      case 10: return xt_wrap(at::ge(x, y));
      case 11: return xt_wrap(at::maximum(x, y));
      case 12: return xt_wrap(at::minimum(x, y));
      case 13: return xt_wrap(at::matmul(x, y));
      case 14: return xt_wrap(at::logical_and(x, y));
      case 15: return xt_wrap(at::logical_or(x, y));
    }
    throw std::invalid_argument("xt_binary: bad op");
  }
  XT_CATCH_NULL
}
XT_API TH xt_binary_scalar(int op, TH a, double s) {
  XT_TRY {
    auto& x = xt_t(a);
    switch (op) {
      case 0: return xt_wrap(at::add(x, s));
      case 1: return xt_wrap(at::sub(x, s));
      case 2: return xt_wrap(at::mul(x, s));
      case 3: return xt_wrap(at::div(x, s));
      case 4: return xt_wrap(at::pow(x, s));
      case 5: return xt_wrap(at::eq(x, s));
      case 6: return xt_wrap(at::ne(x, s));
      case 7: return xt_wrap(at::lt(x, s));
      case 8: return xt_wrap(at::le(x, s));
      case 9: return xt_wrap(at::gt(x, s));
      case 10: return xt_wrap(at::ge(x, s));
      case 11: return xt_wrap(at::rsub(x, s));
      case 12: return xt_wrap(at::clamp_min(x, s));
      case 13: return xt_wrap(at::clamp_max(x, s));
    }
    throw std::invalid_argument("xt_binary_scalar: bad op");
  }
  XT_CATCH_NULL
}
XT_API TH xt_unary(int op, TH a) {
  XT_TRY {
    auto& x = xt_t(a);
    switch (op) {
      case 0: return xt_wrap(at::neg(x));
      case 1: return xt_wrap(at::sqrt(x));
      case 2: return xt_wrap(at::abs(x));
      case 3: return xt_wrap(at::exp(x));
      case 4: return xt_wrap(at::log(x));
      case 5: return xt_wrap(at::sigmoid(x));
      case 6: return xt_wrap(at::relu(x));
      case 7: return xt_wrap(at::tanh(x));
      case 8: return xt_wrap(at::sign(x));
      case 9: return xt_wrap(at::rsqrt(x));
      case 10: return xt_wrap(at::square(x));
      case 11: return xt_wrap(at::reciprocal(x));
      case 12: return xt_wrap(at::isfinite(x));
      case 13: return xt_wrap(at::isnan(x));
      case 14: return xt_wrap(at::floor(x));
      case 15: return xt_wrap(at::ceil(x));
      case 16: return xt_wrap(at::round(x));
      case 17: return xt_wrap(at::log1p(x));
      case 18: return xt_wrap(at::logical_not(x));
    }
    throw std::invalid_argument("xt_unary: bad op");
  }
  XT_CATCH_NULL
}
XT_API TH xt_clamp(TH a, double lo, double hi) {
  XT_TRY {
    c10::optional<at::Scalar> l, h;
    if (!std::isnan(lo)) l = lo;
    if (!std::isnan(hi)) h = hi;
    return xt_wrap(at::clamp(xt_t(a), l, h));
  }
  XT_CATCH_NULL
}
XT_API TH xt_where(TH cond, TH a, TH b) {
  XT_TRY { return xt_wrap(at::where(xt_t(cond), xt_t(a), xt_t(b))); } XT_CATCH_NULL
}

// ---- in-place (the optimizers' vocabulary) ----------------------------------------------------------
XT_API int xt_binary_(int op, TH a, TH b, double alpha) {
  XT_TRY {
    auto& x = xt_t(a);
    auto& y = xt_t(b);
    switch (op) {
      case 0: x.add_(y, alpha); return 0;
      case 1: x.sub_(y, alpha); return 0;
      case 2: x.mul_(y); return 0;
      case 3: x.div_(y); return 0;
      case 4: x.copy_(y); return 0;
      case 5: x.pow_(y); return 0;
      case 6: x.lerp_(y, alpha); return 0;
    }
    throw std::invalid_argument("xt_binary_: bad op");
  }
  XT_CATCH_STATUS
}
XT_API int xt_binary_scalar_(int op, TH a, double s_) {
  XT_TRY {
    auto& x = xt_t(a);
    // An integral tensor takes a whole number as an integer scalar (like Python's `t.add_(1)`): a
    // double scalar promotes the result to float, which cannot be written back in place.
    c10::Scalar s = (at::isIntegralType(x.scalar_type(), /*includeBool=*/false) && s_ == (double)(int64_t)s_)
                        ? c10::Scalar((int64_t)s_) : c10::Scalar(s_);
    switch (op) {
      case 0: x.add_(s); return 0;
      case 1: x.sub_(s); return 0;
      case 2: x.mul_(s); return 0;
      case 3: x.div_(s); return 0;
      case 4: x.fill_(s); return 0;
      case 5: x.pow_(s); return 0;
      case 6: x.clamp_min_(s); return 0;
      case 7: x.clamp_max_(s); return 0;
    }
    throw std::invalid_argument("xt_binary_scalar_: bad op");
  }
  XT_CATCH_STATUS
}
XT_API int xt_unary_(int op, TH a) {
  XT_TRY {
    auto& x = xt_t(a);
    switch (op) {
      case 0: x.zero_(); return 0;
      case 1: x.sqrt_(); return 0;
      case 2: x.abs_(); return 0;
      case 3: x.neg_(); return 0;
      case 4: x.relu_(); return 0;
      case 5: x.exp_(); return 0;
      case 6: x.sigmoid_(); return 0;
    }
    throw std::invalid_argument("xt_unary_: bad op");
  }
  XT_CATCH_STATUS
}
XT_API int xt_clamp_(TH a, double lo, double hi) {
  XT_TRY {
    c10::optional<at::Scalar> l, h;
    if (!std::isnan(lo)) l = lo;
    if (!std::isnan(hi)) h = hi;
    xt_t(a).clamp_(l, h);
    return 0;
  }
  XT_CATCH_STATUS
}
// op 0 addcmul_, 1 addcdiv_:  a += value * (t1 op t2)
XT_API int xt_addc_(int op, TH a, TH t1, TH t2, double value) {
  XT_TRY {
    if (op == 0) xt_t(a).addcmul_(xt_t(t1), xt_t(t2), value);
    else xt_t(a).addcdiv_(xt_t(t1), xt_t(t2), value);
    return 0;
  }
  XT_CATCH_STATUS
}
// Random fills: 0 normal_(p0 mean, p1 std), 1 uniform_(p0 from, p1 to), 2 bernoulli_(p0)
XT_API int xt_random_(int op, TH a, double p0, double p1) {
  XT_TRY {
    xt::compat::NoGradGuard ng;
    auto& x = xt_t(a);
    switch (op) {
      case 0: x.normal_(p0, p1); return 0;
      case 1: x.uniform_(p0, p1); return 0;
      case 2: x.bernoulli_(p0); return 0;
    }
    throw std::invalid_argument("xt_random_: bad op");
  }
  XT_CATCH_STATUS
}

// ---- reductions -------------------------------------------------------------------------------------
// 0 sum, 1 mean, 2 max, 3 min, 4 prod, 5 any, 6 all
XT_API TH xt_reduce_all(int op, TH a) {
  XT_TRY {
    auto& x = xt_t(a);
    switch (op) {
      case 0: return xt_wrap(at::sum(x));
      case 1: return xt_wrap(at::mean(x));
      case 2: return xt_wrap(at::max(x));
      case 3: return xt_wrap(at::min(x));
      case 4: return xt_wrap(at::prod(x));
      case 5: return xt_wrap(at::any(x));
      case 6: return xt_wrap(at::all(x));
    }
    throw std::invalid_argument("xt_reduce_all: bad op");
  }
  XT_CATCH_NULL
}
// 0 sum, 1 mean, 2 amax, 3 amin, 4 var (unbiased), 5 std (unbiased), 6 logsumexp
XT_API TH xt_reduce_dims(int op, TH a, const int64_t* dims, int n, int keepdim) {
  XT_TRY {
    auto& x = xt_t(a);
    auto d = xt_dims(dims, n);
    bool k = keepdim != 0;
    switch (op) {
      case 0: return xt_wrap(at::sum(x, d, k));
      case 1: return xt_wrap(at::mean(x, d, k));
      case 2: return xt_wrap(at::amax(x, d, k));
      case 3: return xt_wrap(at::amin(x, d, k));
      case 4: return xt_wrap(at::var(x, d, true, k));
      case 5: return xt_wrap(at::std(x, d, true, k));
      case 6: return xt_wrap(at::logsumexp(x, d, k));
    }
    throw std::invalid_argument("xt_reduce_dims: bad op");
  }
  XT_CATCH_NULL
}
XT_API TH xt_arg_reduce(int op, TH a, int64_t dim, int keepdim) {
  XT_TRY {
    if (op == 0) return xt_wrap(at::argmax(xt_t(a), dim, keepdim != 0));
    return xt_wrap(at::argmin(xt_t(a), dim, keepdim != 0));
  }
  XT_CATCH_NULL
}
XT_API TH xt_norm(TH a, double p) {
  XT_TRY { return xt_wrap(at::norm(xt_t(a), p)); } XT_CATCH_NULL
}
// 1 when every element is finite (no NaN/Inf); 0 otherwise; -1 on error.
XT_API int xt_all_finite(TH a) {
  XT_TRY {
    xt::compat::NoGradGuard ng;
    auto& x = xt_t(a);
    if (!at::isFloatingType(x.scalar_type())) return 1;
    return at::isfinite(x).all().item<bool>() ? 1 : 0;
  }
  XT_CATCH_STATUS
}
XT_API int xt_equal(TH a, TH b) {
  XT_TRY { return at::equal(xt_t(a), xt_t(b)) ? 1 : 0; } XT_CATCH_STATUS
}
XT_API int xt_allclose(TH a, TH b, double rtol, double atol) {
  XT_TRY { return at::allclose(xt_t(a), xt_t(b), rtol, atol) ? 1 : 0; } XT_CATCH_STATUS
}

// ---- shape and views --------------------------------------------------------------------------------
XT_API TH xt_reshape(TH a, const int64_t* shape, int n) {
  XT_TRY { return xt_wrap(at::reshape(xt_t(a), xt_dims(shape, n))); } XT_CATCH_NULL
}
XT_API TH xt_view(TH a, const int64_t* shape, int n) {
  XT_TRY { return xt_wrap(xt_t(a).view(xt_dims(shape, n))); } XT_CATCH_NULL
}
XT_API TH xt_expand(TH a, const int64_t* shape, int n) {
  XT_TRY { return xt_wrap(xt_t(a).expand(xt_dims(shape, n))); } XT_CATCH_NULL
}
XT_API TH xt_permute(TH a, const int64_t* dims, int n) {
  XT_TRY { return xt_wrap(xt_t(a).permute(xt_dims(dims, n))); } XT_CATCH_NULL
}
XT_API TH xt_flatten(TH a, int64_t start, int64_t end) {
  XT_TRY { return xt_wrap(at::flatten(xt_t(a), start, end)); } XT_CATCH_NULL
}
XT_API TH xt_narrow(TH a, int64_t dim, int64_t start, int64_t length) {
  XT_TRY { return xt_wrap(at::narrow(xt_t(a), dim, start, length)); } XT_CATCH_NULL
}
XT_API TH xt_slice(TH a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  XT_TRY { return xt_wrap(at::slice(xt_t(a), dim, start, end, step)); } XT_CATCH_NULL
}
XT_API TH xt_select(TH a, int64_t dim, int64_t index) {
  XT_TRY { return xt_wrap(at::select(xt_t(a), dim, index)); } XT_CATCH_NULL
}
XT_API TH xt_index_select(TH a, int64_t dim, TH index) {
  XT_TRY { return xt_wrap(at::index_select(xt_t(a), dim, xt_t(index))); } XT_CATCH_NULL
}
XT_API TH xt_gather(TH a, int64_t dim, TH index) {
  XT_TRY { return xt_wrap(at::gather(xt_t(a), dim, xt_t(index))); } XT_CATCH_NULL
}
XT_API TH xt_masked_fill(TH a, TH mask, double value) {
  XT_TRY { return xt_wrap(at::masked_fill(xt_t(a), xt_t(mask), value)); } XT_CATCH_NULL
}
XT_API TH xt_transpose(TH a, int64_t d0, int64_t d1) {
  XT_TRY { return xt_wrap(at::transpose(xt_t(a), d0, d1)); } XT_CATCH_NULL
}
XT_API TH xt_unsqueeze(TH a, int64_t dim) {
  XT_TRY { return xt_wrap(at::unsqueeze(xt_t(a), dim)); } XT_CATCH_NULL
}
// dim == INT64_MIN squeezes every size-1 dimension.
XT_API TH xt_squeeze(TH a, int64_t dim) {
  XT_TRY {
    if (dim == INT64_MIN) return xt_wrap(at::squeeze(xt_t(a)));
    return xt_wrap(at::squeeze(xt_t(a), dim));
  }
  XT_CATCH_NULL
}
XT_API TH xt_contiguous(TH a, int channels_last) {
  XT_TRY {
    return xt_wrap(xt_t(a).contiguous(channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
  }
  XT_CATCH_NULL
}
// Tensor.to(memory_format=...) as in PyTorch: the tensor itself when its strides already suggest the format, else a
// copy laid out in it. Unlike contiguous(format) this also re-lays a tensor whose channel dimension is 1: such a tensor
// counts as contiguous in both formats, so contiguous() keeps its NCHW strides, which make libtorch's convolution pick
// NCHW for it (a 1-channel stem in a channels_last net then ran NCHW, and reordered at the next layer).
XT_API TH xt_to_memory_format(TH a, int channels_last) {
  XT_TRY {
    const at::Tensor& t = xt_t(a);
    return xt_wrap(t.to(t.options(), /*non_blocking=*/false, /*copy=*/false,
                        channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
  }
  XT_CATCH_NULL
}
XT_API TH xt_to_dtype(TH a, int dtype) {
  XT_TRY { return xt_wrap(xt_t(a).to(to_scalar_type(dtype))); } XT_CATCH_NULL
}
XT_API TH xt_to_device(TH a, int dev_type, int dev_index) {
  XT_TRY { return xt_wrap(xt_t(a).to(xt::to_device(dev_type, dev_index))); } XT_CATCH_NULL
}
XT_API TH xt_clone(TH a) {
  XT_TRY { return xt_wrap(xt_t(a).clone()); } XT_CATCH_NULL
}
XT_API TH xt_detach(TH a) {
  XT_TRY { return xt_wrap(xt_t(a).detach()); } XT_CATCH_NULL
}
// A second handle to the same tensor (same autograd identity): lets C# hold two owners.
XT_API TH xt_alias(TH a) {
  XT_TRY { return xt_wrap(xt_t(a)); } XT_CATCH_NULL
}
XT_API TH xt_cat(TH* hs, int n, int64_t dim) {
  XT_TRY { return xt_wrap(at::cat(xt_list(hs, n), dim)); } XT_CATCH_NULL
}
XT_API TH xt_stack(TH* hs, int n, int64_t dim) {
  XT_TRY { return xt_wrap(at::stack(xt_list(hs, n), dim)); } XT_CATCH_NULL
}
XT_API TH xt_one_hot(TH a, int64_t num_classes) {
  XT_TRY { return xt_wrap(at::one_hot(xt_t(a), num_classes)); } XT_CATCH_NULL
}
XT_API int xt_topk(TH a, int64_t k, int64_t dim, int largest, TH* values, TH* indices) {
  XT_TRY {
    auto r = at::topk(xt_t(a), k, dim, largest != 0, true);
    *values = xt_wrap(std::get<0>(r));
    *indices = xt_wrap(std::get<1>(r));
    return 0;
  }
  XT_CATCH_STATUS
}
XT_API int xt_sort(TH a, int64_t dim, int descending, TH* values, TH* indices) {
  XT_TRY {
    auto r = at::sort(xt_t(a), dim, descending != 0);
    *values = xt_wrap(std::get<0>(r));
    *indices = xt_wrap(std::get<1>(r));
    return 0;
  }
  XT_CATCH_STATUS
}

// ---- autograd ---------------------------------------------------------------------------------------
XT_API int xt_backward(TH a, TH grad, int retain_graph, int create_graph) {
  XT_TRY {
    c10::optional<bool> retain;
    if (retain_graph >= 0) retain = retain_graph != 0;
    xt_t(a).backward(grad ? xt_t(grad) : at::Tensor(), retain, create_graph != 0);
    return 0;
  }
  XT_CATCH_STATUS
}
// *out = NULL when the tensor has no gradient.
XT_API int xt_grad(TH a, TH* out) {
  XT_TRY {
    const auto& g = xt_t(a).grad();
    *out = g.defined() ? xt_wrap(g) : nullptr;
    return 0;
  }
  XT_CATCH_STATUS
}
// Replaces .grad (NULL sets it to None, like zero_grad(set_to_none=True)).
XT_API int xt_set_grad(TH a, TH g) {
  XT_TRY {
    xt_t(a).mutable_grad() = g ? xt_t(g) : at::Tensor();
    return 0;
  }
  XT_CATCH_STATUS
}
XT_API int xt_set_requires_grad(TH a, int on) {
  XT_TRY { xt_t(a).requires_grad_(on != 0); return 0; } XT_CATCH_STATUS
}
XT_API int xt_retain_grad(TH a) {
  XT_TRY { xt_t(a).retain_grad(); return 0; } XT_CATCH_STATUS
}
// Swaps the data behind a tensor keeping its identity (what nn.Module.to(...) does to parameters).
XT_API int xt_set_data(TH a, TH src) {
  XT_TRY { xt_t(a).set_data(xt_t(src)); return 0; } XT_CATCH_STATUS
}
XT_API int xt_has_grad_fn(TH a) { return xt_t(a).grad_fn() ? 1 : 0; }
