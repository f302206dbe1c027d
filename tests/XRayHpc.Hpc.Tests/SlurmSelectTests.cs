using System.Text.Json;

namespace XRayHpc.Hpc.Tests;

/// <summary>
/// The architecture × optimizer comparison end to end: a sweep over {resnet18, densenet121} × {sgd, adam} as one
/// Slurm job array (jobs/sweep-array.sbatch), `xrayhpc select` over its four runs, the winner shipped as a model
/// package, and `xrayhpc evaluate` on the package reproducing the selected member's recorded test metrics.
/// </summary>
[Collection("slurm")]
public sealed class SlurmSelectTests(SlurmCluster slurm)
{
    [SlurmFact]
    public void Architecture_by_optimizer_sweep_array_then_select_ships_a_package_that_evaluates_to_its_recorded_metrics()
    {
        var grid = new[] { ("resnet18", "sgd"), ("resnet18", "adam"), ("densenet121", "sgd"), ("densenet121", "adam") };
        var overrides = Path.Combine(slurm.WorkDir, "arch-opt-overrides.txt");
        // Tiny: 2 steps, one evaluation at the end (the experiment's 32 px synthetic set).
        File.WriteAllLines(overrides, grid.Select(g => $"model.name={g.Item1} optimizer.name={g.Item2} schedule.max_steps=2 tuner.ready_steps=2"));
        var id = slurm.Submit(["--array=1-4"], "sweep-array.sbatch", slurm.Experiment, overrides);
        var runs = Enumerable.Range(1, 4).Select(t => slurm.RunDir($"{id}_{t}")).ToList();
        for (int t = 1; t <= 4; t++)
        {
            var job = slurm.WaitFinished($"{id}_{t}", TimeSpan.FromMinutes(3));
            Assert.True(job is { State: "COMPLETED", ExitCode: "0:0" }, $"{job.Raw}\n{slurm.JobLog($"{id}_{t}")}");
        }

        var pkg = Path.Combine(slurm.WorkDir, $"package-{id}");
        var select = Cli.Run(["select", .. runs, "--metric", "mean_auroc", "--split", "val", "--out", pkg]);
        Assert.True(select.ExitCode == 0, select.Output);
        var ranking = JsonDocument.Parse(File.ReadAllText(Path.Combine(pkg, "selection.json"))).RootElement.GetProperty("ranking")
            .EnumerateArray().ToList();
        // Every run's member, named by its architecture and optimizer (the table the user compares).
        Assert.Equal(grid.Select(g => $"{g.Item1}/{g.Item2}").Order(),
            ranking.Select(r => $"{r.GetProperty("model").GetString()}/{r.GetProperty("optimizer").GetString()}").Order());
        var table = File.ReadAllText(Path.Combine(pkg, "selection.md"));
        Assert.Contains("densenet121", table);
        Assert.Contains("adam", table);

        var winner = ranking[0];
        var winnerRun = winner.GetProperty("run").GetString()!;
        var manifest = File.ReadAllText(Path.Combine(pkg, "model.yaml"));
        Assert.Contains($"architecture: {winner.GetProperty("model").GetString()}", manifest);

        var eval = Cli.Run("evaluate", pkg, "--split", "test");
        Assert.True(eval.ExitCode == 0, eval.Output);
        var fromPackage = JsonDocument.Parse(File.ReadAllText(Path.Combine(pkg, "eval-test.json"))).RootElement;
        // The selected member's metrics as its run recorded them at the end of training (its only checkpoint).
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(winnerRun, "summary.json"))).RootElement;
        Assert.Equal($"member-0/step-{2:D8}", summary.GetProperty("checkpoint").GetString());
        Assert.Equal(summary.GetProperty("test_mean_auroc").GetDouble(), fromPackage.GetProperty("mean_auroc").GetDouble());
        Assert.Equal(summary.GetProperty("test_accuracy").GetDouble(), fromPackage.GetProperty("accuracy").GetDouble());
        Assert.Equal(summary.GetProperty("test_f1").GetDouble(), fromPackage.GetProperty("f1").GetDouble());
        Assert.Equal(winner.GetProperty("test").GetProperty("mean_auroc").GetDouble(), fromPackage.GetProperty("mean_auroc").GetDouble());
    }
}
