namespace XRayHpc.Torch;

// Op codes mirror the switch statements in src/native/torch/tensor.cpp.
public partial class Tensor
{
    private enum Bin { Add, Sub, Mul, Div, Pow, Eq, Ne, Lt, Le, Gt, Ge, Maximum, Minimum, Matmul, And, Or }
    private enum BinS { Add, Sub, Mul, Div, Pow, Eq, Ne, Lt, Le, Gt, Ge, RSub, ClampMin, ClampMax }
    private enum Un { Neg, Sqrt, Abs, Exp, Log, Sigmoid, Relu, Tanh, Sign, Rsqrt, Square, Reciprocal, IsFinite, IsNan, Floor, Ceil, Round, Log1p, Not }
    private enum BinI { Add, Sub, Mul, Div, Copy, Pow, Lerp }
    private enum BinSI { Add, Sub, Mul, Div, Fill, Pow, ClampMin, ClampMax }
    private enum UnI { Zero, Sqrt, Abs, Neg, Relu, Exp, Sigmoid }
    private enum Red { Sum, Mean, Max, Min, Prod, Any, All }
    private enum RedD { Sum, Mean, Amax, Amin, Var, Std, LogSumExp }

    private Tensor B(Bin op, Tensor o, double alpha = 1) => Wrap(Native.xt_binary((int)op, handle, o.handle, alpha));
    private Tensor BS(BinS op, double s) => Wrap(Native.xt_binary_scalar((int)op, handle, s));
    private Tensor U(Un op) => Wrap(Native.xt_unary((int)op, handle));
    private Tensor BI(BinI op, Tensor o, double alpha = 1) { Native.Check(Native.xt_binary_((int)op, handle, o.handle, alpha)); return this; }
    private Tensor BSI(BinSI op, double s) { Native.Check(Native.xt_binary_scalar_((int)op, handle, s)); return this; }
    private Tensor UI(UnI op) { Native.Check(Native.xt_unary_((int)op, handle)); return this; }

    // ---- arithmetic ----
    public Tensor add(Tensor other, double alpha = 1) => B(Bin.Add, other, alpha);
    public Tensor add(double s) => BS(BinS.Add, s);
    public Tensor sub(Tensor other, double alpha = 1) => B(Bin.Sub, other, alpha);
    public Tensor sub(double s) => BS(BinS.Sub, s);
    public Tensor mul(Tensor other) => B(Bin.Mul, other);
    public Tensor mul(double s) => BS(BinS.Mul, s);
    public Tensor div(Tensor other) => B(Bin.Div, other);
    public Tensor div(double s) => BS(BinS.Div, s);
    public Tensor pow(Tensor exponent) => B(Bin.Pow, exponent);
    public Tensor pow(double exponent) => BS(BinS.Pow, exponent);
    public Tensor maximum(Tensor other) => B(Bin.Maximum, other);
    public Tensor minimum(Tensor other) => B(Bin.Minimum, other);
    public Tensor matmul(Tensor other) => B(Bin.Matmul, other);
    public Tensor logical_and(Tensor other) => B(Bin.And, other);
    public Tensor logical_or(Tensor other) => B(Bin.Or, other);
    public Tensor logical_not() => U(Un.Not);

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, double s) => a.add(s);
    public static Tensor operator +(double s, Tensor a) => a.add(s);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, double s) => a.sub(s);
    public static Tensor operator -(double s, Tensor a) => a.BS(BinS.RSub, s);
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, double s) => a.mul(s);
    public static Tensor operator *(double s, Tensor a) => a.mul(s);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, double s) => a.div(s);
    public static Tensor operator -(Tensor a) => a.neg();

    // ---- comparisons (bool tensors) ----
    public Tensor eq(Tensor o) => B(Bin.Eq, o);
    public Tensor eq(double s) => BS(BinS.Eq, s);
    public Tensor ne(Tensor o) => B(Bin.Ne, o);
    public Tensor ne(double s) => BS(BinS.Ne, s);
    public Tensor lt(Tensor o) => B(Bin.Lt, o);
    public Tensor lt(double s) => BS(BinS.Lt, s);
    public Tensor le(Tensor o) => B(Bin.Le, o);
    public Tensor le(double s) => BS(BinS.Le, s);
    public Tensor gt(Tensor o) => B(Bin.Gt, o);
    public Tensor gt(double s) => BS(BinS.Gt, s);
    public Tensor ge(Tensor o) => B(Bin.Ge, o);
    public Tensor ge(double s) => BS(BinS.Ge, s);

    // ---- unary ----
    public Tensor neg() => U(Un.Neg);
    public Tensor sqrt() => U(Un.Sqrt);
    public Tensor rsqrt() => U(Un.Rsqrt);
    public Tensor abs() => U(Un.Abs);
    public Tensor exp() => U(Un.Exp);
    public Tensor log() => U(Un.Log);
    public Tensor log1p() => U(Un.Log1p);
    public Tensor sigmoid() => U(Un.Sigmoid);
    public Tensor relu() => U(Un.Relu);
    public Tensor tanh() => U(Un.Tanh);
    public Tensor sign() => U(Un.Sign);
    public Tensor square() => U(Un.Square);
    public Tensor reciprocal() => U(Un.Reciprocal);
    public Tensor isfinite() => U(Un.IsFinite);
    public Tensor isnan() => U(Un.IsNan);
    public Tensor floor() => U(Un.Floor);
    public Tensor ceil() => U(Un.Ceil);
    public Tensor round() => U(Un.Round);
    public Tensor clamp(double? min = null, double? max = null) =>
        Wrap(Native.xt_clamp(handle, min ?? double.NaN, max ?? double.NaN));
    public Tensor clamp_min(double min) => BS(BinS.ClampMin, min);
    public Tensor clamp_max(double max) => BS(BinS.ClampMax, max);

    // ---- in-place (return this) ----
    public Tensor add_(Tensor other, double alpha = 1) => BI(BinI.Add, other, alpha);
    public Tensor add_(double s) => BSI(BinSI.Add, s);
    public Tensor sub_(Tensor other, double alpha = 1) => BI(BinI.Sub, other, alpha);
    public Tensor sub_(double s) => BSI(BinSI.Sub, s);
    public Tensor mul_(Tensor other) => BI(BinI.Mul, other);
    public Tensor mul_(double s) => BSI(BinSI.Mul, s);
    public Tensor div_(Tensor other) => BI(BinI.Div, other);
    public Tensor div_(double s) => BSI(BinSI.Div, s);
    public Tensor pow_(Tensor e) => BI(BinI.Pow, e);
    public Tensor pow_(double e) => BSI(BinSI.Pow, e);
    /// <summary>this += weight * (end - this)</summary>
    public Tensor lerp_(Tensor end, double weight) => BI(BinI.Lerp, end, weight);
    public Tensor copy_(Tensor src) => BI(BinI.Copy, src);
    public Tensor fill_(double value) => BSI(BinSI.Fill, value);
    public Tensor zero_() => UI(UnI.Zero);
    public Tensor sqrt_() => UI(UnI.Sqrt);
    public Tensor abs_() => UI(UnI.Abs);
    public Tensor neg_() => UI(UnI.Neg);
    public Tensor relu_() => UI(UnI.Relu);
    public Tensor exp_() => UI(UnI.Exp);
    public Tensor sigmoid_() => UI(UnI.Sigmoid);
    public Tensor clamp_min_(double min) => BSI(BinSI.ClampMin, min);
    public Tensor clamp_max_(double max) => BSI(BinSI.ClampMax, max);
    public Tensor clamp_(double? min = null, double? max = null)
    {
        Native.Check(Native.xt_clamp_(handle, min ?? double.NaN, max ?? double.NaN));
        return this;
    }
    /// <summary>this += value * tensor1 * tensor2</summary>
    public Tensor addcmul_(Tensor tensor1, Tensor tensor2, double value = 1)
    {
        Native.Check(Native.xt_addc_(0, handle, tensor1.handle, tensor2.handle, value));
        return this;
    }
    /// <summary>this += value * tensor1 / tensor2</summary>
    public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, double value = 1)
    {
        Native.Check(Native.xt_addc_(1, handle, tensor1.handle, tensor2.handle, value));
        return this;
    }
    /// <summary>Fills from N(mean, std) using the global generator (never recorded by autograd).</summary>
    public Tensor normal_(double mean = 0, double std = 1) { Native.Check(Native.xt_random_(0, handle, mean, std)); return this; }
    public Tensor uniform_(double from = 0, double to = 1) { Native.Check(Native.xt_random_(1, handle, from, to)); return this; }
    public Tensor bernoulli_(double p = 0.5) { Native.Check(Native.xt_random_(2, handle, p, 0)); return this; }

    // ---- reductions ----
    private Tensor RA(Red op) => Wrap(Native.xt_reduce_all((int)op, handle));
    private unsafe Tensor RD(RedD op, long[] dims, bool keepdim)
    {
        fixed (long* p = dims) return Wrap(Native.xt_reduce_dims((int)op, handle, p, dims.Length, keepdim ? 1 : 0));
    }
    public Tensor sum() => RA(Red.Sum);
    public Tensor sum(long dim, bool keepdim = false) => RD(RedD.Sum, new[] { dim }, keepdim);
    public Tensor sum(long[] dims, bool keepdim = false) => RD(RedD.Sum, dims, keepdim);
    public Tensor mean() => RA(Red.Mean);
    public Tensor mean(long dim, bool keepdim = false) => RD(RedD.Mean, new[] { dim }, keepdim);
    public Tensor mean(long[] dims, bool keepdim = false) => RD(RedD.Mean, dims, keepdim);
    public Tensor max() => RA(Red.Max);
    public Tensor min() => RA(Red.Min);
    public Tensor prod() => RA(Red.Prod);
    public Tensor any() => RA(Red.Any);
    public Tensor all() => RA(Red.All);
    public Tensor amax(long dim, bool keepdim = false) => RD(RedD.Amax, new[] { dim }, keepdim);
    public Tensor amin(long dim, bool keepdim = false) => RD(RedD.Amin, new[] { dim }, keepdim);
    public Tensor var(long dim, bool keepdim = false) => RD(RedD.Var, new[] { dim }, keepdim);
    public Tensor std(long dim, bool keepdim = false) => RD(RedD.Std, new[] { dim }, keepdim);
    public Tensor logsumexp(long dim, bool keepdim = false) => RD(RedD.LogSumExp, new[] { dim }, keepdim);
    public Tensor argmax(long dim, bool keepdim = false) => Wrap(Native.xt_arg_reduce(0, handle, dim, keepdim ? 1 : 0));
    public Tensor argmin(long dim, bool keepdim = false) => Wrap(Native.xt_arg_reduce(1, handle, dim, keepdim ? 1 : 0));
    /// <summary>p-norm over all elements (a 0-dim tensor).</summary>
    public Tensor norm(double p = 2) => Wrap(Native.xt_norm(handle, p));

    /// <summary>True when no element is NaN or infinite (always true for integer tensors).</summary>
    public bool all_finite()
    {
        int r = Native.xt_all_finite(handle);
        Native.Check(r);
        return r == 1;
    }

    /// <summary>Same shape and exactly equal elements.</summary>
    public bool equal(Tensor other)
    {
        int r = Native.xt_equal(handle, other.handle);
        Native.Check(r);
        return r == 1;
    }

    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        int r = Native.xt_allclose(handle, other.handle, rtol, atol);
        Native.Check(r);
        return r == 1;
    }

    // ---- shape and views ----
    public unsafe Tensor reshape(params long[] shape) { fixed (long* p = shape) return Wrap(Native.xt_reshape(handle, p, shape.Length)); }
    public unsafe Tensor view(params long[] shape) { fixed (long* p = shape) return Wrap(Native.xt_view(handle, p, shape.Length)); }
    public unsafe Tensor expand(params long[] shape) { fixed (long* p = shape) return Wrap(Native.xt_expand(handle, p, shape.Length)); }
    public unsafe Tensor permute(params long[] dims) { fixed (long* p = dims) return Wrap(Native.xt_permute(handle, p, dims.Length)); }
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Wrap(Native.xt_flatten(handle, start_dim, end_dim));
    public Tensor narrow(long dim, long start, long length) => Wrap(Native.xt_narrow(handle, dim, start, length));
    public Tensor slice(long dim, long start, long end, long step = 1) => Wrap(Native.xt_slice(handle, dim, start, end, step));
    public Tensor select(long dim, long index) => Wrap(Native.xt_select(handle, dim, index));
    public Tensor index_select(long dim, Tensor index) => Wrap(Native.xt_index_select(handle, dim, index.handle));
    public Tensor gather(long dim, Tensor index) => Wrap(Native.xt_gather(handle, dim, index.handle));
    public Tensor masked_fill(Tensor mask, double value) => Wrap(Native.xt_masked_fill(handle, mask.handle, value));
    public Tensor transpose(long dim0, long dim1) => Wrap(Native.xt_transpose(handle, dim0, dim1));
    public Tensor t() => transpose(0, 1);
    public Tensor unsqueeze(long dim) => Wrap(Native.xt_unsqueeze(handle, dim));
    public Tensor squeeze() => Wrap(Native.xt_squeeze(handle, long.MinValue));
    public Tensor squeeze(long dim) => Wrap(Native.xt_squeeze(handle, dim));
    public Tensor one_hot(long num_classes = -1) => Wrap(Native.xt_one_hot(handle, num_classes));
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true)
    {
        Native.Check(Native.xt_topk(handle, k, dim, largest ? 1 : 0, out var v, out var i));
        return (Wrap(v), Wrap(i));
    }
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        Native.Check(Native.xt_sort(handle, dim, descending ? 1 : 0, out var v, out var i));
        return (Wrap(v), Wrap(i));
    }

    // ---- copies and conversions ----
    public Tensor contiguous() => Wrap(Native.xt_contiguous(handle, 0));
    public Tensor contiguous(MemoryFormat format) => Wrap(Native.xt_contiguous(handle, (int)format));
    public Tensor to(ScalarType type) => Wrap(Native.xt_to_dtype(handle, (int)type));
    public Tensor to(Device device) => Wrap(Native.xt_to_device(handle, (int)device.type, device.index));
    /// <summary>PyTorch's <c>to(memory_format=...)</c>: this tensor when its strides already suggest the format, else a
    /// copy in it. Differs from <see cref="contiguous(MemoryFormat)"/> only for size-1 channel (or spatial) dimensions,
    /// where contiguous() keeps NCHW strides that libtorch's convolution then takes for NCHW.</summary>
    public Tensor to(MemoryFormat format) => Wrap(Native.xt_to_memory_format(handle, (int)format));
    public Tensor cpu() => to(Device.CPU);
    public Tensor clone() => Wrap(Native.xt_clone(handle));
    /// <summary>A new tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor detach() => Wrap(Native.xt_detach(handle));
    /// <summary>A second owner of the same tensor (same autograd identity); dispose both.</summary>
    public Tensor alias() => Wrap(Native.xt_alias(handle));

    // ---- *_like factories ----
    public Tensor zeros_like() => Wrap(Native.xt_new_like(1, handle, 0));
    public Tensor ones_like() => Wrap(Native.xt_new_like(2, handle, 0));
    public Tensor empty_like() => Wrap(Native.xt_new_like(0, handle, 0));
    public Tensor full_like(double value) => Wrap(Native.xt_new_like(3, handle, value));
    public Tensor randn_like() => Wrap(Native.xt_new_like(5, handle, 0));
    public Tensor rand_like() => Wrap(Native.xt_new_like(4, handle, 0));
}
