using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

/// <summary>Factories and process/thread state, named as in PyTorch/TorchSharp (`torch.zeros(...)`).</summary>
public static partial class torch
{
    private enum New { Empty, Zeros, Ones, Full, Rand, Randn }

    private static unsafe Tensor Make(New kind, long[] shape, ScalarType dtype, Device? device, bool requires_grad, double value = 0)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape)
            return Tensor.Wrap(Native.xt_new((int)kind, p, shape.Length, (int)dtype, (int)d.type, d.index, requires_grad ? 1 : 0, value));
    }

    public static Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) => Make(New.Empty, shape, dtype, device, requires_grad);
    public static Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) => Make(New.Zeros, shape, dtype, device, requires_grad);
    public static Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) => Make(New.Ones, shape, dtype, device, requires_grad);
    public static Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) => Make(New.Full, shape, dtype, device, requires_grad, value);
    /// <summary>Uniform [0, 1) from the global generator.</summary>
    public static Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) => Make(New.Rand, shape, dtype, device, requires_grad);
    /// <summary>Standard normal from the global generator.</summary>
    public static Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) => Make(New.Randn, shape, dtype, device, requires_grad);

    public static unsafe Tensor randint(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64)
    {
        fixed (long* p = shape) return Tensor.Wrap(Native.xt_randint(low, high, p, shape.Length, (int)dtype));
    }
    public static Tensor randperm(long n) => Tensor.Wrap(Native.xt_randperm(n));
    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64) =>
        Tensor.Wrap(Native.xt_arange(start, end, step, (int)dtype));
    public static Tensor arange(long end) => arange(0, end);
    public static Tensor eye(long n, ScalarType dtype = ScalarType.Float32) => Tensor.Wrap(Native.xt_eye(n, (int)dtype));

    // ---- from managed data (copied) ----
    private static unsafe Tensor FromData<T>(ReadOnlySpan<T> data, long[]? shape, bool requires_grad) where T : unmanaged
    {
        shape ??= new long[] { data.Length };
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n != data.Length)
            throw new ArgumentException($"tensor: shape [{string.Join(", ", shape)}] needs {n} elements, data has {data.Length}");
        Tensor t;
        fixed (T* d = data)
        fixed (long* p = shape)
            t = Tensor.Wrap(Native.xt_from_data(d, (int)ScalarTypes.Of<T>(), p, shape.Length));
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    public static Tensor tensor(float[] data, long[]? shape = null, bool requires_grad = false) => FromData<float>(data, shape, requires_grad);
    public static Tensor tensor(ReadOnlySpan<float> data, long[] shape) => FromData(data, shape, false);
    public static Tensor tensor(double[] data, long[]? shape = null, bool requires_grad = false) => FromData<double>(data, shape, requires_grad);
    public static Tensor tensor(int[] data, long[]? shape = null) => FromData<int>(data, shape, false);
    public static Tensor tensor(long[] data, long[]? shape = null) => FromData<long>(data, shape, false);
    public static Tensor tensor(byte[] data, long[]? shape = null) => FromData<byte>(data, shape, false);
    public static Tensor tensor(ReadOnlySpan<byte> data, long[] shape) => FromData(data, shape, false);
    public static Tensor tensor(bool[] data, long[]? shape = null) => FromData<bool>(data, shape, false);
    /// <summary>A 0-dim tensor.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32) => full(Array.Empty<long>(), value, dtype);

    /// <summary>Builds a tensor of any dtype from its raw little-endian bytes (used by safetensors).</summary>
    public static unsafe Tensor from_bytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n * ScalarTypes.ElementSize(dtype) != bytes.Length)
            throw new ArgumentException($"from_bytes: shape [{string.Join(", ", shape)}] of {dtype} needs {n * ScalarTypes.ElementSize(dtype)} bytes, got {bytes.Length}");
        fixed (byte* d = bytes)
        fixed (long* p = shape)
            return Tensor.Wrap(Native.xt_from_data(d, (int)dtype, p, shape.Length));
    }

    // ---- combining ----
    private static unsafe Tensor Combine(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        var hs = new IntPtr[tensors.Count];
        var added = 0;
        try
        {
            for (; added < tensors.Count; added++)
            {
                bool ok = false;
                tensors[added].handle.DangerousAddRef(ref ok);
                hs[added] = tensors[added].handle.DangerousGetHandle();
            }
            fixed (IntPtr* p = hs)
                return Tensor.Wrap(stack ? Native.xt_stack(p, hs.Length, dim) : Native.xt_cat(p, hs.Length, dim));
        }
        finally
        {
            for (int i = 0; i < added; i++) tensors[i].handle.DangerousRelease();
        }
    }
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: false);
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: true);
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => Tensor.Wrap(Native.xt_where(condition.handle, x.handle, y.handle));
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);

    // ---- threads, seeds, RNG ----
    /// <summary>libtorch's intra-op thread count (defaults to 1 on this machine: always set it).</summary>
    public static void set_num_threads(int n) => Native.Check(Native.xt_set_num_threads(n));
    public static int get_num_threads() => Native.xt_get_num_threads();
    public static void manual_seed(long seed) => Native.Check(Native.xt_manual_seed(seed));

    /// <summary>The CPU generator's full state (for bit-exact resume).</summary>
    public static unsafe byte[] get_rng_state()
    {
        long n = Native.xt_get_rng_state(null, 0);
        if (n < 0) throw new TorchException(Native.LastError());
        var buf = new byte[n];
        fixed (byte* p = buf) n = Native.xt_get_rng_state(p, buf.Length);
        if (n < 0) throw new TorchException(Native.LastError());
        return buf;
    }
    public static unsafe void set_rng_state(byte[] state)
    {
        fixed (byte* p = state) Native.Check(Native.xt_set_rng_state(p, state.Length));
    }

    // ---- grad mode ----
    public static bool is_grad_enabled() => Native.xt_grad_enabled() != 0;
    public static void set_grad_enabled(bool on) => Native.xt_set_grad_enabled(on ? 1 : 0);
    /// <summary>Disables autograd recording on this thread until disposed (restores the previous mode).</summary>
    public static IDisposable no_grad() => new GradModeScope(false);
    public static IDisposable enable_grad() => new GradModeScope(true);

    private sealed class GradModeScope : IDisposable
    {
        private readonly bool previous;
        private bool done;
        public GradModeScope(bool on)
        {
            previous = is_grad_enabled();
            set_grad_enabled(on);
        }
        public void Dispose()
        {
            if (done) return;
            done = true;
            set_grad_enabled(previous);
        }
    }

    // ---- dispose scopes ----
    public static DisposeScope NewDisposeScope() => new();

    // ---- autocast ----
    /// <summary>
    /// Mixed precision like Python's `torch.autocast(device_type, dtype)` context: entered here,
    /// left on Dispose (which clears the cast-weight cache when the outermost context closes, so the
    /// next step re-casts the updated weights). Must be disposed on the thread that entered it.
    /// </summary>
    public static IDisposable autocast(ScalarType dtype = ScalarType.BFloat16, Device? device = null) =>
        new AutocastScope(device ?? Device.CPU, dtype);

    public static bool is_autocast_cpu_enabled() => Native.xt_autocast_cpu_enabled() != 0;

    private sealed class AutocastScope : IDisposable
    {
        private readonly int thread = Environment.CurrentManagedThreadId;
        private bool done;
        public AutocastScope(Device device, ScalarType dtype) =>
            Native.Check(Native.xt_autocast_enter((int)device.type, (int)dtype));
        public void Dispose()
        {
            if (done) return;
            if (Environment.CurrentManagedThreadId != thread)
                throw new InvalidOperationException("autocast must be exited on the thread that entered it (its state is per thread)");
            done = true;
            Native.Check(Native.xt_autocast_exit());
        }
    }

    // ---- devices and build ----
    public static bool cuda_is_available() => Native.xt_cuda_is_available() != 0;
    public static class cuda
    {
        public static bool is_available() => Native.xt_cuda_is_available() != 0;
        public static int device_count() => Math.Max(0, Native.xt_cuda_device_count());
        /// <summary>Makes `index` this thread's current CUDA device (CUDA build only).</summary>
        public static void set_device(int index) => Native.Check(Tensor.CudaNative.xt_cuda_set_device(index));
        /// <summary>Waits for all queued GPU work on the current device; no-op in a CPU build.</summary>
        public static void synchronize() => Native.Check(Tensor.CudaNative.xt_cuda_synchronize());
    }
    /// <summary>True when the shim was compiled with -DXRAYHPC_CUDA=ON.</summary>
    public static bool built_with_cuda => Native.xt_built_with_cuda() != 0;

    /// <summary>libtorch's version (e.g. "1.13.1").</summary>
    public static string version => Marshal.PtrToStringUTF8(Native.xt_version()) ?? "";

    // ---- diagnostics ----
    /// <summary>Native tensor handles alive right now (all threads). Leak tests compare it before/after.</summary>
    public static long live_tensor_count() => Native.xt_live_tensors();
    /// <summary>Handles created minus handles freed on the calling thread (exact for single-thread leak tests
    /// while other threads run tests too).</summary>
    public static long live_tensor_count_this_thread() => Native.xt_live_tensors_this_thread();
    /// <summary>Finalized handles waiting to be freed by the next tensor creation.</summary>
    public static long finalized_tensors_pending() => TensorHandle.Pending;
    /// <summary>Tensors that were never disposed and reached the GC finalizer (see TensorHandle).</summary>
    public static long finalized_tensor_count() => TensorHandle.FinalizedTotal;
    /// <summary>Whether the shim kept glibc from returning big blocks to the OS (XRAYHPC_MALLOC_TUNING=0 turns it off).</summary>
    public static bool malloc_tuning_active => Native.xt_malloc_tuning_active() != 0;
}
