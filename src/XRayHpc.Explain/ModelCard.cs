namespace XRayHpc.Explain;

/// <summary>
/// What inference needs to know about a trained model besides its weights: architecture, input geometry and
/// normalisation, classes and decision thresholds, and where it came from (served as GET /v1/model).
/// </summary>
public sealed record ModelCard
{
    /// <summary>Human-readable identity, e.g. "runs/nih-r18 member-0/step-00000120".</summary>
    public required string Id { get; init; }
    /// <summary>SHA-256 of the weights file (hex).</summary>
    public required string Checksum { get; init; }
    public required string Architecture { get; init; }
    public required int InChannels { get; init; }
    /// <summary>Side of the square input in pixels (the cache's image size).</summary>
    public required int ImageSize { get; init; }
    /// <summary>Mean and standard deviation (0..1 scale) subtracted from / dividing the 8-bit grey values.</summary>
    public required double PixelMean { get; init; }
    public required double PixelStd { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>True: softmax over classes (one label per image); false: independent sigmoids (multi-label).</summary>
    public required bool MultiClass { get; init; }
    /// <summary>Per-class probability at or above which the answer is "positive".</summary>
    public required IReadOnlyList<double> Thresholds { get; init; }
    public bool Bf16 { get; init; }
    public bool ChannelsLast { get; init; }
    /// <summary>Free-form provenance (run directory, member, step, checkpoint metric …).</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();

    public int ClassIndex(string name)
    {
        for (int i = 0; i < ClassNames.Count; i++)
            if (string.Equals(ClassNames[i], name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
