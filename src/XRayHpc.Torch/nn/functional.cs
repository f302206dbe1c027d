namespace XRayHpc.Torch.nn;

public enum Reduction { None = 0, Mean = 1, Sum = 2 }

/// <summary>Stateless ops, as torch.nn.functional. Pair arguments are (height, width).</summary>
public static unsafe class functional
{
    private static long[] P(long v) => new[] { v, v };
    private static TensorHandle H(Tensor? t) => t?.handle ?? TensorHandle.Null;

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        conv2d(input, weight, bias, P(stride), P(padding), P(dilation), groups);

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1)
    {
        fixed (long* s = stride)
        fixed (long* p = padding)
        fixed (long* d = dilation)
            return Tensor.Wrap(Native.xt_conv2d(input.handle, weight.handle, H(bias), s, p, d, groups));
    }

    /// <summary>Updates running_mean/running_var in place when training (momentum as PyTorch's).</summary>
    public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null,
                                    bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        Tensor.Wrap(Native.xt_batch_norm(input.handle, H(weight), H(bias), H(running_mean), H(running_var), training ? 1 : 0, momentum, eps));

    public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        Tensor.Wrap(Native.xt_linear(input.handle, weight.handle, H(bias)));

    public static Tensor relu(Tensor input) => input.relu();
    public static Tensor relu_(Tensor input)
    {
        Native.Check(Native.xt_relu_(input.handle));
        return input;
    }
    public static Tensor sigmoid(Tensor input) => input.sigmoid();

    public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
        max_pool2d(input, P(kernel_size), P(stride ?? kernel_size), P(padding), P(dilation), ceil_mode);

    public static Tensor max_pool2d(Tensor input, long[] kernel_size, long[] stride, long[] padding, long[] dilation, bool ceil_mode = false)
    {
        fixed (long* k = kernel_size)
        fixed (long* s = stride)
        fixed (long* p = padding)
        fixed (long* d = dilation)
            return Tensor.Wrap(Native.xt_max_pool2d(input.handle, k, s, p, d, ceil_mode ? 1 : 0));
    }

    public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false,
                                    bool count_include_pad = true, long? divisor_override = null) =>
        avg_pool2d(input, P(kernel_size), P(stride ?? kernel_size), P(padding), ceil_mode, count_include_pad, divisor_override);

    public static Tensor avg_pool2d(Tensor input, long[] kernel_size, long[] stride, long[] padding, bool ceil_mode = false,
                                    bool count_include_pad = true, long? divisor_override = null)
    {
        fixed (long* k = kernel_size)
        fixed (long* s = stride)
        fixed (long* p = padding)
            return Tensor.Wrap(Native.xt_avg_pool2d(input.handle, k, s, p, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0, divisor_override ?? 0));
    }

    public static Tensor adaptive_avg_pool2d(Tensor input, long output_size) => adaptive_avg_pool2d(input, P(output_size));
    public static Tensor adaptive_avg_pool2d(Tensor input, long[] output_size)
    {
        fixed (long* o = output_size) return Tensor.Wrap(Native.xt_adaptive_avg_pool2d(input.handle, o));
    }

    /// <summary>Inverted dropout (scales kept values by 1/(1-p)) when training; identity otherwise.</summary>
    public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) =>
        Tensor.Wrap(Native.xt_dropout(input.handle, p, training ? 1 : 0));

    public static Tensor flatten(Tensor input, long start_dim = 0, long end_dim = -1) => input.flatten(start_dim, end_dim);
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => torch.cat(tensors, dim);
    public static Tensor softmax(Tensor input, long dim) => Tensor.Wrap(Native.xt_softmax(input.handle, dim, 0));
    public static Tensor log_softmax(Tensor input, long dim) => Tensor.Wrap(Native.xt_softmax(input.handle, dim, 1));

    /// <summary>Targets: int64 class indices (N) or class probabilities (N×C).</summary>
    public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                                       long ignore_index = -100, double label_smoothing = 0) =>
        Tensor.Wrap(Native.xt_cross_entropy(input.handle, target.handle, H(weight), (int)reduction, ignore_index, label_smoothing));

    /// <summary>Multi-label loss on logits. pos_weight (C) scales positive terms; weight rescales elements (e.g. a label mask).</summary>
    public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Tensor? pos_weight = null,
                                                          Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(Native.xt_bce_with_logits(input.handle, target.handle, H(weight), H(pos_weight), (int)reduction));

    public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(Native.xt_mse_loss(input.handle, target.handle, (int)reduction));

    public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignore_index = -100) =>
        Tensor.Wrap(Native.xt_nll_loss(input.handle, target.handle, H(weight), (int)reduction, ignore_index));
}
