using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using XRayHpc.Cache;
using XRayHpc.Report;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc reproduce paper-runtime`: the runtime paper's five configurations (ResNet-18 plain, accelerated,
/// + MPI, + mixed precision + LR schedule, ResNet-50 with all) on a 1,000-image 14-label ChestX-ray8-like
/// set, batch 32, Adam 1e-3; prints the paper's Tables 1 and 2 beside ours. Every configuration is a real
/// `mpirun -np R xrayhpc train` run; minutes are the wall time of that process (start-up, training and the
/// per-epoch validation included), accuracy is per label at 0.5 on the test split from predictions.csv.
/// </summary>
public sealed class ReproduceCommand : ICliCommand
{
    public int Order => 80;

    public Command Build()
    {
        var reproduce = new Command("reproduce", "Reproduce published results.");
        var data = new Option<string?>("--data") { Description = "Raw NIH ChestX-ray14 root (Data_Entry_2017.csv + images) to use instead of the synthetic set" };
        var cache = new Option<string?>("--cache") { Description = "An existing preprocessed 14-label cache to use as is" };
        var images = new Option<int>("--images") { Description = "Synthetic images (ignored with --data/--cache)", DefaultValueFactory = _ => 1000 };
        var size = new Option<int>("--size") { Description = "Image side after preprocessing", DefaultValueFactory = _ => 224 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per configuration", DefaultValueFactory = _ => 25 };
        var configs = new Option<string>("--configs") { Description = "Which configurations (1-5), comma-separated", DefaultValueFactory = _ => "1,2,3,4,5" };
        var cores = new Option<int>("--cores") { Description = "Cores to use (accelerated: all as threads; MPI: 2 ranks x cores/2)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out") { Description = "Output folder (data, one run folder per configuration, paper-runtime.md)", DefaultValueFactory = _ => "runs/paper-runtime" };
        var seed = new Option<long>("--seed") { Description = "Seed for data and training", DefaultValueFactory = _ => 0 };
        var cmd = new Command("paper-runtime", "Five training configurations of the runtime paper; its Tables 1 and 2 beside ours (Markdown).");
        foreach (var o in new Option[] { data, cache, images, size, epochs, configs, cores, output, seed }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            try
            {
                var ids = r.GetValue(configs)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => int.TryParse(s, out var i) && i is >= 1 and <= 5 ? i : throw new ArgumentException($"--configs: '{s}' is not one of 1-5")).ToHashSet();
                if (r.GetValue(epochs) < 1 || r.GetValue(images) < 20 || r.GetValue(size) < 32 || r.GetValue(cores) < 1)
                    throw new ArgumentException("--epochs >= 1, --images >= 20, --size >= 32, --cores >= 1");
                if (r.GetValue(data) != null && r.GetValue(cache) != null) throw new ArgumentException("give --data or --cache, not both");
                return Run(r.GetValue(output)!, r.GetValue(data), r.GetValue(cache), r.GetValue(images), r.GetValue(size), r.GetValue(epochs),
                    PaperRuntime.Configs(r.GetValue(cores)).Where(c => ids.Contains(c.Id)).ToList(), r.GetValue(seed), r.GetValue(cores));
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"reproduce paper-runtime: {e.Message}"); return ExitCodes.BadInput; }
        });
        reproduce.Subcommands.Add(cmd);
        return reproduce;
    }

    static int Run(string outDir, string? raw, string? cacheDir, int images, int size, int epochs, List<PaperConfig> configs, long seed, int cores)
    {
        outDir = Path.GetFullPath(outDir);
        Directory.CreateDirectory(outDir);
        var self = BenchCommand.SelfCommand();
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);

        // ---- data: a cache given, or a raw NIH root preprocessed, or a synthetic NIH-layout set.
        string cache = cacheDir != null ? Path.GetFullPath(cacheDir) : Path.Combine(outDir, "cache");
        string dataNote;
        if (cacheDir == null)
        {
            string rawDir = raw ?? Path.Combine(outDir, "raw");
            if (raw == null && !File.Exists(Path.Combine(cache, CacheManifest.FileName)))
            {
                Console.Error.WriteLine($"reproduce: synthetic NIH-layout set, {images} images at {size} px");
                if (Step([.. self, "synth", "--layout", "nih", "--out", rawDir, "--count", I(images), "--size", I(Math.Max(size, 64)), "--seed", I(seed)]) != 0)
                    return ExitCodes.Failure;
            }
            // Row groups cut for the largest rank count used (configs 3-5: 2 ranks), so each of those ranks reads
            // half the rows; a cache cut for 1 rank has 3 row groups here and gives one rank twice the other's work.
            int maxRanks = PaperRuntime.Configs(cores).Max(c => c.Ranks);
            if (!File.Exists(Path.Combine(cache, CacheManifest.FileName)))
                if (Step([.. self, "preprocess", "--layout", "nih", "--input", rawDir, "--output", cache, "--size", I(size), "--seed", I(seed),
                          "--target-ranks", I(maxRanks)]) != 0)
                    return ExitCodes.Failure;
            dataNote = raw != null ? $"NIH ChestX-ray14 from `{raw}`" : $"synthetic NIH-layout set ({images} images, seed {seed})";
        }
        else dataNote = $"cache `{cacheDir}`";
        var manifest = CacheManifest.Load(cache);
        long trainRows = manifest.GetSplit("train").Rows;
        Console.Error.WriteLine($"reproduce: {manifest.ClassNames.Count} labels, train {trainRows} / val {manifest.GetSplit("val").Rows} / test {manifest.GetSplit("test").Rows} rows at {manifest.ImageSize} px");

        // ---- the five configurations, one after another (they would compete for the same cores).
        var results = new List<PaperResult>();
        foreach (var c in configs)
        {
            var runDir = Path.Combine(outDir, $"config-{c.Id}");
            if (Directory.Exists(runDir)) Directory.Delete(runDir, true);
            Directory.CreateDirectory(runDir);
            // Batch 32 in total: split over the ranks (data.batch_size is per rank); one evaluation per epoch.
            int perRank = 32 / c.Ranks;
            long stepsPerEpoch = (trainRows + 31) / 32;
            var yaml = Path.Combine(outDir, $"config-{c.Id}.yaml");
            File.WriteAllText(yaml, RuntimeExperiment.Yaml($"{c.Name}; generated by `xrayhpc reproduce paper-runtime`", $"paper-runtime-{c.Id}",
                runDir, cache, seed, c.ThreadsPerRank, perRank, c.Model, c.Bf16, c.ChannelsLast, c.Cosine, epochs, stepsPerEpoch));
            Console.Error.WriteLine($"reproduce: config {c.Id}: {c.Name}, {epochs} epoch(s)");
            var sw = Stopwatch.StartNew();
            int rc = BenchCommand.Launch([.. MpiLauncher.Default(c.Ranks, c.ThreadsPerRank), .. self, "train", yaml, "--overwrite"], c.ThreadsPerRank);
            double minutes = sw.Elapsed.TotalMinutes;
            if (rc != 0) { Console.Error.WriteLine($"reproduce: config {c.Id} failed (exit code {rc}); see {runDir}/logs"); return ExitCodes.Failure; }
            var run = RunData.Load(runDir);
            var summary = run.Summary ?? throw new IOException($"{runDir}/summary.json missing after a successful run");
            results.Add(new PaperResult(c, minutes, RunData.Num(summary, "images_per_s"), RunData.Num(summary, "test_mean_auroc"),
                PaperRuntime.AccuracyPerLabel(run.Predictions)));
            Console.Error.WriteLine($"reproduce: config {c.Id}: {minutes:F2} min, mean accuracy {results[^1].MeanAccuracy * 100:F2} %, mean AUROC {results[^1].MeanAuroc:F4}");
        }

        var setup = $"Data: {dataNote}; {manifest.ClassNames.Count} labels; train {trainRows} / val {manifest.GetSplit("val").Rows} / test {manifest.GetSplit("test").Rows} images at {manifest.ImageSize} px. "
                    + $"Adam lr 1e-3, global batch 32, {epochs} epoch(s), BCE, validation once per epoch, no checkpoints. Machine: {cores} CPU core(s) used of {Environment.ProcessorCount}; "
                    + "the paper ran configuration 1 on a CPU and the others on a T4 GPU. Our minutes are the wall time of each `mpirun ... xrayhpc train` process. "
                    + "Accuracy is per label at 0.5 on the test split, averaged over labels (on synthetic data it is not comparable with the paper's real-data figures).";
        var md = PaperRuntime.Markdown(results, setup);
        File.WriteAllText(Path.Combine(outDir, "paper-runtime.md"), md);
        Console.WriteLine(md);
        Console.Error.WriteLine($"reproduce: wrote {Path.Combine(outDir, "paper-runtime.md")}");
        return ExitCodes.Ok;
    }

    static int Step(List<string> args)
    {
        int rc = BenchCommand.Launch(args, 1);
        if (rc != 0) Console.Error.WriteLine($"reproduce: `{string.Join(' ', args)}` failed with exit code {rc}");
        return rc;
    }
}
