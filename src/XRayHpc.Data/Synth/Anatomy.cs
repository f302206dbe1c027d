namespace XRayHpc.Data.Synthesis;

/// <summary>
/// Per-patient body geometry in normalized image coordinates (0..1). Drawn once per patient so every
/// image of a patient shares it (with small per-image jitter for positioning), which is what makes
/// patient-level splitting matter.
/// </summary>
internal sealed record Anatomy(
    double CenterX, double CenterY, double BodyRx, double BodyRy,
    double LungOffsetX, double LungRx, double LungRy, double LungCenterY,
    double HeartRatio, double MediastinumWidth, double Exposure, double Contrast)
{
    public static Anatomy ForPatient(SynthRng r) => new(
        CenterX: r.Uniform(0.48, 0.52), CenterY: r.Uniform(0.52, 0.56),
        BodyRx: r.Uniform(0.40, 0.46), BodyRy: r.Uniform(0.46, 0.52),
        LungOffsetX: r.Uniform(0.165, 0.19), LungRx: r.Uniform(0.12, 0.14), LungRy: r.Uniform(0.28, 0.32),
        LungCenterY: r.Uniform(0.47, 0.51),
        HeartRatio: r.Uniform(0.40, 0.47), MediastinumWidth: r.Uniform(0.075, 0.095),
        Exposure: r.Uniform(-0.05, 0.05), Contrast: r.Uniform(0.9, 1.1));

    /// <summary>Same patient, another acquisition: a few percent of shift and exposure change.</summary>
    public Anatomy Jitter(SynthRng r) => this with
    {
        CenterX = CenterX + r.Uniform(-0.015, 0.015),
        CenterY = CenterY + r.Uniform(-0.015, 0.015),
        LungCenterY = LungCenterY + r.Uniform(-0.01, 0.01),
        Exposure = Exposure + r.Uniform(-0.03, 0.03),
        Contrast = Contrast * r.Uniform(0.95, 1.05),
    };

    /// <summary>Thoracic half-width used for the cardiothoracic ratio.</summary>
    public double ThoraxHalfWidth => LungOffsetX + LungRx;
    public double LungX(int side) => CenterX + (side == 0 ? -LungOffsetX : LungOffsetX);
    /// <summary>Lung field centre height, moving with the body centre.</summary>
    public double LungY => LungCenterY + (CenterY - 0.54);
}
