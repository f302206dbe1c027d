namespace XRayHpc.Data;

/// <summary>
/// Named synth settings (`xrayhpc synth --preset NAME`); options given beside a preset override its values.
/// "benchmark" is the tuner-comparison task (`make compare-tuners`): binary pneumonia (ChestXRay2017 layout) at
/// 64 px, fainter opacities under more film noise and exposure variation, 10% wrong training labels and a
/// lead marker that goes with the label in training only. Calibrated so a ResNet-18 learns it within a few
/// hundred steps without saturating, and a bad learning rate visibly fails (README, "Comparing tuners").
/// </summary>
public static class SynthPresets
{
    public static readonly IReadOnlyList<string> Names = ["benchmark"];

    public static SynthOptions Get(string name) => name switch
    {
        "benchmark" => new SynthOptions
        {
            Layout = "chestxray2017", Count = 1600, Size = 64, Prevalence = 0.4, ImagesPerPatient = 2,
            FindingContrast = 0.8, FilmNoise = 1.5, ExposureVariation = 0.5,
            LabelNoise = 0.1, DistractorCorrelation = 0.3,
            // A validation split big enough for a stable AUROC, taken whole by the preprocessor (its default
            // --val-fraction 0.1 is already met), so validation keeps true labels and no shortcut.
            ValFraction = 0.15, TestFraction = 0.15,
        },
        _ => throw new ArgumentException($"unknown synth preset '{name}' (expected {string.Join(", ", Names)})"),
    };
}
