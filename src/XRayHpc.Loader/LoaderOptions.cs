namespace XRayHpc.Loader;

/// <summary>Random affine + intensity augmentation ranges (each sample draws uniformly within them).</summary>
public sealed record AugmentOptions
{
    public double MaxRotationDegrees { get; init; } = 7;
    /// <summary>Translation as a fraction of the image side.</summary>
    public double MaxTranslate { get; init; } = 0.05;
    /// <summary>Scale factor drawn from [1 − MaxScale, 1 + MaxScale].</summary>
    public double MaxScale { get; init; } = 0.08;
    /// <summary>Additive brightness on the 0..1 scale.</summary>
    public double Brightness { get; init; } = 0.08;
    /// <summary>Contrast factor drawn from [1 − Contrast, 1 + Contrast] around mid-gray.</summary>
    public double Contrast { get; init; } = 0.1;
    /// <summary>Off by default: chest films are not left/right symmetric (heart, aortic knob, dextrocardia labels).</summary>
    public bool HorizontalFlip { get; init; }
}

/// <summary>Loader settings as one typed object.</summary>
public sealed record LoaderOptions
{
    public int BatchSize { get; init; } = 32;
    public int Epoch { get; init; }
    public long Seed { get; init; }
    public bool Augment { get; init; }
    public AugmentOptions Augmentation { get; init; } = new();
    /// <summary>Background threads turning bytes into float batches.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Batches that may be ready ahead of the consumer (bounds memory).</summary>
    public int Prefetch { get; init; } = 4;
    /// <summary>Output side in pixels; null = the cache's image size.</summary>
    public int? ImageSize { get; init; }
    /// <summary>Class-balanced oversampling (with replacement) inside each shuffle window.</summary>
    public bool Balanced { get; init; }
    /// <summary>Shuffle rows (epoch-seeded); off gives the split's stored order for this rank (evaluation).</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Row groups whose rows are shuffled together; a bounded stand-in for a full shuffle.</summary>
    public int ShuffleWindowRowGroups { get; init; } = 4;
    public bool DropLast { get; init; }
    /// <summary>Pixel mean and std (0..1 scale) to normalise with; null = the cache's own statistics.</summary>
    public (double Mean, double Std)? Normalization { get; init; }
}
