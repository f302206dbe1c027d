using System.Globalization;
using System.Text;

namespace XRayHpc.Report;

/// <summary>One of the five configurations of the runtime paper, as we run it.</summary>
public sealed record PaperConfig(int Id, string Name, string Model, int Ranks, int ThreadsPerRank, bool Bf16, bool ChannelsLast,
    bool Cosine, double PaperMinutes, double PaperAccuracyPercent, string PaperHardware);

/// <summary>What one configuration measured here.</summary>
public sealed record PaperResult(PaperConfig Config, double Minutes, double ImagesPerSecond, double MeanAuroc,
    IReadOnlyDictionary<string, double> AccuracyPerLabel)
{
    public double MeanAccuracy => AccuracyPerLabel.Count == 0 ? double.NaN : AccuracyPerLabel.Values.Average();
}

/// <summary>
/// The runtime paper's Tables 1 (training minutes: configuration 1 on a CPU, the others on a T4 GPU) and 2 (test accuracy at 0.5 averaged over
/// the 14 labels) beside our measurements. Paper figures are the published ones; ours come from the run.
/// </summary>
public static class PaperRuntime
{
    /// <summary>
    /// "No acceleration" = plain fp32 with libtorch's default thread count (one per core), as a user gets
    /// without tuning anything. "Accelerated" = the best single-process engine settings that keep fp32
    /// numerics: all cores as torch threads and channels_last. Mixed precision (bf16 autocast) enters in
    /// configuration 4, as in the paper.
    /// </summary>
    public static IReadOnlyList<PaperConfig> Configs(int cores)
    {
        int perRank = Math.Max(1, cores / 2);
        return
        [
            new(1, $"ResNet-18, no acceleration (fp32, 1 rank, default {cores} threads)", "resnet18", 1, cores, false, false, false, 150.38, 86.12, "CPU"),
            new(2, $"ResNet-18, accelerated ({cores} threads, channels_last)", "resnet18", 1, cores, false, true, false, 10.19, 86.26, "T4 GPU"),
            new(3, $"ResNet-18 + MPI (2 ranks x {perRank} threads)", "resnet18", 2, perRank, false, true, false, 10.44, 86.29, "T4 GPU"),
            new(4, "ResNet-18 + MPI + mixed precision (bf16) + cosine LR", "resnet18", 2, perRank, true, true, true, 10.45, 86.34, "T4 GPU"),
            new(5, "ResNet-50 + MPI + mixed precision (bf16) + cosine LR", "resnet50", 2, perRank, true, true, true, 12.13, 86.92, "T4 GPU"),
        ];
    }

    /// <summary>Per-label accuracy at threshold 0.5 from predictions.csv rows whose label counts (masked rows have none).</summary>
    public static IReadOnlyDictionary<string, double> AccuracyPerLabel(IEnumerable<Prediction> predictions)
    {
        var result = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var g in predictions.Where(p => p.Label is not null).GroupBy(p => p.Class))
            result[g.Key] = g.Average(p => (p.Score >= 0.5) == (p.Label >= 0.5) ? 1.0 : 0.0);
        return result;
    }

    public static string Markdown(IReadOnlyList<PaperResult> results, string setup)
    {
        var sb = new StringBuilder("# Runtime paper, reproduced\n\n").Append(setup).Append("\n\n");
        sb.Append("## Table 1: training time\n\n");
        sb.Append(Document.MarkdownTable(new Document.Table(
            ["#", "configuration", "paper hardware", "paper minutes", "our minutes", "ours / paper", "our images/s"],
            results.Select(r => (IReadOnlyList<string>)[I(r.Config.Id), r.Config.Name, r.Config.PaperHardware, F(r.Config.PaperMinutes, 2), F(r.Minutes, 2),
                F(r.Minutes / r.Config.PaperMinutes, 3), F(r.ImagesPerSecond, 1)]).ToList(),
            [true, false, false, true, true, true, true])));
        sb.Append("\n## Table 2: test accuracy at 0.5 (mean over labels) and mean AUROC\n\n");
        sb.Append(Document.MarkdownTable(new Document.Table(
            ["#", "configuration", "paper accuracy %", "our accuracy %", "our mean AUROC"],
            results.Select(r => (IReadOnlyList<string>)[I(r.Config.Id), r.Config.Name, F(r.Config.PaperAccuracyPercent, 2), F(r.MeanAccuracy * 100, 2), F(r.MeanAuroc, 4)]).ToList(),
            [true, false, true, true, true])));
        var labels = results.SelectMany(r => r.AccuracyPerLabel.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        if (labels.Count > 0)
        {
            sb.Append("\n## Per-label test accuracy at 0.5 (%)\n\n");
            sb.Append(Document.MarkdownTable(new Document.Table(
                ["label", .. results.Select(r => $"config {r.Config.Id}")],
                labels.Select(l => (IReadOnlyList<string>)[l, .. results.Select(r => r.AccuracyPerLabel.TryGetValue(l, out var a) ? F(a * 100, 2) : "n/a")]).ToList(),
                [false, .. results.Select(_ => true)])));
        }
        return sb.ToString();
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    static string F(double v, int digits) => Number.Fixed(v, digits);
}
