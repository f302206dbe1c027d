using System.CommandLine;
using System.Globalization;
using XRayHpc.Data;
using XRayHpc.Explain;
using XRayHpc.Training.Config;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc cam RUN [--checkpoint best] (--split test [--limit N] | --image FILE…) [--class NAME…] [--method grad-cam|cam] --out DIR`,
/// `xrayhpc cam RUN --gallery` (writes RUN/cam-gallery for the report) and `xrayhpc cam RUN --synth-check N`.
/// </summary>
public sealed class CamCommand : ICliCommand
{
    public int Order => 43;

    public Command Build()
    {
        var run = new Argument<string>("run") { Description = "Run directory written by `xrayhpc train` (a model package once supported)" };
        var ckpt = new Option<string>("--checkpoint") { Description = "best | latest | member-<i>/step-<N>", DefaultValueFactory = _ => "best" };
        var cache = new Option<string?>("--cache") { Description = "A preprocessed cache (default: the run's)" };
        var split = new Option<string?>("--split") { Description = "Explain images of this cache split (train | val | test)" };
        var limit = new Option<int>("--limit") { Description = "With --split: the first N rows", DefaultValueFactory = _ => 16 };
        var images = new Option<string[]>("--image") { Description = "PNG, JPEG or DICOM files to explain", AllowMultipleArgumentsPerToken = true };
        var classes = new Option<string[]>("--class") { Description = "Class(es) to explain (default: each image's most probable class)", AllowMultipleArgumentsPerToken = true };
        var method = new Option<string>("--method") { Description = "grad-cam | cam (plain CAM: the head is global average pooling + linear)", DefaultValueFactory = _ => "grad-cam" };
        var output = new Option<string?>("--out") { Description = "Directory for <image>.<class>.png / .npy / .json" };
        var gallery = new Option<bool>("--gallery") { Description = "Most confident TP/FP/FN per class of the test split into RUN/cam-gallery (shown by `xrayhpc report`)" };
        var synth = new Option<int>("--synth-check") { Description = "Render N synthetic films per finding and report the CAM mass inside the drawn heart/lesion", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = the run's setting)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("cam", "Grad-CAM / CAM heat maps at the last convolutional stage: PNG overlay + raw float map per image and class.");
        cmd.Arguments.Add(run);
        foreach (var o in new Option[] { ckpt, cache, split, limit, images, classes, method, output, gallery, synth, threads }) cmd.Options.Add(o);
        cmd.SetAction(r => ModelCommand.Run(r.GetValue(run)!, r.GetValue(ckpt)!, r.GetValue(cache), r.GetValue(threads), (model, source) =>
        {
            var m = r.GetValue(method) switch
            {
                "grad-cam" or "gradcam" => CamMethod.GradCam,
                "cam" => CamMethod.Cam,
                var s => throw new ArgumentException($"--method '{s}': expected grad-cam or cam"),
            };
            int done = 0;
            if (r.GetValue(gallery))
            {
                if (source.CacheDir is null) throw new ArgumentException("--gallery needs the cache the model was trained on");
                var entries = CamGallery.Write(model, source.CacheDir, r.GetValue(run)!, "test", m);
                Console.WriteLine($"cam: gallery of {entries.Count} image(s) -> {Path.Combine(r.GetValue(run)!, CamGallery.DirName)}");
                foreach (var e in entries) Console.WriteLine($"  {e.ClassName,-22} {e.Kind}  row {e.Row,6}  p={e.Probability.ToString("0.000", CultureInfo.InvariantCulture)}  {e.Png}");
                done++;
            }
            if (r.GetValue(synth) > 0)
            {
                var shares = SynthCamCheck.Run(model, r.GetValue(synth), 256, 20261201, m);
                if (shares.Count == 0) throw new ArgumentException($"the model's classes ({string.Join(", ", model.Card.ClassNames)}) have no drawn region to check against");
                Console.WriteLine($"cam: synthetic sanity check, {r.GetValue(synth)} fresh film(s) per finding, share of the positive map mass inside the drawn region");
                Console.WriteLine($"  (region area: a map spread evenly; best on grid: a perfect map at the CAM's {shares[0].GridHeight}x{shares[0].GridWidth} resolution)");
                Console.WriteLine($"  {"class",-22} {"images",6} {"mean",6} {"median",6} {"region area",11} {"best on grid",12}");
                foreach (var s in shares)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {s.ClassName,-22} {s.Images,6} {s.MeanShare,6:0.000} {s.MedianShare,6:0.000} {s.MeanArea,11:0.000} {s.MeanBestShare,12:0.000}"));
                done++;
            }
            var files = r.GetValue(images) ?? [];
            if (r.GetValue(split) is { } sp || files.Length > 0)
            {
                var outDir = r.GetValue(output) ?? throw new ArgumentException("--out is required with --split or --image");
                var inputs = files.Length > 0
                    ? files.Select(f => new CamInput(Path.GetFileNameWithoutExtension(f), model.Resize(ImageDecoder.Decode(f, model.ImageSize))))
                    : SplitImages.Read(source.CacheDir ?? throw new ArgumentException("--split needs a cache"), r.GetValue(split)!)
                        .Take(r.GetValue(limit)).Select(row => new CamInput($"{r.GetValue(split)}-row{row.RowId}", row.Pixels));
                var written = new CamWriter(model, new CamOptions { OutputDir = outDir, Classes = r.GetValue(classes) ?? [], Method = m }).Run(inputs);
                Console.WriteLine($"cam: {written.Count} map(s) -> {outDir}");
                done++;
            }
            if (done == 0) throw new ArgumentException("nothing to do: give --split, --image, --gallery or --synth-check");
        }));
        return cmd;
    }
}
