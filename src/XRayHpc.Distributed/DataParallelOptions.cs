namespace XRayHpc.Distributed;

/// <summary>How gradients are exchanged. One typed object, set from the training config.</summary>
public sealed record DataParallelOptions
{
    /// <summary>Gradient bytes per allreduce (DDP's default 25 MiB). Larger buckets mean fewer, more
    /// bandwidth-bound messages; smaller ones start communication earlier in the pipeline.</summary>
    public long BucketBytes { get; init; } = 25L << 20;

    /// <summary>Start each bucket's Iallreduce as soon as that bucket is packed and unpack buckets as they
    /// complete (pipelined across buckets, after backward). False: pack all, one blocking allreduce per
    /// bucket, unpack all. The engine has no per-parameter gradient hook, so "overlap" here cannot
    /// start before backward ends; see README (Launching) for the measured difference.</summary>
    public bool Overlap { get; init; } = true;

    /// <summary>Also average BatchNorm running statistics over the communicator at every
    /// SynchronizeGradients. Off: statistics stay local (like DDP); call AverageBatchNormStatistics()
    /// before evaluating or checkpointing.</summary>
    public bool AverageBatchNormStats { get; init; }
}
