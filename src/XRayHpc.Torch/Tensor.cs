using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

/// <summary>
/// A libtorch tensor. Owns one native handle; dispose it (or let a <see cref="DisposeScope"/> do it).
/// Every tensor made on a thread with an open dispose scope is registered in that scope.
/// Not sealed only so that <see cref="nn.Parameter"/> can derive from it.
/// </summary>
public partial class Tensor : IDisposable
{
    internal readonly TensorHandle handle;
    internal DisposeScope? OwningScope;

    private protected Tensor(IntPtr h, bool registerInScope)
    {
        if (h == IntPtr.Zero) throw new TorchException(Native.LastError());
        TensorHandle.DrainFinalized();
        handle = new TensorHandle(h);
        if (registerInScope) DisposeScope.Current?.Register(this);
    }

    /// <summary>Wraps a handle returned by the shim; NULL means the call failed.</summary>
    internal static Tensor Wrap(IntPtr h) => new(h, registerInScope: true);

    /// <summary>
    /// Takes ownership of a raw handle made by the shim's xt_wrap (for code with its own native entry
    /// points, e.g. optim.cpp). Throws TorchException with the shim's last error when h is NULL.
    /// </summary>
    public static Tensor FromNativeHandle(IntPtr h) => Wrap(h);

    /// <summary>The SafeHandle to pass to your own [DllImport] entry points (as a TH argument).</summary>
    public TensorHandle NativeHandle => handle;

    public bool IsDisposed => handle.IsClosed;

    public void Dispose()
    {
        if (handle.IsClosed) return;
        handle.DisposedExplicitly = true;
        handle.Dispose();
    }

    // ---- dispose scopes ----

    /// <summary>Moves this tensor to the scope enclosing its current one (or out of all scopes).</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        var s = OwningScope;
        if (s == null) return this;
        var outer = DisposeScope.LiveOuter(s);
        if (outer != null) outer.Register(this);
        else OwningScope = null;
        return this;
    }

    /// <summary>Removes this tensor from its dispose scope; the caller now owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwningScope = null;
        return this;
    }

    // ---- queries ----

    public unsafe long[] shape
    {
        get
        {
            var s = new long[Native.xt_dim(handle)];
            fixed (long* p = s) Native.xt_shape(handle, p);
            return s;
        }
    }

    public unsafe long[] stride()
    {
        var s = new long[Native.xt_dim(handle)];
        fixed (long* p = s) Native.xt_strides(handle, p);
        return s;
    }

    public long size(int dim)
    {
        var s = shape;
        return s[dim < 0 ? dim + s.Length : dim];
    }

    public long numel() => Native.xt_numel(handle);
    public int dim() => Native.xt_dim(handle);
    public long Dimensions => dim();

    public ScalarType dtype
    {
        get
        {
            int c = Native.xt_dtype(handle);
            if (c < 0) throw new TorchException("tensor has a dtype XRayHpc.Torch does not name");
            return (ScalarType)c;
        }
    }

    public Device device => Native.xt_device_type(handle) == 1
        ? Device.CUDA(Native.xt_device_index(handle))
        : Device.CPU;

    public int element_size() => Native.xt_element_size(handle);

    public bool is_leaf => Native.xt_is_leaf(handle) != 0;
    public bool has_grad_fn => Native.xt_has_grad_fn(handle) != 0;

    public bool is_contiguous(MemoryFormat format = MemoryFormat.Contiguous)
    {
        int r = Native.xt_is_contiguous(handle, (int)format);
        Native.Check(r);
        return r != 0;
    }

    /// <summary>True when both tensors view the same storage.</summary>
    public bool is_alias_of(Tensor other) => Native.xt_same_storage(handle, other.handle) != 0;

    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor([{string.Join(", ", shape)}], {dtype}, {device})";

    // ---- autograd ----

    public bool requires_grad
    {
        get => Native.xt_requires_grad(handle) != 0;
        set => Native.Check(Native.xt_set_requires_grad(handle, value ? 1 : 0));
    }

    public Tensor requires_grad_(bool on = true)
    {
        requires_grad = on;
        return this;
    }

    /// <summary>
    /// The accumulated gradient, or null. Each read returns a NEW handle to the same gradient storage
    /// (registered in the current dispose scope): dispose it, or read it inside a scope.
    /// Setting it replaces the gradient (null = None, like zero_grad(set_to_none=True)).
    /// </summary>
    public Tensor? grad
    {
        get
        {
            Native.Check(Native.xt_grad(handle, out var g));
            return g == IntPtr.Zero ? null : Wrap(g);
        }
        set => Native.Check(Native.xt_set_grad(handle, value?.handle ?? TensorHandle.Null));
    }

    public void backward() => Native.Check(Native.xt_backward(handle, TensorHandle.Null, -1, 0));

    public void backward(Tensor? gradient, bool? retain_graph = null, bool create_graph = false) =>
        Native.Check(Native.xt_backward(handle, gradient?.handle ?? TensorHandle.Null,
            retain_graph is null ? -1 : retain_graph.Value ? 1 : 0, create_graph ? 1 : 0));

    public Tensor retain_grad()
    {
        Native.Check(Native.xt_retain_grad(handle));
        return this;
    }

    /// <summary>Replaces the data behind this tensor keeping its identity (as `param.data = src`).</summary>
    public void set_data(Tensor src) => Native.Check(Native.xt_set_data(handle, src.handle));

    // ---- managed memory ----

    /// <summary>Pointer to the first element (CPU tensors; contiguous ones for flat access).</summary>
    public IntPtr data_ptr()
    {
        var p = Native.xt_data_ptr(handle);
        if (p == IntPtr.Zero && numel() > 0) throw new TorchException(Native.LastError());
        return p;
    }

    /// <summary>Copies the elements out in row-major order, converted to T (e.g. float from bfloat16).</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        var dt = ScalarTypes.Of<T>();
        var result = new T[numel()];
        fixed (T* p = result) Native.Check(Native.xt_copy_out(handle, (int)dt, p, result.LongLength));
        return result;
    }

    /// <summary>Copies into a caller buffer whose length must equal numel().</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var dt = ScalarTypes.Of<T>();
        fixed (T* p = destination) Native.Check(Native.xt_copy_out(handle, (int)dt, p, destination.Length));
    }

    /// <summary>Overwrites the elements in place (no autograd record), converting from T.</summary>
    public unsafe void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        var dt = ScalarTypes.Of<T>();
        fixed (T* p = source) Native.Check(Native.xt_copy_in(handle, (int)dt, p, source.Length));
    }

    public void CopyFrom<T>(T[] source) where T : unmanaged => CopyFrom<T>((ReadOnlySpan<T>)source);

    /// <summary>The raw bytes in row-major order in the tensor's own dtype (little-endian).</summary>
    public byte[] ToBytes()
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(numel() * ScalarTypes.ElementSize(dtype))));
        CopyBytesTo(bytes);
        return bytes;
    }

    /// <summary>As <see cref="ToBytes"/>, into a caller buffer of exactly numel × element size bytes
    /// (lets a caller pack many tensors into one buffer without an array per tensor).</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        var dt = dtype;
        long n = numel();
        if (destination.Length != n * ScalarTypes.ElementSize(dt))
            throw new ArgumentException($"CopyBytesTo: {n} elements of {dt} need {n * ScalarTypes.ElementSize(dt)} bytes, the destination has {destination.Length}");
        fixed (byte* p = destination) Native.Check(Native.xt_copy_out(handle, (int)dt, p, n));
    }

    public T item<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(byte))
        {
            Native.Check(Native.xt_item_long(handle, out var l));
            if (typeof(T) == typeof(long)) return (T)(object)l;
            if (typeof(T) == typeof(int)) return (T)(object)checked((int)l);
            return (T)(object)checked((byte)l);
        }
        Native.Check(Native.xt_item_double(handle, out var d));
        if (typeof(T) == typeof(double)) return (T)(object)d;
        if (typeof(T) == typeof(float)) return (T)(object)(float)d;
        if (typeof(T) == typeof(bool)) return (T)(object)(d != 0);
        throw new NotSupportedException($"item<{typeof(T).Name}>");
    }
}
