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
        // Options without a default value are null when not given, so a --preset's value stands unless overridden.
        var preset = new Option<string?>("--preset") { Description = $"Named settings ({string.Join(", ", SynthPresets.Names)}); other options override them" };
        var layout = new Option<string?>("--layout") { Description = "all | chestxray2017 | nih | chexpert | rsna (default all)" };
        var output = new Option<string>("--out") { Description = "Output folder (with --layout all: one sub-folder per layout)", Required = true };
        var count = new Option<int?>("--count") { Description = "Images per layout (default 200)" };
        var size = new Option<int?>("--size") { Description = "Image side in pixels (default 256)" };
        var seed = new Option<long>("--seed") { Description = "Random seed (same seed -> byte-identical files)", DefaultValueFactory = _ => 0 };
        var prevalence = new Option<double?>("--prevalence") { Description = "Fraction of abnormal patients/images (default 0.3)" };
        var perPatient = new Option<int?>("--images-per-patient") { Description = "Images per patient (RSNA: always 1; default 2)" };
        var tricky = new Option<bool>("--tricky") { Description = "Also write harder encodings (16-bit PNG, MONOCHROME1, 12-bit windowed and JPEG DICOM) with the same pixels" };
        var contrast = new Option<double?>("--finding-contrast") { Description = "Finding strength multiplier, 0..4 (default 1)" };
        var findingSize = new Option<double?>("--finding-size") { Description = "Focal finding extent multiplier, 0.25..3 (default 1)" };
        var noise = new Option<double?>("--film-noise") { Description = "Film noise multiplier, 0..20 (default 1)" };
        var exposure = new Option<double?>("--exposure-variation") { Description = "Extra per-film exposure/gain/gradient spread, 0..1 (default 0)" };
        var labelNoise = new Option<double?>("--label-noise") { Description = "Chance a training label is wrong, 0..0.5 (chestxray2017, nih; default 0)" };
        var distractor = new Option<double?>("--distractor") { Description = "Lead-marker/label correlation in training only, 0..1 (chestxray2017, nih; default 0)" };
        var valFraction = new Option<double?>("--val-fraction") { Description = "chestxray2017: share of patients in val/ (default 0.05)" };
        var testFraction = new Option<double?>("--test-fraction") { Description = "chestxray2017: share of patients in test/ (default 0.15)" };

        var cmd = new Command("synth", "Write a synthetic chest X-ray dataset in the ChestXRay2017, NIH, CheXpert and/or RSNA raw layout.");
        foreach (var o in new Option[] { preset, layout, output, count, size, seed, prevalence, perPatient, tricky, contrast, findingSize, noise,
                     exposure, labelNoise, distractor, valFraction, testFraction }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            SynthOptions options;
            try
            {
                var b = r.GetValue(preset) is { } presetName ? SynthPresets.Get(presetName.ToLowerInvariant()) : new SynthOptions();
                options = b with
                {
                    Layout = r.GetValue(layout)?.ToLowerInvariant() ?? b.Layout, OutputDir = r.GetValue(output)!,
                    Count = r.GetValue(count) ?? b.Count, Size = r.GetValue(size) ?? b.Size, Seed = r.GetValue(seed),
                    Prevalence = r.GetValue(prevalence) ?? b.Prevalence, ImagesPerPatient = r.GetValue(perPatient) ?? b.ImagesPerPatient,
                    Tricky = r.GetValue(tricky) || b.Tricky,
                    FindingContrast = r.GetValue(contrast) ?? b.FindingContrast, FindingSize = r.GetValue(findingSize) ?? b.FindingSize,
                    FilmNoise = r.GetValue(noise) ?? b.FilmNoise, ExposureVariation = r.GetValue(exposure) ?? b.ExposureVariation,
                    LabelNoise = r.GetValue(labelNoise) ?? b.LabelNoise, DistractorCorrelation = r.GetValue(distractor) ?? b.DistractorCorrelation,
                    ValFraction = r.GetValue(valFraction) ?? b.ValFraction, TestFraction = r.GetValue(testFraction) ?? b.TestFraction,
                };
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"synth: {e.Message}"); return ExitCodes.BadInput; }
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
