using XRayHpc.Data;
using XRayHpc.Parquet;

namespace XRayHpc.Cache;

/// <summary>Everything `xrayhpc preprocess` takes, as one typed object.</summary>
public sealed record PreprocessOptions
{
    public required string Layout { get; init; }
    public required string InputDir { get; init; }
    public required string OutputDir { get; init; }
    public int ImageSize { get; init; } = 224;
    public int TargetRanks { get; init; } = 1;
    public double ValFraction { get; init; } = 0.1;
    /// <summary>Only used when the dataset has no test set of its own.</summary>
    public double TestFraction { get; init; } = 0.1;
    public long Seed { get; init; } = 0;
    public UncertaintyPolicy Uncertainty { get; init; } = UncertaintyPolicy.UZeros;
    public bool FrontalOnly { get; init; }
    public IReadOnlyList<string>? Classes { get; init; }
    public bool SkipBad { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    public ParquetCodec Codec { get; init; } = ParquetCodec.Zstd;
    /// <summary>Secret patient-id salt; null = <see cref="PatientHasher.DefaultSaltPath"/>.</summary>
    public string? SaltFile { get; init; }
    public int MaxRowsPerGroup { get; init; } = 256;
    public int RowGroupsPerShard { get; init; } = 8;
}

/// <summary>Progress of a preprocess run (images decoded so far out of all planned).</summary>
public sealed record PreprocessProgress(long Done, long Total, long Rejected, string Stage);

public sealed record PreprocessResult(CacheManifest Manifest, int ShardsWritten, int ShardsKept, long Rejected);
