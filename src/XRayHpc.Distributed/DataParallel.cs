using System.Diagnostics;
using XRayHpc.Mpi;
using XRayHpc.Torch;
using XRayHpc.Torch.nn;

namespace XRayHpc.Distributed;

/// <summary>Data-parallel training of one model replica per rank of a (member) communicator.
/// After each local backward, SynchronizeGradients makes every gradient the sample-weighted average
/// over the communicator, so every rank takes the same optimizer step and the replicas stay identical.
/// Call it from the thread that created the MpiEnvironment (MPI is initialised FUNNELED/SERIALIZED).</summary>
public sealed class DataParallel : IDisposable
{
    private readonly Module _model;
    private readonly Communicator _comm;
    private readonly List<IExchangeBucket> _buckets = new();
    private readonly Stopwatch _watch = new();

    public DataParallelOptions Options { get; }
    public int BucketCount => _buckets.Count;
    public long GradientElements => _buckets.Sum(b => b.Elements);

    /// <summary>Seconds spent in the last SynchronizeGradients (pack + exchange + unpack).</summary>
    public double LastSynchronizeSeconds { get; private set; }

    /// <summary>Breakdown of the last SynchronizeGradients: copying gradients into the buckets, time
    /// blocked in MPI (allreduce, or waiting on Iallreduce requests), copying the averages back.</summary>
    public (double Pack, double Communicate, double Unpack) LastBreakdownSeconds => (_pack, _comm_s, _unpack);
    private double _pack, _comm_s, _unpack;

    /// <summary>Global sample count of the last SynchronizeGradients.</summary>
    public long LastGlobalSampleCount { get; private set; }

    public DataParallel(Module model, Communicator comm, DataParallelOptions? options = null)
    {
        _model = model;
        _comm = comm;
        Options = options ?? new DataParallelOptions();
        if (Options.BucketBytes < 4) throw new ArgumentOutOfRangeException(nameof(options), "BucketBytes must be at least 4");
        BuildBuckets();
        BroadcastParameters();
    }

    /// <summary>Buckets in reverse registration order: backward produces the last layers' gradients first,
    /// which is the order a gradient hook would fill them in (DDP does the same).</summary>
    private void BuildBuckets()
    {
        var trainable = _model.named_parameters().Where(x => x.parameter.requires_grad).Reverse().ToList();
        foreach (var (name, p) in trainable)
            if (!IsDenseLayout(p))
                throw new NotSupportedException($"DataParallel: parameter '{name}' is neither contiguous nor channels_last-dense");
        var device = trainable.Count > 0 ? trainable[0].parameter.device : Device.CPU;
        if (trainable.Any(x => x.parameter.device != device))
            throw new NotSupportedException($"DataParallel: parameters are on more than one device ({string.Join(", ", trainable.Select(x => x.parameter.device).Distinct())})");
        // GPU parameters: stage through pinned host memory, or hand MPI the device buffer when it is CUDA-aware.
        bool onGpu = device.type == DeviceType.CUDA;
        bool staged = onGpu || Options.StageThroughTensors;
        bool deviceBuffers = onGpu && Communicator.CudaAware;
        StagedOnDevice = deviceBuffers;
        IExchangeBucket Make(List<(string, Parameter)> ps, int trailer) => staged
            ? new StagedGradientBucket(ps, trailer, deviceBuffers ? device : Device.CPU, pinned: onGpu && !deviceBuffers)
            : new GradientBucket(ps, trailer);
        var current = new List<(string, Parameter)>();
        long bytes = 0;
        foreach (var (name, p) in trainable)
        {
            var pBytes = p.numel() * sizeof(float);
            if (current.Count > 0 && bytes + pBytes > Options.BucketBytes)
            {
                _buckets.Add(Make(current, trailer: _buckets.Count == 0 ? 1 : 0));
                current = new();
                bytes = 0;
            }
            current.Add((name, p));
            bytes += pBytes;
        }
        if (current.Count > 0 || _buckets.Count == 0)
            _buckets.Add(Make(current, trailer: _buckets.Count == 0 ? 1 : 0));
    }

    /// <summary>Parameters and buffers from `root` (the member's first rank), so replicas start identical
    /// whatever each rank's seed produced. Collective over the communicator.</summary>
    public void BroadcastParameters(int root = 0)
    {
        CheckSameLayout();
        foreach (var (_, t) in StateTensors())
        {
            var bytes = t.numel() * t.element_size();
            if (bytes == 0) continue;
            if (IsDense(t))
            {
                _comm.Bcast(t.data_ptr(), bytes, root); // identical memory layout on every rank (checked above)
                continue;
            }
            var staging = t.ToBytes();
            _comm.Bcast(staging, root);
            using var fromRoot = torch.from_bytes(staging, t.dtype, t.shape);
            using (torch.no_grad()) t.copy_(fromRoot);
        }
    }

    /// <summary>Averages gradients over the communicator, weighting each rank by its sample count:
    /// afterwards every rank holds (Σ_r n_r·g_r) / Σ_r n_r, exactly the gradient of the global batch's
    /// mean loss when each rank's loss is the mean over its n_r samples. A rank with 0 samples (or no
    /// backward at all) contributes zero. Returns the global sample count (0: gradients are zero).</summary>
    public long SynchronizeGradients(int localSampleCount)
    {
        if (localSampleCount < 0) throw new ArgumentOutOfRangeException(nameof(localSampleCount), localSampleCount, "sample count must be >= 0");
        _watch.Restart();
        _pack = _comm_s = _unpack = 0;
        float weight = localSampleCount;
        long total;
        if (Options.Overlap) total = ExchangePipelined(weight);
        else total = ExchangeBlocking(weight);
        if (Options.AverageBatchNormStats) AverageBatchNormStatistics();
        LastGlobalSampleCount = total;
        LastSynchronizeSeconds = _watch.Elapsed.TotalSeconds;
        return total;
    }

    /// <summary>Each bucket's Iallreduce starts as soon as it is packed; unpacking waits bucket by bucket,
    /// so packing bucket k+1 and unpacking bucket k overlap the exchange of the others.</summary>
    private long ExchangePipelined(float weight)
    {
        var requests = new Request[_buckets.Count];
        var t = Communicator.Wtime();
        for (var i = 0; i < _buckets.Count; i++)
        {
            var b = _buckets[i];
            b.Pack(weight);
            if (b.Trailer > 0) b.SetTrailer(weight);
            Lap(ref _pack, ref t);
            requests[i] = _comm.Iallreduce<float>(b.Pointer, b.Count, Op.Sum);
            for (var j = 0; j < i; j++) requests[j].Test(); // progress earlier buckets while packing
            Lap(ref _comm_s, ref t);
        }
        requests[0].Wait();
        var total = (long)_buckets[0].ReadTrailer();
        var scale = total > 0 ? 1f / total : 0f;
        for (var i = 0; i < _buckets.Count; i++)
        {
            requests[i].Wait();
            Lap(ref _comm_s, ref t);
            _buckets[i].Unpack(scale);
            Lap(ref _unpack, ref t);
        }
        return total;
    }

    private long ExchangeBlocking(float weight)
    {
        var t = Communicator.Wtime();
        foreach (var b in _buckets)
        {
            b.Pack(weight);
            if (b.Trailer > 0) b.SetTrailer(weight);
            Lap(ref _pack, ref t);
            _comm.Allreduce<float>(b.Pointer, b.Count, Op.Sum);
            Lap(ref _comm_s, ref t);
        }
        var total = (long)_buckets[0].ReadTrailer();
        var scale = total > 0 ? 1f / total : 0f;
        foreach (var b in _buckets) b.Unpack(scale);
        Lap(ref _unpack, ref t);
        return total;
    }

    private static void Lap(ref double into, ref double since)
    {
        var now = Communicator.Wtime();
        into += now - since;
        since = now;
    }

    /// <summary>Replaces every BatchNorm running_mean/running_var with its average over the
    /// communicator (before evaluation or a checkpoint, so every rank evaluates the same model).
    /// Collective. num_batches_tracked is identical on all ranks already and left alone.</summary>
    public void AverageBatchNormStatistics()
    {
        var stats = _model.named_buffers().Where(x => x.name.EndsWith("running_mean") || x.name.EndsWith("running_var")).ToList();
        if (stats.Count == 0) return;
        var flat = new double[stats.Sum(s => s.buffer.numel())];
        var offset = 0;
        foreach (var (_, b) in stats)
        {
            var n = (int)b.numel();
            b.CopyTo<double>(flat.AsSpan(offset, n));
            offset += n;
        }
        _comm.Allreduce<double>(flat, Op.Sum);
        offset = 0;
        foreach (var (_, b) in stats)
        {
            var n = (int)b.numel();
            for (var i = offset; i < offset + n; i++) flat[i] /= _comm.Size;
            b.CopyFrom<double>(flat.AsSpan(offset, n));
            offset += n;
        }
    }

    /// <summary>FNV-1a over the bytes of every parameter and buffer in state order: equal on two ranks
    /// exactly when their replicas are bit-identical. Local (compare with Allgather).</summary>
    public ulong ParameterChecksum()
    {
        var hash = 14695981039346656037UL;
        foreach (var (_, t) in StateTensors())
            foreach (var b in t.ToBytes())
                hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private IEnumerable<(string Name, Tensor Tensor)> StateTensors() =>
        _model.named_parameters().Select(x => (x.name, (Tensor)x.parameter)).Concat(_model.named_buffers());

    /// <summary>Host memory MPI can read in place (contiguous or channels_last on the CPU).</summary>
    private static bool IsDense(Tensor t) => t.device.type == DeviceType.CPU && IsDenseLayout(t);

    private static bool IsDenseLayout(Tensor t) =>
        t.is_contiguous() || (t.dim() == 4 && t.is_contiguous(MemoryFormat.ChannelsLast));

    /// <summary>True when gradient buckets live on the GPU and MPI is given device pointers (CUDA-aware MPI).</summary>
    public bool StagedOnDevice { get; private set; }

    /// <summary>Every rank must hold the same architecture: a differing parameter list would make the
    /// broadcasts and bucket allreduces silently mismatch, so compare a fingerprint first.</summary>
    private void CheckSameLayout()
    {
        var hash = 14695981039346656037UL;
        foreach (var (name, t) in StateTensors())
        {
            var desc = $"{name}:{t.dtype}:{string.Join('x', t.shape)}:{(IsDenseLayout(t) && !t.is_contiguous() ? "cl" : "c")};";
            foreach (var ch in desc) hash = (hash ^ ch) * 1099511628211UL;
        }
        var all = _comm.Allgather(hash);
        for (var r = 0; r < all.Length; r++)
            if (all[r] != all[0])
                throw new InvalidOperationException(
                    $"DataParallel: rank {r} of the communicator has a different model (parameter names, shapes, dtypes or memory format) than rank 0");
    }

    public void Dispose()
    {
        foreach (var b in _buckets) b.Dispose();
        _buckets.Clear();
    }
}
