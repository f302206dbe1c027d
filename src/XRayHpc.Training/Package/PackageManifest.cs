namespace XRayHpc.Training.Package;

/// <summary>model.yaml of a <see cref="ModelPackage"/> (snake_case keys).</summary>
public sealed class PackageManifest
{
    public string Format { get; set; } = "";
    public string Architecture { get; set; } = "";
    public int InChannels { get; set; }
    public int ImageSize { get; set; }
    /// <summary>multilabel (sigmoid per class) or multiclass (softmax).</summary>
    public string Task { get; set; } = "multilabel";
    public PackageNormalization Normalization { get; set; } = new();
    public List<string> ClassNames { get; set; } = new();
    /// <summary>Per-class probability thresholds chosen on the validation split (Youden's J).</summary>
    public Dictionary<string, double> Thresholds { get; set; } = new();
    public PackageProvenance Provenance { get; set; } = new();
    /// <summary>"val" and "test": mean_auroc, auroc per class, accuracy, precision, recall, specificity, f1 (at 0.5).</summary>
    public Dictionary<string, PackageMetrics> Metrics { get; set; } = new();
}

public sealed class PackageNormalization
{
    /// <summary>dataset (the training cache's statistics) or imagenet.</summary>
    public string Mode { get; set; } = "dataset";
    /// <summary>Applied to pixel / 255 of the grey image: (x - mean) / std.</summary>
    public double Mean { get; set; }
    public double Std { get; set; } = 1;
}

public sealed class PackageProvenance
{
    public string Run { get; set; } = "";
    public int Member { get; set; }
    public long Step { get; set; }
    /// <summary>First 16 hex digits of SHA-256 over the run's config.resolved.yaml.</summary>
    public string ConfigFingerprint { get; set; } = "";
    public string WeightsSha256 { get; set; } = "";
    /// <summary>The state checksum the run recorded for this member and step in metrics.jsonl.</summary>
    public string StateChecksum { get; set; } = "";
    public Dictionary<string, double> Hyperparameters { get; set; } = new();
}

public sealed class PackageMetrics
{
    public double MeanAuroc { get; set; }
    public Dictionary<string, double> Auroc { get; set; } = new();
    public double Accuracy { get; set; }
    public double Precision { get; set; }
    public double Recall { get; set; }
    public double Specificity { get; set; }
    public double F1 { get; set; }
}
