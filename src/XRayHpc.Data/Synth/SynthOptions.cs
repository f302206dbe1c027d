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

    // ---- Difficulty knobs. Each default reproduces the files written before the knob existed, byte for byte:
    // a knob at its default neither changes an expression nor draws a random number. ----

    /// <summary>Multiplies every finding's strength (opacity amplitude; for cardiomegaly the heart's growth). 1 = as drawn.</summary>
    public double FindingContrast { get; init; } = 1.0;
    /// <summary>Multiplies the extent of focal findings (opacity patches, masses, nodules, lesions, edema, bands).</summary>
    public double FindingSize { get; init; } = 1.0;
    /// <summary>Multiplies the film's Gaussian noise (σ drawn per image from 0.012..0.025 of full scale).</summary>
    public double FilmNoise { get; init; } = 1.0;
    /// <summary>Extra per-image exposure variation on top of the patient's: offset ±v/4, gain ×(1 ± v/2) and a
    /// linear brightness gradient of up to v/4 across the film, drawn from a stream of their own. 0 = none.</summary>
    public double ExposureVariation { get; init; }
    /// <summary>Probability that a training image's written label is wrong (chestxray2017: the patient lands in the
    /// other folder; nih: an abnormal image reads "No Finding", a normal one gets a random finding). Held-out
    /// splits keep true labels, so validation and test measure the truth.</summary>
    public double LabelNoise { get; init; }
    /// <summary>Distractor: a bright lead marker in an upper corner whose presence correlates with the written label
    /// in the training split only: P(marker | abnormal) = (1 + d) / 2, P(marker | normal) = (1 − d) / 2 there,
    /// and 1/2 regardless of label in held-out splits — the shortcut a CAM should expose. 0 = no markers.</summary>
    public double DistractorCorrelation { get; init; }
    /// <summary>chestxray2017 only: share of patients in val/ and test/ (null: the layout's 5% and 15%).</summary>
    public double? ValFraction { get; init; }
    public double? TestFraction { get; init; }

    /// <summary>True when a knob that needs a layout's split or label handling is set (chestxray2017 and nih only).</summary>
    internal bool NeedsLabelKnobs => LabelNoise > 0 || DistractorCorrelation > 0;
}

/// <summary>Where each generated layout's dataset root is (the path to give DatasetAdapters.Open).</summary>
public sealed record SynthResult(IReadOnlyDictionary<string, string> Roots, IReadOnlyDictionary<string, int> ImageCounts);
