// optim.cpp — fused optimizer steps: one call updates every parameter of a group, so a ResNet-18
// SGD step costs one P/Invoke instead of ~250, and the per-parameter temporaries stay inside C++.
// Each loop body is torch.optim's single-tensor implementation (foreach=False, the default on the CPU) op
// for op, in the same order and with the same scalar types, so results are bit-identical to Python of the
// same version (where torch.optim changed an op between versions, compat.h picks the running version's).
#include "compat.h"
#include "shim.h"
#include <c10/core/GradMode.h>
#include <cmath>
#include <limits>

namespace {
// torch.optim steps run under @torch.no_grad().
struct StepGuard {
  c10::AutoGradMode no_grad{false};
};
}  // namespace

// SGD. bufs[i] are momentum buffers allocated by C# (zeros, same shape); has_buf[i] == 0 means the
// buffer holds no history yet, and it is initialised like torch's `buf = torch.clone(d_p)`
// (has_buf is set to 1 here). A parameter without a gradient is skipped, as torch does.
XT_API int xt_sgd_step(TH* params, TH* bufs, uint8_t* has_buf, int n, double lr, double momentum,
                       double dampening, double weight_decay, int nesterov, int maximize) {
  XT_TRY {
    StepGuard guard;
    for (int i = 0; i < n; i++) {
      at::Tensor& p = xt_t(params[i]);
      const at::Tensor& g = p.grad();
      if (!g.defined()) continue;
      at::Tensor d_p = maximize ? g.neg() : g;
      if (weight_decay != 0) d_p = d_p.add(p, weight_decay);
      if (momentum != 0) {
        at::Tensor& buf = xt_t(bufs[i]);
        if (!has_buf[i]) {
          buf.copy_(d_p);
          has_buf[i] = 1;
        } else {
          buf.mul_(momentum).add_(d_p, 1 - dampening);
        }
        if (nesterov) d_p = d_p.add(buf, momentum);
        else d_p = buf;
      }
      p.add_(d_p, -lr);
    }
    return 0;
  }
  XT_CATCH_STATUS
}

// Adam and AdamW (decoupled = 1). steps[i] is torch's per-parameter `state['step']`; it is incremented
// here for every parameter that has a gradient.
XT_API int xt_adam_step(TH* params, TH* exp_avgs, TH* exp_avg_sqs, double* steps, int n, double lr,
                        double beta1, double beta2, double eps, double weight_decay, int decoupled,
                        int maximize) {
  XT_TRY {
    StepGuard guard;
    for (int i = 0; i < n; i++) {
      at::Tensor& p = xt_t(params[i]);
      const at::Tensor& g0 = p.grad();
      if (!g0.defined()) continue;
      at::Tensor grad = maximize ? g0.neg() : g0;
      at::Tensor& exp_avg = xt_t(exp_avgs[i]);
      at::Tensor& exp_avg_sq = xt_t(exp_avg_sqs[i]);
      steps[i] += 1;
      if (decoupled) {
        p.mul_(1 - lr * weight_decay);
      } else if (weight_decay != 0) {
        grad = grad.add(p, weight_decay);
      }
      xt::compat::adam_first_moment_(exp_avg, grad, beta1);
      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      double step = steps[i];
      double bias_correction1 = 1 - std::pow(beta1, step);
      double bias_correction2 = 1 - std::pow(beta2, step);
      double step_size = lr / bias_correction1;
      double bias_correction2_sqrt = std::sqrt(bias_correction2);
      at::Tensor denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
      p.addcdiv_(exp_avg, denom, -step_size);
    }
    return 0;
  }
  XT_CATCH_STATUS
}

// Optimizer.zero_grad(set_to_none) of torch 1.13.
XT_API int xt_zero_grad(TH* params, int n, int set_to_none) {
  XT_TRY {
    for (int i = 0; i < n; i++) {
      at::Tensor& p = xt_t(params[i]);
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.mutable_grad().reset();
      } else {
        at::Tensor& g = p.mutable_grad();
        if (g.grad_fn()) g = g.detach();
        else g.requires_grad_(false);
        g.zero_();
      }
    }
    return 0;
  }
  XT_CATCH_STATUS
}

// torch.nn.utils.clip_grad_norm_ (1.13): returns the total norm of all gradients (as a new 0-dim
// tensor handle) and scales them in place by min(1, max_norm / (total + 1e-6)).
XT_API TH xt_clip_grad_norm(TH* params, int n, double max_norm, double norm_type) {
  XT_TRY {
    StepGuard guard;
    std::vector<at::Tensor> grads;
    grads.reserve(n);
    for (int i = 0; i < n; i++) {
      const at::Tensor& g = xt_t(params[i]).grad();
      if (g.defined()) grads.push_back(g);
    }
    if (grads.empty()) return xt_wrap(at::zeros({}, at::kFloat));
    at::Tensor total;
    if (std::isinf(norm_type)) {
      std::vector<at::Tensor> norms;
      for (auto& g : grads) norms.push_back(g.detach().abs().max());
      total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
    } else {
      std::vector<at::Tensor> norms;
      for (auto& g : grads) norms.push_back(at::norm(g.detach(), norm_type));
      total = at::norm(at::stack(norms), norm_type);
    }
    at::Tensor coef = max_norm / (total + 1e-6);
    at::Tensor clamped = at::clamp(coef, c10::nullopt, 1.0);
    for (auto& g : grads) g.detach().mul_(clamped);
    return xt_wrap(total);
  }
  XT_CATCH_NULL
}

// GradScaler.unscale_: multiplies every gradient by inv_scale and reports whether any was inf/NaN
// (1 = found, 0 = all finite, -1 = error). CPU libtorch 1.13 has no _amp_foreach_non_finite_check_and_
// unscale_ kernel, so this is the same two steps written out.
XT_API int xt_unscale_grads(TH* params, int n, double inv_scale) {
  XT_TRY {
    StepGuard guard;
    bool found = false;
    for (int i = 0; i < n; i++) {
      const at::Tensor& g = xt_t(params[i]).grad();
      if (!g.defined()) continue;
      if (!found && !at::isfinite(g).all().item<bool>()) found = true;
      g.mul_(inv_scale);
    }
    return found ? 1 : 0;
  }
  XT_CATCH_STATUS
}
