using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Distributed;

/// <summary>
/// A gradient bucket for parameters on a GPU. MPI cannot read device memory unless it says it is CUDA-aware
/// (MPIX_Query_cuda_support), so the flat float32 bucket is a libtorch tensor placed where MPI can read it:
/// in page-locked (pinned) host memory, filled by asynchronous device→host copies, or on the GPU itself when
/// the MPI is CUDA-aware (then MPI gets the device pointer and no host copy happens). Each parameter has a
/// strided view into the bucket in the parameter's own memory order, so copy_ does any dtype/layout
/// conversion on the way and the bucket order is identical on every rank (as in <see cref="GradientBucket"/>).
/// With a CPU staging tensor and CPU parameters the same code runs synchronously, which is how it is tested
/// without a GPU.
/// </summary>
internal sealed class StagedGradientBucket : IExchangeBucket
{
    private readonly Tensor _flat;
    private readonly Tensor _grads;    // the first Elements entries of _flat
    private readonly Tensor? _trailer; // the last Trailer entries
    private readonly List<(Parameter Parameter, Tensor View)> _slots = new();

    public long Elements { get; }
    public int Trailer { get; }
    public long Count => Elements + Trailer;
    public IntPtr Pointer => _flat.data_ptr();

    /// <param name="staging">Where the bucket lives: the GPU (CUDA-aware MPI) or the CPU.</param>
    /// <param name="pinned">Page-lock the CPU bucket (asynchronous copies to/from a GPU).</param>
    public StagedGradientBucket(IReadOnlyList<(string Name, Parameter Parameter)> parameters, int trailer, Device staging, bool pinned)
    {
        Elements = parameters.Sum(x => x.Parameter.numel());
        Trailer = trailer;
        using (var plain = torch.zeros(new[] { Math.Max(1, Count) }, ScalarType.Float32, staging))
            _flat = pinned ? plain.pin_memory() : plain.alias();
        _flat.DetachFromDisposeScope();
        _grads = _flat.narrow(0, 0, Elements).DetachFromDisposeScope();
        _trailer = trailer > 0 ? _flat.narrow(0, Elements, trailer).DetachFromDisposeScope() : null;
        long offset = 0;
        foreach (var (_, p) in parameters)
        {
            // p's strides describe a dense layout (DataParallel checks), so this view covers exactly numel entries.
            _slots.Add((p, _flat.as_strided(p.shape, p.stride(), offset).DetachFromDisposeScope()));
            offset += p.numel();
        }
    }

    public void Pack(float weight)
    {
        using (torch.no_grad())
        {
            foreach (var (p, view) in _slots)
            {
                using var g = p.grad;
                if (g is null) view.zero_();
                else view.copy_async_(g);
            }
            // Device→pinned copies are queued on the GPU stream: wait before the host scales or MPI reads.
            torch.cuda.synchronize();
            if (weight != 1f) _grads.mul_(weight);
            torch.cuda.synchronize();
        }
    }

    public void Unpack(float scale)
    {
        using (torch.no_grad())
        {
            _grads.mul_(scale);
            foreach (var (p, view) in _slots)
            {
                using var g = p.grad;
                if (g is not null) { g.copy_async_(view); continue; }
                // This rank had no samples (no backward): it still needs the averaged gradient.
                using var fresh = view.to(p.device);
                using var typed = fresh.to(p.dtype);
                using var owned = typed.clone(); // to() may return the bucket view itself
                p.grad = owned;
            }
            // The next Pack overwrites the bucket: the host→device copies reading it must be done.
            torch.cuda.synchronize();
        }
    }

    public void SetTrailer(float value)
    {
        if (_trailer is null) throw new InvalidOperationException("bucket has no trailer");
        using (torch.no_grad()) _trailer.fill_(value);
        torch.cuda.synchronize();
    }

    public float ReadTrailer() =>
        _trailer?.item<float>() ?? throw new InvalidOperationException("bucket has no trailer");

    public void Dispose()
    {
        foreach (var (_, v) in _slots) v.Dispose();
        _slots.Clear();
        _trailer?.Dispose();
        _grads.Dispose();
        _flat.Dispose();
    }
}
