using System.Text.Json.Nodes;
using XRayHpc.Training.Package;

namespace XRayHpc.Training.Tests;

/// <summary>
/// `xrayhpc select` over a PBT run → model package → `evaluate` on the package reproduces exactly the test
/// metrics recorded in model.yaml, and those of `evaluate` on the run's checkpoint it came from.
/// </summary>
[Collection("train-mpi")]
public sealed class SelectPackageTests(SynthCaches data)
{
    [Fact]
    public void Select_RanksEveryMember_ShipsAPackage_ThatEvaluatesToItsRecordedMetrics()
    {
        var run = Path.Combine(data.Root, "select-" + Guid.NewGuid().ToString("N")[..6]);
        var yaml = run + ".yaml";
        File.WriteAllText(yaml, $$"""
            run: {name: t, dir: "{{run}}", seed: 9, threads: 1}
            data: {cache: "{{data.Cache32}}", task: multilabel, batch_size: 16, eval_batch_size: 64, loader_threads: 1}
            model: {name: resnet18, in_channels: 1}
            optimizer: {name: adam, lr: 0.001}
            schedule: {name: constant, max_steps: 12}
            tuner: {kind: random, population: 2, ready_steps: 6, search_space: {lr: {log_uniform: [0.0003, 0.01]} } }
            checkpoint: {keep_last: 4}
            logging: {level: info, progress: plain}
            """);
        using (var p = CliProcess.Start(2, ["train", yaml]))
            Assert.True(p.Wait(TimeSpan.FromMinutes(4)) == 0, p.Describe());

        var pkgDir = run + "-package";
        using (var p = CliProcess.Start(0, ["select", run, "--metric", "mean_auroc", "--split", "val", "--out", pkgDir]))
            Assert.True(p.Wait(TimeSpan.FromMinutes(3)) == 0, p.Describe());
        var selection = JsonNode.Parse(File.ReadAllText(Path.Combine(pkgDir, "selection.json")))!;
        var ranking = selection["ranking"]!.AsArray();
        Assert.Equal([0, 1], ranking.Select(r => (int)r!["member"]!).Order());
        Assert.True((double)ranking[0]!["score"]! >= (double)ranking[1]!["score"]!);
        Assert.Contains("| 1 |", File.ReadAllText(Path.Combine(pkgDir, "selection.md")));

        var pkg = ModelPackage.Load(pkgDir);
        Assert.Equal("resnet18", pkg.Architecture);
        Assert.Equal(1, pkg.InChannels);
        Assert.Equal(32, pkg.ImageSize);
        Assert.Equal((int)ranking[0]!["member"]!, pkg.Manifest.Provenance.Member);
        Assert.Equal(pkg.ClassNames.Count, pkg.Thresholds.Count);
        Assert.Equal(16, pkg.Manifest.Provenance.ConfigFingerprint.Length);
        using (var net = pkg.CreateNetwork()) Assert.False(net.training);

        using (var p = CliProcess.Start(0, ["evaluate", pkgDir, "--split", "test"]))
            Assert.True(p.Wait(TimeSpan.FromMinutes(2)) == 0, p.Describe());
        var fromPackage = JsonNode.Parse(File.ReadAllText(Path.Combine(pkgDir, "eval-test.json")))!;
        var recorded = pkg.Manifest.Metrics["test"];
        Assert.Equal(recorded.MeanAuroc, (double)fromPackage["mean_auroc"]!);
        Assert.Equal(recorded.Accuracy, (double)fromPackage["accuracy"]!);
        Assert.Equal(recorded.F1, (double)fromPackage["f1"]!);
        Assert.Equal(recorded.Recall, (double)fromPackage["recall"]!);

        var ckpt = $"member-{pkg.Manifest.Provenance.Member}/step-{pkg.Manifest.Provenance.Step:D8}";
        using (var p = CliProcess.Start(0, ["evaluate", run, "--checkpoint", ckpt, "--split", "test"]))
            Assert.True(p.Wait(TimeSpan.FromMinutes(2)) == 0, p.Describe());
        var fromRun = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "eval-test.json")))!;
        Assert.Equal((double)fromRun["mean_auroc"]!, (double)fromPackage["mean_auroc"]!);

        // A package whose weights were swapped is refused.
        File.AppendAllText(pkg.WeightsPath, " ");
        Assert.Throws<InvalidDataException>(() => ModelPackage.Load(pkgDir));
    }
}
