namespace XRayHpc.Mpi;

/// <summary>Native memory for buffers that are exchanged every step: allocated once, in a mapping of its own
/// (so its huge-page advice cannot spread to the malloc heap libtorch allocates from), 2 MiB aligned with
/// MADV_HUGEPAGE, pre-touched, never moved by the GC and never returned to the OS until disposed.</summary>
public sealed unsafe class AlignedBuffer : IDisposable
{
    public IntPtr Pointer { get; private set; }
    public long Bytes { get; }

    public AlignedBuffer(long bytes)
    {
        if (bytes <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "buffer size must be positive");
        Native.Check(Native.xm_alloc_buffer(bytes, out var p), $"allocating a {bytes}-byte aligned buffer");
        Pointer = p;
        Bytes = bytes;
    }

    public Span<T> AsSpan<T>(long offsetElements, int count) where T : unmanaged
    {
        if (Pointer == IntPtr.Zero) throw new ObjectDisposedException(nameof(AlignedBuffer));
        if (offsetElements < 0 || count < 0 || (offsetElements + count) * sizeof(T) > Bytes)
            throw new ArgumentOutOfRangeException(nameof(count), $"[{offsetElements}, +{count}) outside a {Bytes}-byte buffer");
        return new Span<T>((T*)Pointer + offsetElements, count);
    }

    public void Dispose()
    {
        if (Pointer == IntPtr.Zero) return;
        Native.xm_free_buffer(Pointer);
        Pointer = IntPtr.Zero;
    }
}
