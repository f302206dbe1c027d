namespace XRayHpc.Distributed;

/// <summary>One allreduce unit of DataParallel: gradients packed (weighted) into a flat float32 buffer that MPI
/// reads at <see cref="Pointer"/>, and unpacked (scaled) back. Host gradients use <see cref="GradientBucket"/>;
/// GPU gradients <see cref="StagedGradientBucket"/>.</summary>
internal interface IExchangeBucket : IDisposable
{
    long Elements { get; }
    int Trailer { get; }
    long Count { get; }
    IntPtr Pointer { get; }
    void Pack(float weight);
    void Unpack(float scale);
    void SetTrailer(float value);
    float ReadTrailer();
}
