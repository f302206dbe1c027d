using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace XRayHpc.Torch;

/// <summary>
/// Owns one native at::Tensor* handle.
/// Finalizer policy (the choice the design asks us to document): a handle released by
/// <see cref="Tensor.Dispose"/> is freed at once, on the disposing thread. A handle reached only by the
/// GC's finalizer is NOT freed on the finalizer thread (that could free memory while a training
/// thread is mid-op inside libtorch, and it would run autograd/allocator code off the step thread);
/// it is queued and freed by the next managed thread that creates a tensor. Every such handle is
/// counted in <see cref="torch.finalized_tensor_count"/>: a non-zero, growing count means a loop is
/// leaking tensors to the GC and should use a dispose scope.
/// </summary>
public sealed class TensorHandle : SafeHandle
{
    private static readonly ConcurrentQueue<IntPtr> Finalized = new();
    private static int pending;
    private static long finalizedTotal;

    /// <summary>A handle that stands for "None" in optional tensor arguments; never released.</summary>
    internal static readonly TensorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    internal volatile bool DisposedExplicitly;

    internal TensorHandle(IntPtr h, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle) => SetHandle(h);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        if (DisposedExplicitly)
        {
            Native.xt_free(handle);
        }
        else
        {
            Finalized.Enqueue(handle);
            Interlocked.Increment(ref pending);
            Interlocked.Increment(ref finalizedTotal);
        }
        return true;
    }

    internal static long Pending => Volatile.Read(ref pending);
    internal static long FinalizedTotal => Interlocked.Read(ref finalizedTotal);

    /// <summary>Frees handles the finalizer queued; called from managed threads outside any native op.</summary>
    internal static void DrainFinalized()
    {
        if (Volatile.Read(ref pending) == 0) return;
        while (Finalized.TryDequeue(out var h))
        {
            Interlocked.Decrement(ref pending);
            Native.xt_free(h);
        }
    }
}
