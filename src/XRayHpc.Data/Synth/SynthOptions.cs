namespace XRayHpc.Data;

/// <summary>What `xrayhpc synth` generates. Same options + seed → byte-identical files.</summary>
public sealed record SynthOptions
{
    /// <summary>all | chestxray2017 | nih | chexpert | rsna. "all" writes one sub-folder per layout.</summary>
    public string Layout { get; init; } = "all";
    public string OutputDir { get; init; } = "synth";
    /// <summary>Number of images per layout.</summary>
    public int Count { get; init; } = 200;
    /// <summary>Image side in pixels (square).</summary>
    public int Size { get; init; } = 256;
    public long Seed { get; init; } = 0;
    /// <summary>Probability that a given finding is drawn (per class for multi-label layouts).</summary>
    public double Prevalence { get; init; } = 0.3;
    /// <summary>Images per patient (RSNA has one image per patientId by design and ignores it).</summary>
    public int ImagesPerPatient { get; init; } = 2;
}

/// <summary>Where each generated layout's dataset root is (the path to give DatasetAdapters.Open).</summary>
public sealed record SynthResult(IReadOnlyDictionary<string, string> Roots, IReadOnlyDictionary<string, int> ImageCounts);
