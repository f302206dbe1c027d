using System.Numerics;
using System.Runtime.InteropServices;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Distributed;

/// <summary>A contiguous slice of the flattened gradients: a reusable, pinned, 2 MiB-aligned native
/// buffer plus the parameters it covers (element offset, count). Allocated once per DataParallel.</summary>
internal sealed unsafe class GradientBucket : IDisposable
{
    private readonly AlignedBuffer _buffer;
    public readonly List<(Parameter Parameter, string Name, long Offset, int Count)> Slots = new();
    public long Elements { get; }

    /// <summary>Extra float elements after the gradients (bucket 0 carries the local sample count so the
    /// global count costs no separate allreduce).</summary>
    public int Trailer { get; }

    public GradientBucket(IReadOnlyList<(string Name, Parameter Parameter)> parameters, int trailer)
    {
        long offset = 0;
        foreach (var (name, p) in parameters)
        {
            var n = checked((int)p.numel());
            Slots.Add((p, name, offset, n));
            offset += n;
        }
        Elements = offset;
        Trailer = trailer;
        _buffer = new AlignedBuffer((offset + trailer) * sizeof(float));
    }

    public IntPtr Pointer => _buffer.Pointer;
    public long Count => Elements + Trailer;
    public Span<float> Slice(long offset, int count) => _buffer.AsSpan<float>(offset, count);
    public Span<float> TrailerSpan => _buffer.AsSpan<float>(Elements, Trailer);

    /// <summary>Copies every gradient in, multiplied by weight; a missing gradient packs zeros.</summary>
    public void Pack(float weight)
    {
        foreach (var (p, _, offset, count) in Slots)
        {
            var dst = Slice(offset, count);
            using var g = p.grad;
            if (g is null) { dst.Clear(); continue; }
            g.CopyTo(dst); // logical (row-major) order: independent of memory format
            if (weight != 1f) Scale(dst, weight);
        }
    }

    /// <summary>Scales the reduced sums and writes them back as the parameters' gradients.</summary>
    public void Unpack(float scale)
    {
        foreach (var (p, _, offset, count) in Slots)
        {
            var src = Slice(offset, count);
            if (scale != 1f) Scale(src, scale);
            using var g = p.grad;
            if (g is not null) { g.CopyFrom<float>(src); continue; }
            // This rank had no samples (no backward): it still needs the averaged gradient.
            using var fresh = torch.zeros(p.shape, p.dtype);
            fresh.CopyFrom<float>(src);
            p.grad = fresh;
        }
    }

    internal static void Scale(Span<float> data, float factor)
    {
        var v = MemoryMarshal.Cast<float, Vector<float>>(data);
        var f = new Vector<float>(factor);
        for (var i = 0; i < v.Length; i++) v[i] *= f;
        for (var i = v.Length * Vector<float>.Count; i < data.Length; i++) data[i] *= factor;
    }

    public void Dispose() => _buffer.Dispose();
}
