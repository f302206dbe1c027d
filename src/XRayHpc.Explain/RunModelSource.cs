using System.Globalization;
using XRayHpc.Cache;
using XRayHpc.Training.Config;
using XRayHpc.Training.Train;

namespace XRayHpc.Explain;

/// <summary>A run directory's checkpoint (best, latest or member-i/step-N), resolved as `evaluate` and `predict` do.
/// Thresholds are 0.5 (a run records none; a model package carries validated ones).</summary>
public sealed class RunModelSource : IModelSource
{
    public ModelCard Card { get; }
    public string WeightsPath { get; }
    public string? CacheDir { get; }

    public RunModelSource(string runDir, string checkpoint, string? cacheOverride = null)
    {
        var ckpt = CheckpointRef.Resolve(runDir, checkpoint, cacheOverride);
        WeightsPath = ckpt.WeightsPath;
        CacheDir = ckpt.Config.Data.Cache;
        var manifest = CacheManifest.Load(CacheDir);
        var c = ckpt.Config;
        Card = new ModelCard
        {
            Id = $"{Path.GetFileName(Path.GetFullPath(runDir).TrimEnd('/'))} member-{ckpt.Member}/{Path.GetFileName(ckpt.Dir)}",
            Checksum = XRayHpc.Checkpoint.Durable.Sha256Hex(WeightsPath),
            Architecture = c.Model.Name,
            InChannels = c.Model.InChannels,
            ImageSize = manifest.ImageSize,
            // data.normalize: imagenet trains with ImageNet's statistics, not the cache's (as evaluate/predict do).
            PixelMean = Normalization.Of(c.Data)?.Mean ?? manifest.PixelMean,
            PixelStd = Normalization.Of(c.Data)?.Std ?? manifest.PixelStd,
            ClassNames = manifest.ClassNames,
            MultiClass = c.Data.Task == TaskKind.Multiclass,
            Thresholds = Enumerable.Repeat(0.5, manifest.ClassNames.Count).ToArray(),
            Bf16 = c.Precision.Dtype == PrecisionKind.Bf16,
            ChannelsLast = c.Precision.ChannelsLast,
            Provenance = new Dictionary<string, string>
            {
                ["source"] = "run",
                ["run"] = Path.GetFullPath(runDir),
                ["member"] = ckpt.Member.ToString(CultureInfo.InvariantCulture),
                ["step"] = ckpt.Step.ToString(CultureInfo.InvariantCulture),
                ["dataset"] = manifest.Dataset,
            },
        };
    }
}
