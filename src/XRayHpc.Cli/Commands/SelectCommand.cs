using System.CommandLine;
using XRayHpc.Mpi;
using XRayHpc.Training.Config;
using XRayHpc.Training.Package;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc select RUN [RUN ...] --metric mean_auroc --split val --out DIR`: ranks every member of every run
/// (each at its best kept checkpoint, re-evaluated on validation and test), writes DIR/selection.{md,json}
/// and the winner as a model package in DIR (model.safetensors, model.yaml, config.yaml).
/// </summary>
public sealed class SelectCommand : ICliCommand
{
    public int Order => 42;

    public Command Build()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run directories written by `xrayhpc train`", Arity = ArgumentArity.OneOrMore };
        var metric = new Option<string>("--metric") { Description = string.Join(" | ", Selector.Metrics), DefaultValueFactory = _ => "mean_auroc" };
        var split = new Option<string>("--split") { Description = "split the metric is computed on (val; test only to look, never to choose)", DefaultValueFactory = _ => "val" };
        var output = new Option<string>("--out") { Description = "Package directory to write (with selection.md / selection.json)", Required = true };
        var timeout = CollectiveTimeoutOption.Create();
        var cmd = new Command("select", "Rank every member of every run on a validation metric and write the winner as a model package.");
        cmd.Arguments.Add(runs);
        foreach (var o in new Option[] { metric, split, output, timeout }) cmd.Options.Add(o);
        cmd.SetAction(r => Run(r.GetValue(runs)!, r.GetValue(metric)!, r.GetValue(split)!, r.GetValue(output)!, r.GetValue(timeout)));
        return cmd;
    }

    static int Run(string[] runs, string metric, string split, string output, double? collectiveTimeout)
    {
        if (CollectiveTimeoutOption.Problem(collectiveTimeout) is { } problem) { Console.Error.WriteLine(problem); return ExitCodes.BadInput; }
        using var mpi = new MpiEnvironment();
        return MpiEnvironment.RunGuarded(() =>
        {
            try
            {
                // Several runs, possibly with different settings: the option or the default, for all of them.
                CollectiveTimeoutOption.Apply(collectiveTimeout, CollectiveTimeoutOption.Default);
                var comm = Communicator.world;
                bool root = comm.Rank == 0;
                var rows = Selector.Rank(runs, metric, split, comm, root ? Console.WriteLine : null);
                if (rows.Count == 0) { Console.Error.WriteLine("select: no member of the given runs has a kept checkpoint"); return ExitCodes.Failure; }
                var package = Selector.Ship(rows[0], output, comm);
                if (root)
                {
                    var md = Selector.Markdown(rows, metric, split);
                    File.WriteAllText(Path.Combine(output, "selection.md"), md);
                    File.WriteAllText(Path.Combine(output, "selection.json"), Selector.Json(rows, metric, split));
                    Console.Write(md);
                    Console.WriteLine($"select: member {rows[0].Member} step {rows[0].Step} of {rows[0].Run} -> {package!.Dir} " +
                                      $"(weights sha256 {package!.Manifest.Provenance.WeightsSha256[..16]})");
                }
                return ExitCodes.Ok;
            }
            catch (ConfigException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
            catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
            catch (InvalidDataException e) { Console.Error.WriteLine(e.Message); return ExitCodes.BadInput; }
            catch (IOException e) { Console.Error.WriteLine(e.Message); return ExitCodes.Failure; }
        });
    }
}
