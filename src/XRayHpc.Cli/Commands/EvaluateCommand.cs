using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;
using XRayHpc.Training.Package;
using XRayHpc.Training.Train;

namespace XRayHpc.Cli.Commands;

/// <summary>`xrayhpc evaluate <run> [--checkpoint best|latest|member-i/step-N] [--split test] [--cache dir]`: metrics of a checkpoint on a split.</summary>
public sealed class EvaluateCommand : ICliCommand
{
    public int Order => 40;

    public Command Build()
    {
        var run = new Argument<string>("run") { Description = "Run directory written by `xrayhpc train`, or a model package written by `xrayhpc select`" };
        var ckpt = new Option<string>("--checkpoint") { Description = "best | latest | member-<i>/step-<N>", DefaultValueFactory = _ => "best" };
        var split = new Option<string>("--split") { Description = "train | val | test", DefaultValueFactory = _ => "test" };
        var cache = new Option<string?>("--cache") { Description = "Another preprocessed cache with the same classes (default: the run's)" };
        var timeout = CollectiveTimeoutOption.Create();
        var cmd = new Command("evaluate", "Evaluate a checkpoint of a run on a split: per-class AUROC, accuracy, precision, recall, specificity, F1.");
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { ckpt, split, cache, timeout }) cmd.Options.Add(o);
        cmd.SetAction(r => InferenceRunner.Run(r.GetValue(run)!, r.GetValue(ckpt)!, r.GetValue(cache), r.GetValue(timeout), inf =>
        {
            var s = r.GetValue(split)!;
            var (_, report) = inf.Evaluate(s);
            if (Communicator.world.Rank != 0) return;
            var t = new Table().Title($"{inf.CheckpointDir} on {s}").AddColumn("metric").AddColumn("value");
            foreach (var (k, v) in report.PerClassAuroc) t.AddRow($"AUROC {Markup.Escape(k)}", v.ToString("F4"));
            t.AddRow("mean AUROC", report.MeanAuroc.ToString("F4"));
            t.AddRow("accuracy @0.5", report.Accuracy.ToString("F4"));
            t.AddRow("precision @0.5", report.Precision.ToString("F4"));
            t.AddRow("recall @0.5", report.Recall.ToString("F4"));
            t.AddRow("specificity @0.5", report.Specificity.ToString("F4"));
            t.AddRow("F1 @0.5", report.F1.ToString("F4"));
            AnsiConsole.Write(t);
            var json = JsonSerializer.Serialize(new { checkpoint = inf.CheckpointDir, split = s, mean_auroc = report.MeanAuroc, auroc = report.PerClassAuroc,
                accuracy = report.Accuracy, precision = report.Precision, recall = report.Recall, specificity = report.Specificity, f1 = report.F1 },
                new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
            File.WriteAllText(Path.Combine(r.GetValue(run)!, $"eval-{s}.json"), json);
        }));
        return cmd;
    }
}

/// <summary>Shared by evaluate/predict: config errors -> exit 2, missing checkpoints -> exit 1, under MPI when launched so.</summary>
static class InferenceRunner
{
    public static int Run(string runDir, string checkpoint, string? cache, double? collectiveTimeout, Action<Inference> body)
    {
        if (CollectiveTimeoutOption.Problem(collectiveTimeout) is { } problem) { Console.Error.WriteLine(problem); return ExitCodes.BadInput; }
        bool package = ModelPackage.IsPackage(runDir);
        if (!package && !File.Exists(Path.Combine(runDir, "config.resolved.yaml")))
        {
            Console.Error.WriteLine($"{runDir}: neither a run directory (config.resolved.yaml missing) nor a model package (model.yaml missing)");
            return ExitCodes.BadInput;
        }
        using var mpi = new MpiEnvironment();
        return MpiEnvironment.RunGuarded(() =>
        {
            try
            {
                // Watched from the start (a rank may stall while loading), then at the run's own setting.
                CollectiveTimeoutOption.Apply(collectiveTimeout, CollectiveTimeoutOption.Default);
                // A package carries its own config and weights; --checkpoint applies to runs only.
                using var inf = package ? new Inference(ModelPackage.Load(runDir), cache, Communicator.world)
                                        : new Inference(runDir, checkpoint, cache, Communicator.world);
                CollectiveTimeoutOption.Apply(collectiveTimeout, inf.Config.Run.CollectiveTimeout);
                FaultInjection.StopBeforeInference(Communicator.world.Rank);
                body(inf);
                return ExitCodes.Ok;
            }
            catch (ConfigException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
            catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
            catch (InvalidDataException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
            catch (IOException e) { Console.Error.WriteLine(e.Message); return ExitCodes.Failure; }
        });
    }
}
