using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using XRayHpc.Checkpoint;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;
using XRayHpc.Training.Metrics;
using XRayHpc.Training.Run;
using XRayHpc.Training.Train;

namespace XRayHpc.Training.Package;

/// <summary>One ranked member: its best kept checkpoint, re-evaluated on validation and test.</summary>
public sealed record SelectionRow(string Run, int Member, long Step, string Model, string Optimizer, Dictionary<string, double> Hyperparameters,
    double Score, double RecordedVal, PackageMetrics Val, PackageMetrics Test, double ValLoss, string StateChecksum);

/// <summary>
/// `xrayhpc select`: every member of every run, at its best checkpoint still on disk (by the validation
/// metric the run recorded in metrics.jsonl), is evaluated again on validation and test, ranked by the
/// chosen metric on the chosen split, and the winner becomes a <see cref="ModelPackage"/> with per-class
/// thresholds chosen on validation. The scores come from the same <see cref="Inference"/> that
/// `evaluate` uses, so evaluating the package reproduces its recorded metrics exactly.
/// </summary>
public static class Selector
{
    public static readonly string[] Metrics = ["mean_auroc", "val_loss", "accuracy", "f1"];

    public static List<SelectionRow> Rank(IReadOnlyList<string> runs, string metric, string split, Communicator comm, Action<string>? note = null)
    {
        if (!Metrics.Contains(metric)) throw new ArgumentException($"--metric '{metric}' is not one of {string.Join(" | ", Metrics)}");
        if (split is not ("val" or "test" or "train")) throw new ArgumentException($"--split '{split}' is not one of train | val | test");
        var rows = new List<SelectionRow>();
        foreach (var run in runs)
        {
            var layout = new RunLayout(run);
            if (!File.Exists(layout.ResolvedConfig)) throw new ArgumentException($"{run}: not a run directory (config.resolved.yaml missing)");
            var config = ConfigLoader.LoadFile(layout.ResolvedConfig);
            var store = new CheckpointStore(new RunLayout(run, config.Checkpoint.Dir).Checkpoints);
            var records = File.Exists(layout.Metrics)
                ? File.ReadLines(layout.Metrics).Where(l => l.Length > 0).Select(RunJson.Parse<MetricsRecord>).ToList() : [];
            foreach (var member in records.Select(r => r.Member).Distinct().Order())
            {
                // The member's recorded evaluations whose checkpoint is still kept, best recorded validation score first.
                var best = records.Where(r => r.Member == member && !r.Failed)
                    .OrderByDescending(r => Recorded(r, metric)).ThenByDescending(r => r.Step)
                    .FirstOrDefault(r => store.Verify(member, r.Step) == null);
                if (best == null) { note?.Invoke($"{run} member {member}: no kept checkpoint with a recorded evaluation; skipped"); continue; }
                using var inf = new Inference(run, $"member-{member}/{CheckpointStore.StepName(best.Step)}", null, comm);
                var (valScores, val) = inf.Evaluate("val");
                var (testScores, test) = inf.Evaluate("test");
                var (chosenScores, chosen) = split switch { "val" => (valScores, val), "test" => (testScores, test), _ => inf.Evaluate("train") };
                double score = metric switch
                {
                    "val_loss" => chosenScores.MeanLoss, "accuracy" => chosen.Accuracy, "f1" => chosen.F1, _ => chosen.MeanAuroc,
                };
                // The member's own architecture and optimizer (a categorical search's names, else the config's).
                rows.Add(new SelectionRow(Path.GetFullPath(run), member, best.Step, inf.Config.Model.Name, ConfigNames.EnumValue(inf.Config.Optimizer.Name),
                    new() { ["lr"] = best.Lr, ["momentum"] = best.Momentum, ["weight_decay"] = best.WeightDecay, ["batch_size"] = best.BatchSize },
                    score, Recorded(best, metric) * (metric == "val_loss" ? -1 : 1), Of(val), Of(test), valScores.MeanLoss, best.Checksum));
                note?.Invoke($"{run} member {member} step {best.Step}: {metric} on {split} {score.ToString("F4", CultureInfo.InvariantCulture)}");
            }
        }
        bool lowerIsBetter = metric == "val_loss";
        // NaN (a failed evaluation) ranks last; ties keep run order, then member order.
        return rows.OrderBy(r => double.IsNaN(r.Score) ? 1 : 0).ThenBy(r => lowerIsBetter ? r.Score : -r.Score).ToList();
    }

    /// <summary>Higher is better (val_loss negated).</summary>
    static double Recorded(MetricsRecord r, string metric) => metric switch
    {
        "val_loss" => -r.ValLoss, "accuracy" => r.Accuracy, "f1" => r.F1, _ => r.MeanAuroc,
    } is var v && double.IsNaN(v) ? double.NegativeInfinity : v;

    static PackageMetrics Of(ClassificationReport r) => new()
    {
        MeanAuroc = r.MeanAuroc, Auroc = r.PerClassAuroc.ToDictionary(), Accuracy = r.Accuracy, Precision = r.Precision,
        Recall = r.Recall, Specificity = r.Specificity, F1 = r.F1,
    };

    /// <summary>Writes the winner as a package in <paramref name="dir"/> (thresholds from its validation scores).
    /// Every rank evaluates (the scores are gathered); rank 0 writes and returns the package, the others null.</summary>
    public static ModelPackage? Ship(SelectionRow winner, string dir, Communicator comm)
    {
        using var inf = new Inference(winner.Run, $"member-{winner.Member}/{CheckpointStore.StepName(winner.Step)}", null, comm);
        var (valScores, _) = inf.Evaluate("val");
        var thresholds = inf.ChooseThresholds(valScores);
        var (mean, std) = inf.PixelNormalization;
        var resolved = new RunLayout(winner.Run).ResolvedConfig;
        var manifest = new PackageManifest
        {
            Architecture = inf.Config.Model.Name, InChannels = inf.Config.Model.InChannels, ImageSize = inf.ImageSize,
            Task = inf.Config.Data.Task == TaskKind.Multiclass ? "multiclass" : "multilabel",
            Normalization = new PackageNormalization { Mode = ConfigNames.EnumValue(inf.Config.Data.Normalize), Mean = mean, Std = std },
            ClassNames = inf.ClassNames.ToList(),
            Thresholds = inf.ClassNames.Select((c, i) => (c, thresholds[i])).ToDictionary(x => x.c, x => x.Item2),
            Provenance = new PackageProvenance
            {
                Run = winner.Run, Member = winner.Member, Step = winner.Step, StateChecksum = winner.StateChecksum,
                ConfigFingerprint = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(resolved)))[..16],
                Hyperparameters = winner.Hyperparameters,
            },
            Metrics = { ["val"] = winner.Val, ["test"] = winner.Test },
        };
        if (comm.Rank != 0) return null;
        return ModelPackage.Write(dir, Path.Combine(inf.CheckpointDir, "model.safetensors"), resolved, manifest);
    }

    public static string Markdown(IReadOnlyList<SelectionRow> rows, string metric, string split)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Model selection: {metric} on {split}").AppendLine();
        sb.AppendLine($"| rank | run | member | step | model | optimizer | lr | {metric} ({split}) | val mean AUROC | test mean AUROC | test accuracy | test F1 |");
        sb.AppendLine("|---:|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {i + 1} | {Path.GetFileName(r.Run)} | {r.Member} | {r.Step} | {r.Model} | {r.Optimizer} | {r.Hyperparameters["lr"]:G4} | {N(r.Score)} | {N(r.Val.MeanAuroc)} | {N(r.Test.MeanAuroc)} | {N(r.Test.Accuracy)} | {N(r.Test.F1)} |"));
        }
        return sb.ToString();
    }

    public static string Json(IReadOnlyList<SelectionRow> rows, string metric, string split) => JsonSerializer.Serialize(
        new { metric, split, ranking = rows.Select((r, i) => new { rank = i + 1, r.Run, r.Member, r.Step, r.Model, r.Optimizer, r.Hyperparameters, r.Score,
            recorded_val = r.RecordedVal, val = r.Val, test = r.Test, val_loss = r.ValLoss, state_checksum = r.StateChecksum }) },
        new JsonSerializerOptions(RunJson.Options) { WriteIndented = true });

    static string N(double v) => double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
}
