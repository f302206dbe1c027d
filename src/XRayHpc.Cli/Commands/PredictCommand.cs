using System.CommandLine;
using System.Globalization;
using XRayHpc.Mpi;

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
        var output = new Option<string>("--out") { Description = "CSV to write: row,class,score,label", Required = true };
        var timeout = CollectiveTimeoutOption.Create();
        var cmd = new Command("predict", "Score every image of a cache split with a checkpoint; writes row,class,score,label CSV.");
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { ckpt, split, cache, output, timeout }) cmd.Options.Add(o);
        cmd.SetAction(r => InferenceRunner.Run(r.GetValue(run)!, r.GetValue(ckpt)!, r.GetValue(cache), r.GetValue(timeout), inf =>
        {
            var (s, _) = inf.Evaluate(r.GetValue(split)!);
            if (Communicator.world.Rank != 0) return;
            int c = inf.ClassNames.Count;
            using var w = new StreamWriter(r.GetValue(output)!);
            w.WriteLine("row,class,score,label");
            for (int i = 0; i < s.Rows.Length; i++)
                for (int k = 0; k < c; k++)
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{s.Rows[i]},{inf.ClassNames[k]},{s.Scores[i * c + k]:R},{(s.Mask[i * c + k] == 0 ? "" : s.Labels[i * c + k].ToString("R", CultureInfo.InvariantCulture))}"));
            Console.WriteLine($"predict: {s.Rows.Length} images x {c} classes -> {r.GetValue(output)}");
        }));
        return cmd;
    }
}
