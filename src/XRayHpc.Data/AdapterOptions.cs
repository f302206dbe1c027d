namespace XRayHpc.Data;

/// <summary>How CheXpert's uncertain (-1) labels become training targets (Irvin et al. 2019).</summary>
public enum UncertaintyPolicy
{
    /// <summary>Uncertain counts as negative.</summary>
    UZeros,
    /// <summary>Uncertain counts as positive.</summary>
    UOnes,
    /// <summary>Uncertain is masked out of the loss (LabelMask 0).</summary>
    Ignore,
}

/// <summary>Options shared by all adapters; each adapter uses the ones that apply to its layout.</summary>
public sealed record AdapterOptions
{
    /// <summary>The five CheXpert competition observations.</summary>
    public static readonly IReadOnlyList<string> CheXpertCompetitionClasses =
        ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

    public UncertaintyPolicy UncertaintyPolicy { get; init; } = UncertaintyPolicy.UZeros;
    /// <summary>Keep only frontal (PA/AP) views; lateral rows are skipped, not errors (CheXpert).</summary>
    public bool FrontalOnly { get; init; } = true;
    /// <summary>Subset and order of classes; null = all of the layout's classes. Unknown names throw.</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>Check that each referenced image file exists (a missing one becomes an error row).</summary>
    public bool CheckImagesExist { get; init; } = true;
    /// <summary>RSNA: read ViewPosition from the first 8 KiB of each DICOM for <see cref="RawItem.View"/>.</summary>
    public bool ReadDicomView { get; init; } = true;
}
