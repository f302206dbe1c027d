using System.CommandLine;
using XRayHpc.Mpi;
using XRayHpc.Training.Train;

namespace XRayHpc.Cli.Commands;

/// <summary>`xrayhpc predict <run> --out scores.csv [--split test] [--cache dir] [--checkpoint best]`: per-image class probabilities.</summary>
public sealed class PredictCommand : ICliCommand
{
    public int Order => 41;

    public Command Build()
    {
        var run = new Argument<string>("run") { Description = "Run directory written by `xrayhpc train`, or a model package written by `xrayhpc select`" };
        var ckpt = new Option<string>("--checkpoint") { Description = "best | latest | member-<i>/step-<N>", DefaultValueFactory = _ => "best" };
        var split = new Option<string>("--split") { Description = "train | val | test", DefaultValueFactory = _ => "test" };
        var cache = new Option<string?>("--cache") { Description = "A preprocessed cache to score (default: the run's)" };
        var output = new Option<string>("--out") { Description = "CSV to write: member,row,class,score,label (label empty where masked)", Required = true };
        var timeout = CollectiveTimeoutOption.Create();
        var cmd = new Command("predict", "Score every image of a cache split with a checkpoint; writes member,row,class,score,label CSV.");
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { ckpt, split, cache, output, timeout }) cmd.Options.Add(o);
        cmd.SetAction(r => InferenceRunner.Run(r.GetValue(run)!, r.GetValue(ckpt)!, r.GetValue(cache), r.GetValue(timeout), inf =>
        {
            var (s, _) = inf.Evaluate(r.GetValue(split)!);
            if (Communicator.world.Rank != 0) return;
            PredictionsCsv.Write(r.GetValue(output)!, inf.Member, s, inf.ClassNames);
            Console.WriteLine($"predict: {s.Rows.Length} images x {inf.ClassNames.Count} classes -> {r.GetValue(output)}");
        }));
        return cmd;
    }
}
