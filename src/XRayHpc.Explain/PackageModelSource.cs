using System.Globalization;
using XRayHpc.Training.Package;

namespace XRayHpc.Explain;

/// <summary>A model package written by `xrayhpc select` (model.safetensors + model.yaml): its card comes from
/// model.yaml, with the thresholds chosen on validation and the normalisation the weights were trained with.
/// <see cref="ModelPackage.Load"/> has already checked the weights against their recorded SHA-256.</summary>
public sealed class PackageModelSource : IModelSource
{
    public ModelCard Card { get; }
    public string WeightsPath { get; }
    public string? CacheDir { get; }

    public PackageModelSource(string path, string? cacheOverride = null)
    {
        var pkg = ModelPackage.Load(path);
        WeightsPath = pkg.WeightsPath;
        var config = pkg.LoadConfig(cacheOverride);
        CacheDir = Directory.Exists(config.Data.Cache) ? config.Data.Cache : null;
        var p = pkg.Manifest.Provenance;
        Card = new ModelCard
        {
            Id = $"{Path.GetFileName(Path.GetFullPath(pkg.Dir).TrimEnd('/'))} (run {Path.GetFileName(p.Run.TrimEnd('/'))} member-{p.Member}/step-{p.Step})",
            Checksum = p.WeightsSha256,
            Architecture = pkg.Architecture,
            InChannels = pkg.InChannels,
            ImageSize = pkg.ImageSize,
            PixelMean = pkg.Mean,
            PixelStd = pkg.Std,
            ClassNames = pkg.ClassNames,
            MultiClass = pkg.MultiClass,
            Thresholds = pkg.Thresholds.ToArray(),
            Bf16 = config.Precision.Dtype == XRayHpc.Training.Config.PrecisionKind.Bf16,
            ChannelsLast = config.Precision.ChannelsLast,
            Provenance = new Dictionary<string, string>
            {
                ["source"] = "package",
                ["package"] = Path.GetFullPath(pkg.Dir),
                ["run"] = p.Run,
                ["member"] = p.Member.ToString(CultureInfo.InvariantCulture),
                ["step"] = p.Step.ToString(CultureInfo.InvariantCulture),
                ["config_fingerprint"] = p.ConfigFingerprint,
            },
        };
    }
}
