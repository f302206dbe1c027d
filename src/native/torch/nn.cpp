// Neural-network ops used by ResNet/DenseNet, forward and (through autograd) backward.
#include "shim.h"

// Pair arguments arrive as int64_t[2] (height, width).
static at::IntArrayRef pair(const int64_t* p) { return at::IntArrayRef(p, 2); }

XT_API TH xt_conv2d(TH input, TH weight, TH bias, const int64_t* stride, const int64_t* padding,
                    const int64_t* dilation, int64_t groups) {
  XT_TRY {
    return xt_wrap(at::conv2d(xt_t(input), xt_t(weight), xt_opt(bias), pair(stride), pair(padding),
                              pair(dilation), groups));
  }
  XT_CATCH_NULL
}
// Running statistics (if given) are updated in place when training, as torch.nn.functional.batch_norm.
XT_API TH xt_batch_norm(TH input, TH weight, TH bias, TH running_mean, TH running_var, int training,
                        double momentum, double eps) {
  XT_TRY {
    return xt_wrap(at::batch_norm(xt_t(input), xt_opt(weight), xt_opt(bias), xt_opt(running_mean),
                                  xt_opt(running_var), training != 0, momentum, eps,
                                  at::globalContext().userEnabledCuDNN()));
  }
  XT_CATCH_NULL
}
XT_API TH xt_linear(TH input, TH weight, TH bias) {
  XT_TRY { return xt_wrap(at::linear(xt_t(input), xt_t(weight), xt_opt(bias))); } XT_CATCH_NULL
}
XT_API TH xt_max_pool2d(TH input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                        const int64_t* dilation, int ceil_mode) {
  XT_TRY {
    return xt_wrap(at::max_pool2d(xt_t(input), pair(kernel), pair(stride), pair(padding), pair(dilation),
                                  ceil_mode != 0));
  }
  XT_CATCH_NULL
}
// divisor_override <= 0 means none.
XT_API TH xt_avg_pool2d(TH input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                        int ceil_mode, int count_include_pad, int64_t divisor_override) {
  XT_TRY {
    c10::optional<int64_t> div;
    if (divisor_override > 0) div = divisor_override;
    return xt_wrap(at::avg_pool2d(xt_t(input), pair(kernel), pair(stride), pair(padding), ceil_mode != 0,
                                  count_include_pad != 0, div));
  }
  XT_CATCH_NULL
}
XT_API TH xt_adaptive_avg_pool2d(TH input, const int64_t* output_size) {
  XT_TRY { return xt_wrap(at::adaptive_avg_pool2d(xt_t(input), pair(output_size))); } XT_CATCH_NULL
}
XT_API TH xt_dropout(TH input, double p, int train) {
  XT_TRY { return xt_wrap(at::dropout(xt_t(input), p, train != 0)); } XT_CATCH_NULL
}
XT_API int xt_relu_(TH input) {
  XT_TRY { at::relu_(xt_t(input)); return 0; } XT_CATCH_STATUS
}
XT_API TH xt_softmax(TH input, int64_t dim, int log) {
  XT_TRY {
    return xt_wrap(log ? at::log_softmax(xt_t(input), dim) : at::softmax(xt_t(input), dim));
  }
  XT_CATCH_NULL
}
// reduction: 0 none, 1 mean, 2 sum (at::Reduction order). Class-index targets (int64) or probabilities.
XT_API TH xt_cross_entropy(TH input, TH target, TH weight, int reduction, int64_t ignore_index,
                           double label_smoothing) {
  XT_TRY {
    return xt_wrap(at::cross_entropy_loss(xt_t(input), xt_t(target), xt_opt(weight), reduction, ignore_index,
                                          label_smoothing));
  }
  XT_CATCH_NULL
}
XT_API TH xt_bce_with_logits(TH input, TH target, TH weight, TH pos_weight, int reduction) {
  XT_TRY {
    return xt_wrap(at::binary_cross_entropy_with_logits(xt_t(input), xt_t(target), xt_opt(weight),
                                                        xt_opt(pos_weight), reduction));
  }
  XT_CATCH_NULL
}
XT_API TH xt_mse_loss(TH input, TH target, int reduction) {
  XT_TRY { return xt_wrap(at::mse_loss(xt_t(input), xt_t(target), reduction)); } XT_CATCH_NULL
}
XT_API TH xt_nll_loss(TH input, TH target, TH weight, int reduction, int64_t ignore_index) {
  XT_TRY {
    return xt_wrap(at::nll_loss(xt_t(input), xt_t(target), xt_opt(weight), reduction, ignore_index));
  }
  XT_CATCH_NULL
}
