using XRayHpc.Report;

namespace XRayHpc.Hpc.Tests;

public sealed class PaperRuntimeTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "xrayhpc-paper-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public void Five_configurations_follow_the_paper_and_split_the_cores()
    {
        var c = PaperRuntime.Configs(cores: 2);
        Assert.Equal([150.38, 10.19, 10.44, 10.45, 12.13], c.Select(x => x.PaperMinutes));
        Assert.Equal([86.12, 86.26, 86.29, 86.34, 86.92], c.Select(x => x.PaperAccuracyPercent));
        Assert.Equal(["CPU", "T4 GPU", "T4 GPU", "T4 GPU", "T4 GPU"], c.Select(x => x.PaperHardware));
        Assert.Equal([(1, 2), (1, 2), (2, 1), (2, 1), (2, 1)], c.Select(x => (x.Ranks, x.ThreadsPerRank)));
        Assert.Equal([false, false, false, true, true], c.Select(x => x.Bf16));
        Assert.Equal([false, true, true, true, true], c.Select(x => x.ChannelsLast));
        Assert.Equal(["resnet18", "resnet18", "resnet18", "resnet18", "resnet50"], c.Select(x => x.Model));
    }

    [Fact]
    public void Accuracy_per_label_counts_scores_at_or_above_one_half_as_positive()
    {
        var acc = PaperRuntime.AccuracyPerLabel([
            new(0, 0, "A", 0.5, 1), new(0, 1, "A", 0.49, 1), new(0, 2, "A", 0.2, 0), new(0, 3, "A", 0.9, 0),
            new(0, 0, "B", 0.7, 1), new(0, 1, "B", 0.1, 0)]);
        Assert.Equal(0.5, acc["A"]);
        Assert.Equal(1.0, acc["B"]);
    }

    [Fact]
    public void Reproduce_runs_the_real_trainer_and_prints_both_tables()
    {
        var r = Cli.Run("reproduce", "paper-runtime", "--images", "40", "--size", "32", "--epochs", "1", "--configs", "1", "--out", _dir);
        Assert.True(r.ExitCode == 0, r.Output);
        var md = File.ReadAllLines(Path.Combine(_dir, "paper-runtime.md"));
        var t1 = Assert.Single(md, l => l.StartsWith("| 1 | ResNet-18, no acceleration") && l.Contains("| 150.38 |"));
        var t2 = Assert.Single(md, l => l.StartsWith("| 1 | ResNet-18, no acceleration") && l.Contains("| 86.12 |"));
        Assert.Equal("CPU", t1.Split('|')[3].Trim()); // the paper's configuration 1 ran without a GPU
        var minutes = double.Parse(t1.Split('|')[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(minutes > 0, t1);
        var ourAccuracy = double.Parse(t2.Split('|')[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ourAccuracy, 0, 100);
        // 14 ChestX-ray14 labels in the per-label table, each with a percentage.
        int start = Array.FindIndex(md, l => l.StartsWith("## Per-label"));
        var labelRows = md.Skip(start + 4).TakeWhile(l => l.StartsWith("| ")).ToList();
        Assert.Equal(14, labelRows.Count);
        Assert.Contains(labelRows, l => l.StartsWith("| Pneumonia |"));
        // The configuration really ran as stated: 1 rank, libtorch's default thread count (one per core), fp32.
        var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "config-1", "summary.json"))).RootElement;
        Assert.Equal((1, Environment.ProcessorCount, "fp32"), (summary.GetProperty("ranks").GetInt32(), summary.GetProperty("threads").GetInt32(), summary.GetProperty("precision").GetString()));
    }
}
