using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using XRayHpc.Cache;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc bench train` (make bench-train): the full trainer against the engine's bare data-parallel step on the
/// same model, input size, batch and precision, for each layout (ranks × threads), interleaved across repeats so a
/// load spike hits both alike. The bare step is `bench scaling-rank` (model + gradient allreduce + Adam on a fixed
/// batch); the trainer is `xrayhpc train` on a synthetic 14-label cache (the `reproduce paper-runtime`
/// configuration 4 experiment). Trainer step throughput comes from its metrics records after the first
/// (steady state: the first interval includes oneDNN's first-call primitive creation, which the bare step's
/// warm-up excludes); end-to-end adds validation and start-up. The breakdown is the trainer's phase_s, and
/// beside it the bare step's own time per phase (rank 0, cut at the same places), so a gap shows where it is.
/// </summary>
internal static class BenchTrain
{
    sealed record Layout(int Ranks, int Threads)
    {
        public string Name => $"{Ranks}x{Threads}";
    }

    /// <summary><paramref name="Phases"/>: the trainer's seconds per phase over the steady records; <paramref name="StepsTimed"/>
    /// rank steps in them; <paramref name="BarePhases"/>: the bare step's median seconds per phase.</summary>
    sealed record Sample(Layout Layout, int Repeat, double Bare, double TrainerStep, double TrainerEndToEnd, Dictionary<string, double> Phases,
        long StepsTimed, Dictionary<string, double> BarePhases);

    /// <summary>The phases both the bare step and the trainer time (the trainer's data, input and sync are extra).</summary>
    internal static readonly string[] StepPhases = ["forward", "backward", "allreduce", "optimizer"];

    static Option<T> Opt<T>(string name, string description, T value) => BenchCommand.Opt(name, description, value);

    public static Command Build()
    {
        var layouts = Opt("--layouts", "Layouts RANKSxTHREADS, comma-separated", "1x2,2x1");
        var images = Opt("--images", "Synthetic images (70% train)", 1000);
        var size = Opt("--size", "Image side in pixels", 224);
        var epochs = Opt("--epochs", "Trainer epochs per run (one validation per epoch; steady state = epochs after the first)", 3);
        var batch = Opt("--batch", "Global batch (split over the ranks)", 32);
        var model = Opt("--model", "resnet18 | resnet34 | resnet50 | densenet121", "resnet18");
        var steps = Opt("--steps", "Bare step: timed steps per repeat", 10);
        var repeats = Opt("--repeats", "Interleaved repeats (medians over them)", 2);
        var output = Opt("--out", "Folder for the cache, run directories and bench-train.md", "build/bench-train");
        var cmd = new Command("train", "Trainer vs bare data-parallel step (same model and batch), per layout, with the trainer's time breakdown.");
        foreach (var o in new Option[] { layouts, images, size, epochs, batch, model, steps, repeats, output }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            try
            {
                var ls = r.GetValue(layouts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseLayout).ToList();
                int b = r.GetValue(batch);
                if (ls.FirstOrDefault(l => b % l.Ranks != 0) is { } bad) throw new ArgumentException($"--batch {b} does not split over {bad.Ranks} ranks");
                if (r.GetValue(epochs) < 2) throw new ArgumentException("--epochs must be >= 2 (the first epoch is warm-up)");
                if (!XRayHpc.Models.ModelZoo.Names.Contains(r.GetValue(model)!)) throw new ArgumentException($"--model: one of {string.Join(", ", XRayHpc.Models.ModelZoo.Names)}");
                return Run(ls, r.GetValue(images), r.GetValue(size), r.GetValue(epochs), b, r.GetValue(model)!, Math.Max(1, r.GetValue(steps)),
                    Math.Max(1, r.GetValue(repeats)), Path.GetFullPath(r.GetValue(output)!));
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"bench train: {e.Message}"); return ExitCodes.BadInput; }
        });
        return cmd;
    }

    static Layout ParseLayout(string s)
    {
        var p = s.Split('x');
        if (p.Length == 2 && int.TryParse(p[0], out var n) && int.TryParse(p[1], out var t) && n > 0 && t > 0) return new Layout(n, t);
        throw new ArgumentException($"--layouts: '{s}' is not RANKSxTHREADS (e.g. 2x1)");
    }

    static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    static int Run(List<Layout> layouts, int images, int size, int epochs, int batch, string model, int steps, int repeats, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var self = BenchCommand.SelfCommand();
        string cache = Path.Combine(outDir, $"cache-{images}-{size}");
        if (!File.Exists(Path.Combine(cache, CacheManifest.FileName)))
        {
            string raw = Path.Combine(outDir, $"raw-{images}-{size}");
            Console.Error.WriteLine($"bench train: synthetic NIH-layout set, {images} images at {size} px");
            if (BenchCommand.Launch([.. self, "synth", "--layout", "nih", "--out", raw, "--count", I(images), "--size", I(Math.Max(size, 64)), "--seed", "0"], 1) != 0
                || BenchCommand.Launch([.. self, "preprocess", "--layout", "nih", "--input", raw, "--output", cache, "--size", I(size), "--seed", "0",
                    "--target-ranks", I(layouts.Max(l => l.Ranks))], 1) != 0)
                return ExitCodes.Failure;
        }
        long trainRows = CacheManifest.Load(cache).GetSplit("train").Rows;
        long stepsPerEpoch = (trainRows + batch - 1) / batch;
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        for (int rep = 0; rep < repeats; rep++)
            foreach (var l in layouts)
            {
                Console.Error.WriteLine($"bench train [{clock.Elapsed.TotalSeconds:F0} s]: repeat {rep + 1}/{repeats}, {l.Name}: bare step");
                var bare = BareStep(self, l, model, size, batch / l.Ranks, steps, Path.Combine(outDir, $"bare-{l.Name}.json"));
                if (bare == null) return ExitCodes.Failure;
                Console.Error.WriteLine($"bench train [{clock.Elapsed.TotalSeconds:F0} s]: repeat {rep + 1}/{repeats}, {l.Name}: trainer, {epochs} epochs x {stepsPerEpoch} steps");
                var trainer = Trainer(self, l, model, size, batch / l.Ranks, epochs, stepsPerEpoch, cache, outDir);
                if (trainer == null) return ExitCodes.Failure;
                samples.Add(new Sample(l, rep, bare.Value.ImagesPerS, trainer.Value.Step, trainer.Value.EndToEnd, trainer.Value.Phases, trainer.Value.StepsTimed, bare.Value.Phases));
                Console.Error.WriteLine($"bench train: {l.Name}: bare {bare.Value.ImagesPerS:F2} img/s, trainer {trainer.Value.Step:F2} img/s (x{trainer.Value.Step / bare.Value.ImagesPerS:F3})");
            }
        var md = Markdown(layouts, samples, model, size, batch, epochs, stepsPerEpoch, repeats);
        File.WriteAllText(Path.Combine(outDir, "bench-train.md"), md);
        Console.WriteLine(md);
        return ExitCodes.Ok;
    }

    static (double ImagesPerS, Dictionary<string, double> Phases)? BareStep(string[] self, Layout l, string model, int size, int batchPerRank, int steps, string json)
    {
        File.Delete(json);
        var args = MpiLauncher.Default(l.Ranks, l.Threads);
        args.AddRange(self);
        args.AddRange(["bench", "scaling-rank", "--model", model, "--size", I(size), "--batch", I(batchPerRank), "--steps", I(steps), "--warmup", "2",
            "--threads", I(l.Threads), "--precision", "bf16", "--channels-last", "true", "--out", json]);
        if (BenchCommand.Launch(args, l.Threads) != 0 || !File.Exists(json)) { Console.Error.WriteLine($"bench train: `{string.Join(' ', args)}` failed"); return null; }
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var phases = doc.RootElement.GetProperty("phase_s_median").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        return (batchPerRank * l.Ranks / doc.RootElement.GetProperty("step_s_median").GetDouble(), phases);
    }

    static (double Step, double EndToEnd, Dictionary<string, double> Phases, long StepsTimed)? Trainer(string[] self, Layout l, string model, int size, int batchPerRank,
        int epochs, long stepsPerEpoch, string cache, string outDir)
    {
        string runDir = Path.Combine(outDir, $"run-{l.Name}"), yaml = Path.Combine(outDir, $"train-{l.Name}.yaml");
        File.WriteAllText(yaml, RuntimeExperiment.Yaml($"bench train, layout {l.Name}; generated by `xrayhpc bench train`", $"bench-train-{l.Name}",
            runDir, cache, 0, l.Threads, batchPerRank, model, bf16: true, channelsLast: true, cosine: true, epochs, stepsPerEpoch));
        var args = MpiLauncher.Default(l.Ranks, l.Threads);
        args.AddRange([.. self, "train", yaml, "--overwrite"]);
        if (BenchCommand.Launch(args, l.Threads, stdoutTo: runDir + ".out") != 0) { Console.Error.WriteLine($"bench train: `{string.Join(' ', args)}` failed; see {runDir}.out and {runDir}/logs"); return null; }
        var records = File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Select(x => JsonDocument.Parse(x).RootElement).ToList();
        if (records.Count < 2) { Console.Error.WriteLine($"bench train: {runDir}/metrics.jsonl has {records.Count} record(s); need 2"); return null; }
        // Steady state: the records after the first; their phase sums are the member root's wall time.
        var steady = records.Skip(1).ToList();
        var phases = new Dictionary<string, double>();
        foreach (var r in steady)
            foreach (var p in r.GetProperty("phase_s").EnumerateObject())
                phases[p.Name] = phases.GetValueOrDefault(p.Name) + p.Value.GetDouble();
        double stepSeconds = new[] { "data", "input", "forward", "sync", "backward", "allreduce", "optimizer" }.Sum(k => phases.GetValueOrDefault(k));
        double imagesSteady = steady.Count * stepsPerEpoch * (double)batchPerRank * l.Ranks; // 1 validation per epoch
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "summary.json")));
        double wall = summary.RootElement.GetProperty("phase_s").EnumerateObject().Sum(p => p.Value.GetDouble());
        return (imagesSteady / stepSeconds, epochs * stepsPerEpoch * (double)batchPerRank * l.Ranks / wall, phases, steady.Count * stepsPerEpoch);
    }

    static double Median(IEnumerable<double> v)
    {
        var o = v.Order().ToList();
        return o.Count == 0 ? double.NaN : o.Count % 2 == 1 ? o[o.Count / 2] : (o[o.Count / 2 - 1] + o[o.Count / 2]) / 2;
    }

    static string Markdown(List<Layout> layouts, List<Sample> samples, string model, int size, int batch, int epochs, long stepsPerEpoch, int repeats)
    {
        string F(double v, int d) => double.IsFinite(v) ? v.ToString("F" + d, CultureInfo.InvariantCulture) : "n/a";
        var names = new[] { "data", "input", "forward", "sync", "backward", "allreduce", "optimizer", "evaluation", "other" };
        var sb = new StringBuilder();
        sb.AppendLine($"# bench train: {model}, {size} px, bf16 + channels_last, global batch {batch}, Adam; {epochs} epochs x {stepsPerEpoch} steps; medians of {repeats} interleaved repeat(s)");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end. Bare = `bench scaling-rank` (model, allreduce, Adam on one fixed batch; median step after 2 warm-up steps). " +
                      "Trainer step = images / time in the step phases, epochs after the first; end-to-end = all images / whole loop (validation, start-up included).");
        sb.AppendLine();
        sb.AppendLine("| layout | bare img/s | trainer step img/s | trainer / bare | end-to-end img/s | end-to-end / bare | " + string.Join(" | ", names.Select(n => n + " %")) + " |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|" + string.Concat(names.Select(_ => "---:|")));
        foreach (var l in layouts)
        {
            var s = samples.Where(x => x.Layout == l).ToList();
            double bare = Median(s.Select(x => x.Bare)), step = Median(s.Select(x => x.TrainerStep)), e2e = Median(s.Select(x => x.TrainerEndToEnd));
            var ph = names.ToDictionary(n => n, n => Median(s.Select(x => x.Phases.GetValueOrDefault(n) / x.Phases.Values.Sum())));
            sb.AppendLine($"| {l.Name} | {F(bare, 2)} | {F(step, 2)} | {F(step / bare, 3)} | {F(e2e, 2)} | {F(e2e / bare, 3)} | " +
                          string.Join(" | ", names.Select(n => F(100 * ph[n], 1))) + " |");
        }
        sb.AppendLine();
        sb.AppendLine("Milliseconds per rank step (medians over repeats; bare: rank 0's median step, trainer: rank 0's mean over the steady records). " +
                      "Both cut the step at the same places: forward = forward + loss, backward = zero_grad + backward, allreduce = gradient " +
                      "synchronisation (pack, MPI, unpack), optimizer = optimizer step + freeing the step's tensors.");
        sb.AppendLine();
        sb.AppendLine("| layout | " + string.Join(" | ", StepPhases.Select(n => $"{n} bare / trainer ms")) + " | trainer data + input + sync ms |");
        sb.AppendLine("|---|" + string.Concat(StepPhases.Select(_ => "---:|")) + "---:|");
        foreach (var l in layouts)
        {
            var s = samples.Where(x => x.Layout == l).ToList();
            double PerStepMs(Sample x, string n) => 1000 * x.Phases.GetValueOrDefault(n) / x.StepsTimed;
            sb.AppendLine($"| {l.Name} | " + string.Join(" | ", StepPhases.Select(n =>
                    $"{F(Median(s.Select(x => 1000 * x.BarePhases.GetValueOrDefault(n, double.NaN))), 0)} / {F(Median(s.Select(x => PerStepMs(x, n))), 0)}")) +
                $" | {F(Median(s.Select(x => PerStepMs(x, "data") + PerStepMs(x, "input") + PerStepMs(x, "sync"))), 0)} |");
        }
        return sb.ToString();
    }
}
