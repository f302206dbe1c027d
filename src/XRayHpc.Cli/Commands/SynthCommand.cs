using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using XRayHpc.Data;

namespace XRayHpc.Cli.Commands;

/// <summary>`xrayhpc synth`: writes synthetic datasets in the real raw layouts (see XRayHpc.Data.Synth).</summary>
public sealed class SynthCommand : ICliCommand
{
    public int Order => 10;

    public Command Build()
    {
        var layout = new Option<string>("--layout") { Description = "all | chestxray2017 | nih | chexpert | rsna", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--out") { Description = "Output folder (with --layout all: one sub-folder per layout)", Required = true };
        var count = new Option<int>("--count") { Description = "Images per layout", DefaultValueFactory = _ => 200 };
        var size = new Option<int>("--size") { Description = "Image side in pixels", DefaultValueFactory = _ => 256 };
        var seed = new Option<long>("--seed") { Description = "Random seed (same seed -> byte-identical files)", DefaultValueFactory = _ => 0 };
        var prevalence = new Option<double>("--prevalence") { Description = "Fraction of abnormal patients/images", DefaultValueFactory = _ => 0.3 };
        var perPatient = new Option<int>("--images-per-patient") { Description = "Images per patient (RSNA: always 1)", DefaultValueFactory = _ => 2 };
        var tricky = new Option<bool>("--tricky") { Description = "Also write harder encodings (16-bit PNG, MONOCHROME1, 12-bit windowed and JPEG DICOM) with the same pixels" };

        var cmd = new Command("synth", "Write a synthetic chest X-ray dataset in the ChestXRay2017, NIH, CheXpert and/or RSNA raw layout.");
        foreach (var o in new Option[] { layout, output, count, size, seed, prevalence, perPatient, tricky }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var options = new SynthOptions
            {
                Layout = r.GetValue(layout)!.ToLowerInvariant(), OutputDir = r.GetValue(output)!, Count = r.GetValue(count),
                Size = r.GetValue(size), Seed = r.GetValue(seed), Prevalence = r.GetValue(prevalence),
                ImagesPerPatient = r.GetValue(perPatient), Tricky = r.GetValue(tricky),
            };
            var sw = Stopwatch.StartNew();
            try
            {
                SynthResult result;
                if (XRayHpc.Cli.Terminal.TerminalOutput.StderrInteractive)
                {
                    int layouts = options.Layout == "all" ? Synth.Layouts.Count : 1;
                    var console = XRayHpc.Cli.Terminal.TerminalOutput.Stderr();
                    result = console.Progress().AutoClear(true).Start(ctx =>
                    {
                        var task = ctx.AddTask("synth", maxValue: options.Count * layouts);
                        long total = 0;
                        return Synth.Generate(options, new Progress<int>(_ => task.Value = Interlocked.Increment(ref total)));
                    });
                }
                else result = Synth.Generate(options);
                foreach (var (name, root) in result.Roots)
                    Console.WriteLine($"{name}: {result.ImageCounts[name]} images in {root}");
                Console.WriteLine($"synth: done in {sw.Elapsed.TotalSeconds:0.0} s");
                return ExitCodes.Ok;
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"synth: {e.Message}"); return ExitCodes.BadInput; }
            catch (IOException e) { Console.Error.WriteLine($"synth: {e.Message}"); return ExitCodes.Failure; }
        });
        return cmd;
    }
}
