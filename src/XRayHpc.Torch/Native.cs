using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

// P/Invoke surface of src/native/torch (libxrayhpc_torch.so, copied next to the assemblies).
// Tensor arguments are TensorHandle (SafeHandle): the marshaller AddRefs them for the duration of the
// call, so a tensor cannot be released while native code is using it. Results come back as raw
// IntPtr and are wrapped at once by Tensor.Wrap, which turns NULL into a TorchException.
// SuppressGCTransition is used only where the native side is a single atomic load: thread-locals in a
// dlopen'ed library may allocate on first touch, so TLS-reading entry points keep the normal transition.
internal static unsafe class Native
{
    internal const string Lib = "xrayhpc_torch";

    // Before the first tensor call: refuse a libtorch other than the one the shim was compiled against.
    static Native() => TorchBuild.EnsureMatch();

    // ---- runtime ----
    [DllImport(Lib)] internal static extern IntPtr xt_version();
    [DllImport(Lib)] internal static extern IntPtr xt_last_error();
    [DllImport(Lib), SuppressGCTransition] internal static extern long xt_live_tensors();
    [DllImport(Lib)] internal static extern long xt_live_tensors_this_thread();
    [DllImport(Lib)] internal static extern void xt_free(IntPtr h);
    [DllImport(Lib)] internal static extern int xt_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int xt_set_mkldnn_enabled(int on);
    [DllImport(Lib)] internal static extern int xt_mkldnn_enabled();
    [DllImport(Lib)] internal static extern int xt_get_num_threads();
    [DllImport(Lib)] internal static extern int xt_manual_seed(long seed);
    [DllImport(Lib)] internal static extern long xt_get_rng_state(byte* dst, long cap);
    [DllImport(Lib)] internal static extern int xt_set_rng_state(byte* src, long n);
    [DllImport(Lib)] internal static extern int xt_grad_enabled();
    [DllImport(Lib)] internal static extern void xt_set_grad_enabled(int on);
    [DllImport(Lib)] internal static extern int xt_autocast_enter(int deviceType, int dtype);
    [DllImport(Lib)] internal static extern int xt_autocast_exit();
    [DllImport(Lib)] internal static extern int xt_autocast_cpu_enabled();
    [DllImport(Lib)] internal static extern int xt_cuda_is_available();
    [DllImport(Lib)] internal static extern int xt_cuda_device_count();
    [DllImport(Lib)] internal static extern int xt_built_with_cuda();
    [DllImport(Lib)] internal static extern int xt_malloc_tuning_active();

    // ---- creation ----
    [DllImport(Lib)] internal static extern IntPtr xt_new(int kind, long* shape, int ndim, int dtype, int devType, int devIndex, int requiresGrad, double value);
    [DllImport(Lib)] internal static extern IntPtr xt_new_like(int kind, TensorHandle a, double value);
    [DllImport(Lib)] internal static extern IntPtr xt_arange(double start, double end, double step, int dtype);
    [DllImport(Lib)] internal static extern IntPtr xt_randint(long low, long high, long* shape, int ndim, int dtype);
    [DllImport(Lib)] internal static extern IntPtr xt_randperm(long n);
    [DllImport(Lib)] internal static extern IntPtr xt_eye(long n, int dtype);
    [DllImport(Lib)] internal static extern IntPtr xt_from_data(void* data, int dtype, long* shape, int ndim);

    // ---- queries ----
    [DllImport(Lib)] internal static extern int xt_dim(TensorHandle a);
    [DllImport(Lib)] internal static extern long xt_numel(TensorHandle a);
    [DllImport(Lib)] internal static extern void xt_shape(TensorHandle a, long* dst);
    [DllImport(Lib)] internal static extern void xt_strides(TensorHandle a, long* dst);
    [DllImport(Lib)] internal static extern int xt_dtype(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_element_size(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_device_type(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_device_index(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_requires_grad(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_is_leaf(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_is_contiguous(TensorHandle a, int channelsLast);
    [DllImport(Lib)] internal static extern IntPtr xt_data_ptr(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_same_storage(TensorHandle a, TensorHandle b);

    // ---- copies ----
    [DllImport(Lib)] internal static extern int xt_copy_out(TensorHandle a, int dtype, void* dst, long numel);
    [DllImport(Lib)] internal static extern int xt_copy_in(TensorHandle a, int dtype, void* src, long numel);
    [DllImport(Lib)] internal static extern int xt_item_double(TensorHandle a, out double value);
    [DllImport(Lib)] internal static extern int xt_item_long(TensorHandle a, out long value);

    // ---- element-wise ----
    [DllImport(Lib)] internal static extern IntPtr xt_binary(int op, TensorHandle a, TensorHandle b, double alpha);
    [DllImport(Lib)] internal static extern IntPtr xt_binary_scalar(int op, TensorHandle a, double s);
    [DllImport(Lib)] internal static extern IntPtr xt_unary(int op, TensorHandle a);
    [DllImport(Lib)] internal static extern IntPtr xt_clamp(TensorHandle a, double lo, double hi);
    [DllImport(Lib)] internal static extern IntPtr xt_where(TensorHandle cond, TensorHandle a, TensorHandle b);
    [DllImport(Lib)] internal static extern int xt_binary_(int op, TensorHandle a, TensorHandle b, double alpha);
    [DllImport(Lib)] internal static extern int xt_binary_scalar_(int op, TensorHandle a, double s);
    [DllImport(Lib)] internal static extern int xt_unary_(int op, TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_clamp_(TensorHandle a, double lo, double hi);
    [DllImport(Lib)] internal static extern int xt_addc_(int op, TensorHandle a, TensorHandle t1, TensorHandle t2, double value);
    [DllImport(Lib)] internal static extern int xt_random_(int op, TensorHandle a, double p0, double p1);

    // ---- reductions ----
    [DllImport(Lib)] internal static extern IntPtr xt_reduce_all(int op, TensorHandle a);
    [DllImport(Lib)] internal static extern IntPtr xt_reduce_dims(int op, TensorHandle a, long* dims, int n, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr xt_arg_reduce(int op, TensorHandle a, long dim, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr xt_norm(TensorHandle a, double p);
    [DllImport(Lib)] internal static extern int xt_all_finite(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_equal(TensorHandle a, TensorHandle b);
    [DllImport(Lib)] internal static extern int xt_allclose(TensorHandle a, TensorHandle b, double rtol, double atol);

    // ---- shape / views ----
    [DllImport(Lib)] internal static extern IntPtr xt_reshape(TensorHandle a, long* shape, int n);
    [DllImport(Lib)] internal static extern IntPtr xt_view(TensorHandle a, long* shape, int n);
    [DllImport(Lib)] internal static extern IntPtr xt_expand(TensorHandle a, long* shape, int n);
    [DllImport(Lib)] internal static extern IntPtr xt_permute(TensorHandle a, long* dims, int n);
    [DllImport(Lib)] internal static extern IntPtr xt_flatten(TensorHandle a, long start, long end);
    [DllImport(Lib)] internal static extern IntPtr xt_narrow(TensorHandle a, long dim, long start, long length);
    [DllImport(Lib)] internal static extern IntPtr xt_slice(TensorHandle a, long dim, long start, long end, long step);
    [DllImport(Lib)] internal static extern IntPtr xt_select(TensorHandle a, long dim, long index);
    [DllImport(Lib)] internal static extern IntPtr xt_index_select(TensorHandle a, long dim, TensorHandle index);
    [DllImport(Lib)] internal static extern IntPtr xt_gather(TensorHandle a, long dim, TensorHandle index);
    [DllImport(Lib)] internal static extern IntPtr xt_masked_fill(TensorHandle a, TensorHandle mask, double value);
    [DllImport(Lib)] internal static extern IntPtr xt_transpose(TensorHandle a, long d0, long d1);
    [DllImport(Lib)] internal static extern IntPtr xt_unsqueeze(TensorHandle a, long dim);
    [DllImport(Lib)] internal static extern IntPtr xt_squeeze(TensorHandle a, long dim);
    [DllImport(Lib)] internal static extern IntPtr xt_contiguous(TensorHandle a, int channelsLast);
    [DllImport(Lib)] internal static extern IntPtr xt_to_memory_format(TensorHandle a, int channelsLast);
    [DllImport(Lib)] internal static extern IntPtr xt_to_dtype(TensorHandle a, int dtype);
    [DllImport(Lib)] internal static extern IntPtr xt_to_device(TensorHandle a, int devType, int devIndex);
    [DllImport(Lib)] internal static extern IntPtr xt_clone(TensorHandle a);
    [DllImport(Lib)] internal static extern IntPtr xt_detach(TensorHandle a);
    [DllImport(Lib)] internal static extern IntPtr xt_alias(TensorHandle a);
    [DllImport(Lib)] internal static extern IntPtr xt_cat(IntPtr* handles, int n, long dim);
    [DllImport(Lib)] internal static extern IntPtr xt_stack(IntPtr* handles, int n, long dim);
    [DllImport(Lib)] internal static extern IntPtr xt_one_hot(TensorHandle a, long numClasses);
    [DllImport(Lib)] internal static extern int xt_topk(TensorHandle a, long k, long dim, int largest, out IntPtr values, out IntPtr indices);
    [DllImport(Lib)] internal static extern int xt_sort(TensorHandle a, long dim, int descending, out IntPtr values, out IntPtr indices);

    // ---- autograd ----
    [DllImport(Lib)] internal static extern int xt_backward(TensorHandle a, TensorHandle grad, int retainGraph, int createGraph);
    [DllImport(Lib)] internal static extern int xt_grad(TensorHandle a, out IntPtr grad);
    [DllImport(Lib)] internal static extern int xt_set_grad(TensorHandle a, TensorHandle grad);
    [DllImport(Lib)] internal static extern int xt_set_requires_grad(TensorHandle a, int on);
    [DllImport(Lib)] internal static extern int xt_retain_grad(TensorHandle a);
    [DllImport(Lib)] internal static extern int xt_set_data(TensorHandle a, TensorHandle src);
    [DllImport(Lib)] internal static extern int xt_has_grad_fn(TensorHandle a);

    // ---- nn ----
    [DllImport(Lib)] internal static extern IntPtr xt_conv2d(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long* padding, long* dilation, long groups);
    [DllImport(Lib)] internal static extern IntPtr xt_batch_norm(TensorHandle input, TensorHandle weight, TensorHandle bias, TensorHandle runningMean, TensorHandle runningVar, int training, double momentum, double eps);
    [DllImport(Lib)] internal static extern IntPtr xt_linear(TensorHandle input, TensorHandle weight, TensorHandle bias);
    [DllImport(Lib)] internal static extern IntPtr xt_max_pool2d(TensorHandle input, long* kernel, long* stride, long* padding, long* dilation, int ceilMode);
    [DllImport(Lib)] internal static extern IntPtr xt_avg_pool2d(TensorHandle input, long* kernel, long* stride, long* padding, int ceilMode, int countIncludePad, long divisorOverride);
    [DllImport(Lib)] internal static extern IntPtr xt_adaptive_avg_pool2d(TensorHandle input, long* outputSize);
    [DllImport(Lib)] internal static extern IntPtr xt_dropout(TensorHandle input, double p, int train);
    [DllImport(Lib)] internal static extern int xt_relu_(TensorHandle input);
    [DllImport(Lib)] internal static extern IntPtr xt_softmax(TensorHandle input, long dim, int log);
    [DllImport(Lib)] internal static extern IntPtr xt_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex, double labelSmoothing);
    [DllImport(Lib)] internal static extern IntPtr xt_bce_with_logits(TensorHandle input, TensorHandle target, TensorHandle weight, TensorHandle posWeight, int reduction);
    [DllImport(Lib)] internal static extern IntPtr xt_mse_loss(TensorHandle input, TensorHandle target, int reduction);
    [DllImport(Lib)] internal static extern IntPtr xt_nll_loss(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex);

    internal static string LastError()
    {
        var p = xt_last_error();
        var msg = p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
        return string.IsNullOrEmpty(msg) ? "libtorch reported an error without a message" : msg;
    }

    /// <summary>Throws TorchException with libtorch's message when a status-returning call failed.</summary>
    internal static void Check(int status)
    {
        if (status < 0) throw new TorchException(LastError());
    }
}
