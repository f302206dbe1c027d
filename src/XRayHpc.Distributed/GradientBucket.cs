using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Distributed;

/// <summary>A contiguous slice of the flattened gradients: a reusable, pinned, 2 MiB-aligned native
/// buffer plus the parameters it covers (element offset, count). Allocated once per DataParallel.</summary>
internal sealed unsafe class GradientBucket : IExchangeBucket
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
    public void SetTrailer(float value) => TrailerSpan[0] = value;
    public float ReadTrailer() => TrailerSpan[0];

    /// <summary>Copies every gradient in, multiplied by weight; a missing gradient packs zeros.</summary>
    public void Pack(float weight)
    {
        foreach (var (p, _, offset, count) in Slots)
        {
            var dst = Slice(offset, count);
            using var g = p.grad;
            if (g is null) { dst.Clear(); continue; }
            if (SameDenseFloatLayout(g, p))
            {
                // One fused read-scale-write pass over the raw storage. Raw order is the parameter's
                // memory order, identical on every rank (DataParallel checks the layouts at start).
                ScaleInto(new ReadOnlySpan<float>((void*)g.data_ptr(), count), dst, weight);
                continue;
            }
            // Another dtype or layout: convert to the parameter's own layout first, so the bucket is in
            // the same (parameter memory) order on every rank whatever each rank's gradient looks like.
            using var asFloat = g.to(ScalarType.Float32);
            using var like = asFloat.contiguous(FormatOf(p));
            ScaleInto(new ReadOnlySpan<float>((void*)like.data_ptr(), count), dst, weight);
        }
    }

    /// <summary>Scales the reduced sums and writes them back as the parameters' gradients.</summary>
    public void Unpack(float scale)
    {
        foreach (var (p, _, offset, count) in Slots)
        {
            var src = Slice(offset, count);
            using var g = p.grad;
            if (g is not null && SameDenseFloatLayout(g, p))
            {
                ScaleInto(src, new Span<float>((void*)g.data_ptr(), count), scale);
                continue;
            }
            using var plain = torch.empty(p.shape);
            using var staged = plain.contiguous(FormatOf(p));
            ScaleInto(src, new Span<float>((void*)staged.data_ptr(), count), scale);
            if (g is not null)
            {
                using (torch.no_grad()) g.copy_(staged); // converts dtype/layout back to the gradient's
                continue;
            }
            // This rank had no samples (no backward): it still needs the averaged gradient.
            using var converted = staged.to(p.dtype);
            using var fresh = converted.contiguous(FormatOf(p));
            p.grad = fresh;
        }
    }

    /// <summary>The memory format that describes the parameter's storage order (checked dense at start).</summary>
    internal static MemoryFormat FormatOf(Tensor p) =>
        p.is_contiguous() ? MemoryFormat.Contiguous : MemoryFormat.ChannelsLast;

    /// <summary>The gradient can be read raw: float32 on the CPU, dense, with the parameter's strides.</summary>
    private static bool SameDenseFloatLayout(Tensor g, Parameter p) =>
        g.dtype == ScalarType.Float32 && g.device.type == DeviceType.CPU &&
        (g.is_contiguous() || g.is_contiguous(MemoryFormat.ChannelsLast)) &&
        g.stride().AsSpan().SequenceEqual(p.stride());

    internal static void ScaleInto(ReadOnlySpan<float> src, Span<float> dst, float factor)
    {
        if (factor == 1f && !Unsafe.AreSame(ref MemoryMarshal.GetReference(src), ref MemoryMarshal.GetReference(dst)))
        {
            src.CopyTo(dst);
            return;
        }
        var vs = MemoryMarshal.Cast<float, Vector<float>>(src);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(dst);
        var f = new Vector<float>(factor);
        for (var i = 0; i < vs.Length; i++) vd[i] = vs[i] * f;
        for (var i = vs.Length * Vector<float>.Count; i < src.Length; i++) dst[i] = src[i] * factor;
    }

    public void Dispose() => _buffer.Dispose();
}
