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
    /// <summary>Also exercise the harder encodings real datasets contain, with the same pixels and labels:
    /// NIH: every 4th PNG 16-bit; RSNA: every 4th DICOM MONOCHROME1 (inverted stored values), every 4th
    /// 12-bit with a VOI window, every 4th JPEG baseline (.50, lossy). Decoded images equal the plain
    /// run's (JPEG within compression error).</summary>
    public bool Tricky { get; init; }
}

/// <summary>Where each generated layout's dataset root is (the path to give DatasetAdapters.Open).</summary>
public sealed record SynthResult(IReadOnlyDictionary<string, string> Roots, IReadOnlyDictionary<string, int> ImageCounts);
