namespace XRayHpc.Distributed;

/// <summary>How gradients are exchanged. One typed object; the trainer uses the defaults (no config keys set it), the
/// allreduce benchmark and the MPI tests set it directly.</summary>
public sealed record DataParallelOptions
{
    /// <summary>Gradient bytes per allreduce (DDP's default 25 MiB). Larger buckets mean fewer, more
    /// bandwidth-bound messages; smaller ones start communication earlier in the pipeline.</summary>
    public long BucketBytes { get; init; } = 25L << 20;

    /// <summary>True: start each bucket's Iallreduce as soon as that bucket is packed and unpack buckets as
    /// they complete (pipelined across buckets, still after backward: the engine has no per-parameter
    /// gradient hook, so nothing can start during backward). False (default, the faster measured): pack,
    /// blocking allreduce, per bucket. 2-rank ResNet-18, 128 px, batch 16 (make bench-allreduce, loaded
    /// 2-core machine): exchange 0.162 s blocking vs 0.176 s pipelined per step — blocking uses OpenMPI's
    /// tuned ring, Iallreduce goes through libnbc, and ResNet-18's 45 MB fill only 2 buckets.</summary>
    public bool Overlap { get; init; }

    /// <summary>Also average BatchNorm running statistics over the communicator at every
    /// SynchronizeGradients. Off: statistics stay local (like DDP); call AverageBatchNormStatistics()
    /// before evaluating or checkpointing.</summary>
    public bool AverageBatchNormStats { get; init; }

    /// <summary>Exchange through libtorch staging tensors (<see cref="StagedGradientBucket"/>) even for CPU
    /// parameters. GPU parameters always use them; this exists so the GPU exchange path is tested on CPU.</summary>
    public bool StageThroughTensors { get; init; }
}
