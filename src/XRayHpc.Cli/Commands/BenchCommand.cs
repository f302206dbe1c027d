using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using XRayHpc.Distributed;
using XRayHpc.Models;
using XRayHpc.Mpi;
using XRayHpc.Report;
using XRayHpc.Torch;
using XRayHpc.Training.Train;

namespace XRayHpc.Cli.Commands;

/// <summary>
/// `xrayhpc bench scaling`: images/s of the data-parallel training step for 1, 2 and 4 ranks (and threads
/// per rank), strong and weak scaling efficiency, and the share of step time spent in the gradient
/// allreduce. Each configuration is a fresh `mpirun -np N xrayhpc bench scaling-rank` timing the real
/// model + DataParallel + optimizer step on synthetic tensors (no data loading, no evaluation, so the
/// numbers isolate compute and communication). Configurations are interleaved across repeats and reduced
/// by medians, so a load spike on the shared machine hits every configuration alike.
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    public int Order => 70;

    public Command Build()
    {
        var bench = new Command("bench", "Benchmarks (see also `make bench`).");
        bench.Subcommands.Add(BuildScaling());
        bench.Subcommands.Add(BuildRank());
        bench.Subcommands.Add(BenchTrain.Build());
        return bench;
    }

    sealed record StepSettings(string Model, int Size, int Classes, int Steps, int Warmup, string Precision, bool ChannelsLast, long Seed);

    internal static Option<T> Opt<T>(string name, string description, T value) => new(name) { Description = description, DefaultValueFactory = _ => value };

    Command BuildScaling()
    {
        var ranks = Opt("--ranks", "Rank counts, comma-separated", "1,2,4");
        var threads = Opt("--threads", "Torch threads per rank, comma-separated", "1");
        var modes = Opt("--modes", "strong (global batch fixed) and/or weak (batch per rank fixed)", "strong,weak");
        var batch = Opt("--batch", "Strong: global batch split over ranks; weak: batch per rank", 16);
        var model = Opt("--model", "resnet18 | resnet34 | resnet50 | densenet121", "resnet18");
        var size = Opt("--size", "Image side in pixels", 64);
        var steps = Opt("--steps", "Timed steps per configuration", 8);
        var warmup = Opt("--warmup", "Untimed steps first (allocator, oneDNN primitive caches)", 2);
        var repeats = Opt("--repeats", "Interleaved repeats (medians over them)", 3);
        var precision = Opt("--precision", "fp32 | bf16 (CPU autocast)", "bf16");
        var channelsLast = Opt("--channels-last", "Channels-last memory format", true);
        var output = Opt("--out", "Output folder for scaling.csv, scaling.md, scaling.svg, samples.csv", "build/bench-scaling");
        var launcher = Opt("--launcher", "Launcher command ({n} = ranks, {t} = threads per rank); auto: mpirun binding each rank to its own cores", MpiLauncher.Auto);
        var cmd = new Command("scaling", "Throughput and scaling efficiency of the data-parallel step for 1/2/4 ranks; CSV, Markdown and SVG.");
        foreach (var o in new Option[] { ranks, threads, modes, batch, model, size, steps, warmup, repeats, precision, channelsLast, output, launcher }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            try
            {
                var rankList = Ints(r.GetValue(ranks)!, "--ranks");
                var threadList = Ints(r.GetValue(threads)!, "--threads");
                var modeList = r.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (modeList.Length == 0 || modeList.Any(m => m is not ("strong" or "weak"))) throw new ArgumentException("--modes: use strong, weak or strong,weak");
                int b = r.GetValue(batch);
                if (b < 1) throw new ArgumentException("--batch must be >= 1");
                if (modeList.Contains("strong") && rankList.FirstOrDefault(n => b % n != 0) is int bad and > 0)
                    throw new ArgumentException($"--batch {b} does not split evenly over {bad} ranks (strong scaling keeps the global batch fixed)");
                var settings = new StepSettings(r.GetValue(model)!, r.GetValue(size), 14, r.GetValue(steps), r.GetValue(warmup), r.GetValue(precision)!, r.GetValue(channelsLast), 0);
                if (settings.Precision is not ("fp32" or "bf16")) throw new ArgumentException("--precision: fp32 or bf16");
                if (!ModelZoo.Names.Contains(settings.Model)) throw new ArgumentException($"--model: one of {string.Join(", ", ModelZoo.Names)}");
                if (settings.Steps < 1 || settings.Warmup < 0 || settings.Size < 32) throw new ArgumentException("--steps >= 1, --warmup >= 0, --size >= 32");
                return RunScaling(rankList, threadList, modeList, b, settings, Math.Max(1, r.GetValue(repeats)), r.GetValue(output)!, r.GetValue(launcher)!);
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"bench scaling: {e.Message}"); return ExitCodes.BadInput; }
        });
        return cmd;
    }

    static int[] Ints(string list, string name)
    {
        try
        {
            var v = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            if (v.Length == 0 || v.Any(x => x < 1)) throw new FormatException();
            return v;
        }
        catch (FormatException) { throw new ArgumentException($"{name}: expected positive integers separated by commas, got '{list}'"); }
    }

    static int RunScaling(int[] ranks, int[] threads, string[] modes, int batch, StepSettings s, int repeats, string outDir, string launcher)
    {
        Directory.CreateDirectory(outDir);
        var samples = new List<ScalingSample>();
        var configs = (from m in modes from t in threads from n in ranks select (Mode: m, Threads: t, Ranks: n, BatchPerRank: m == "strong" ? batch / n : batch))
            .Distinct().ToList();
        int total = configs.Count * repeats, done = 0;
        var sw = Stopwatch.StartNew();
        for (int rep = 0; rep < repeats; rep++)
            foreach (var c in configs)
            {
                var json = Path.Combine(outDir, $"rank-result-{c.Mode}-n{c.Ranks}-t{c.Threads}-r{rep}.json");
                File.Delete(json);
                var args = MpiLauncher.FromTemplate(launcher, c.Ranks, c.Threads);
                args.AddRange(SelfCommand());
                args.AddRange(["bench", "scaling-rank", "--model", s.Model, "--size", I(s.Size), "--batch", I(c.BatchPerRank), "--steps", I(s.Steps),
                    "--warmup", I(s.Warmup), "--threads", I(c.Threads), "--precision", s.Precision, "--channels-last", s.ChannelsLast ? "true" : "false", "--out", json]);
                Console.Error.WriteLine($"bench scaling [{++done}/{total}, {sw.Elapsed.TotalSeconds:F0} s]: {c.Mode} {c.Ranks} rank(s) x {c.Threads} thread(s), batch/rank {c.BatchPerRank}");
                var rc = Launch(args, c.Threads);
                if (rc != 0 || !File.Exists(json))
                {
                    Console.Error.WriteLine($"bench scaling: `{string.Join(' ', args)}` failed with exit code {rc}");
                    return ExitCodes.Failure;
                }
                using var doc = JsonDocument.Parse(File.ReadAllText(json));
                var root = doc.RootElement;
                samples.Add(new ScalingSample(c.Mode, c.Ranks, c.Threads, c.BatchPerRank, rep,
                    root.GetProperty("step_s_median").GetDouble(), root.GetProperty("allreduce_s_median").GetDouble()));
                File.Delete(json);
            }

        var rows = ScalingReport.Rows(samples);
        File.WriteAllText(Path.Combine(outDir, "samples.csv"), "mode,ranks,threads_per_rank,batch_per_rank,repeat,step_s,allreduce_s,images_per_s\n" +
            string.Concat(samples.Select(x => string.Join(",", x.Mode, I(x.Ranks), I(x.Threads), I(x.BatchPerRank), I(x.Repeat),
                x.StepSeconds.ToString("R", CultureInfo.InvariantCulture), x.AllreduceSeconds.ToString("R", CultureInfo.InvariantCulture),
                x.ImagesPerSecond.ToString("F3", CultureInfo.InvariantCulture)) + "\n")));
        File.WriteAllText(Path.Combine(outDir, "scaling.csv"), ScalingReport.Csv(rows));
        var md = $"# Scaling: {s.Model}, {s.Size} px, {s.Precision}{(s.ChannelsLast ? " + channels_last" : "")}, {s.Steps} timed steps, medians of {repeats} interleaved repeat(s)\n\n"
                 + $"Processor cores on this machine: {Environment.ProcessorCount}. Strong: global batch {batch} split over the ranks; weak: {batch} per rank. "
                 + "Speedup and efficiency are against 1 rank with the same threads; allreduce share = time in the gradient allreduce / step time.\n\n"
                 + ScalingReport.Markdown(rows) + "\n![images/s against ranks](scaling.svg)\n";
        File.WriteAllText(Path.Combine(outDir, "scaling.md"), md);
        File.WriteAllText(Path.Combine(outDir, "scaling.svg"), ScalingReport.Svg(rows, $"{s.Model} {s.Size} px {s.Precision}: images/s against ranks"));
        Console.WriteLine(md);
        Console.WriteLine($"bench scaling: wrote {outDir}/scaling.csv, scaling.md, scaling.svg ({sw.Elapsed.TotalSeconds:F0} s)");
        return ExitCodes.Ok;
    }

    /// <summary>How to start this same program again: the apphost, or `dotnet xrayhpc.dll`.</summary>
    internal static string[] SelfCommand()
    {
        var exe = Environment.ProcessPath ?? "xrayhpc";
        var dll = typeof(BenchCommand).Assembly.Location;
        return Path.GetFileNameWithoutExtension(exe) == "dotnet" ? [exe, dll] : [exe];
    }

    /// <param name="stdoutTo">a file for the child's standard output (e.g. a trainer's summary table), or null to share ours</param>
    internal static int Launch(List<string> args, int threads, string? stdoutTo = null)
    {
        var psi = new ProcessStartInfo(args[0]) { UseShellExecute = false, RedirectStandardOutput = stdoutTo != null };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        MpiLauncher.AddEnvironment(psi, threads);
        using var p = Process.Start(psi)!;
        if (stdoutTo != null) { using var log = File.Create(stdoutTo); p.StandardOutput.BaseStream.CopyTo(log); }
        p.WaitForExit();
        return p.ExitCode;
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    // ---- the per-rank worker ------------------------------------------------------------------------

    Command BuildRank()
    {
        var model = Opt("--model", "Model name", "resnet18");
        var size = Opt("--size", "Image side", 64);
        var batch = Opt("--batch", "Batch per rank", 8);
        var steps = Opt("--steps", "Timed steps", 8);
        var warmup = Opt("--warmup", "Untimed steps", 2);
        var threads = Opt("--threads", "Torch threads", 1);
        var precision = Opt("--precision", "fp32 | bf16", "bf16");
        var channelsLast = Opt("--channels-last", "Channels-last", true);
        var output = new Option<string>("--out") { Description = "JSON result (written by rank 0)", Required = true };
        var cmd = new Command("scaling-rank", "(internal) One rank of `bench scaling`: times the data-parallel step under mpirun.") { Hidden = true };
        foreach (var o in new Option[] { model, size, batch, steps, warmup, threads, precision, channelsLast, output }) cmd.Options.Add(o);
        cmd.SetAction(r => ScalingRank.Run(new StepSettings(r.GetValue(model)!, r.GetValue(size), 14, r.GetValue(steps), r.GetValue(warmup),
            r.GetValue(precision)!, r.GetValue(channelsLast), 0), r.GetValue(batch), r.GetValue(threads), r.GetValue(output)!));
        return cmd;
    }

    static class ScalingRank
    {
        public static int Run(StepSettings s, int batch, int threads, string output)
        {
            using var mpi = new MpiEnvironment();
            return MpiEnvironment.RunGuarded(() =>
            {
                var comm = Communicator.world;
                torch.set_num_threads(threads);
                torch.manual_seed(s.Seed + comm.Rank);
                using var net = ModelZoo.Create(s.Model, s.Classes, inChannels: 1);
                if (s.ChannelsLast) net.to(MemoryFormat.ChannelsLast);
                net.train();
                using var dp = new DataParallel(net, comm, new DataParallelOptions());
                var opt = new XRayHpc.Torch.optim.Adam(net.parameters(), 1e-3);
                // Fixed synthetic batch: the loader is not what is measured here.
                var rng = new Random((int)s.Seed + comm.Rank);
                var pixels = new float[batch * s.Size * s.Size];
                for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(rng.NextDouble() * 2 - 1);
                var labels = new float[batch * s.Classes];
                for (int i = 0; i < labels.Length; i++) labels[i] = rng.NextDouble() < 0.3 ? 1 : 0;
                using var x0 = torch.tensor(pixels, [batch, 1, s.Size, s.Size]);
                using var x = s.ChannelsLast ? x0.contiguous(MemoryFormat.ChannelsLast) : x0.contiguous();
                using var y = torch.tensor(labels, [batch, s.Classes]);
                using var mask = torch.ones([batch, s.Classes]); // every label counts: the trainer's multi-label loss

                var stepTimes = new List<double>();
                var commTimes = new List<double>();
                // This rank's time per phase, cut where the trainer cuts its phase_s (`bench train` compares them):
                // forward + loss, zero_grad + backward, gradient synchronisation, optimizer step + freeing the step's tensors.
                var phases = BenchTrain.StepPhases.ToDictionary(p => p, _ => new List<double>());
                for (int i = 0; i < s.Warmup + s.Steps; i++)
                {
                    comm.Barrier(); // every rank starts the step together, so the slowest rank sets the step time
                    double t0 = MpiEnvironment.Wtime(), tf, tb, ta;
                    using (var scope = torch.NewDisposeScope())
                    {
                        var logits = Losses.Logits(net, x, s.Precision == "bf16" ? ScalarType.BFloat16 : null);
                        var loss = Losses.MaskedBce(logits, y, mask, null, labels.Length);
                        tf = MpiEnvironment.Wtime();
                        opt.zero_grad();
                        loss.backward();
                        tb = MpiEnvironment.Wtime();
                        dp.SynchronizeGradients(batch);
                        ta = MpiEnvironment.Wtime();
                        opt.step();
                    }
                    double end = MpiEnvironment.Wtime();
                    if (i >= s.Warmup)
                    {
                        phases["forward"].Add(tf - t0); phases["backward"].Add(tb - tf);
                        phases["allreduce"].Add(ta - tb); phases["optimizer"].Add(end - ta);
                    }
                    var t = new[] { end - t0, dp.LastSynchronizeSeconds };
                    var slowest = new[] { t[0] };
                    comm.Allreduce(slowest.AsSpan(), Op.Max);
                    var commSum = new[] { t[1] };
                    comm.Allreduce(commSum.AsSpan(), Op.Sum);
                    if (i >= s.Warmup) { stepTimes.Add(slowest[0]); commTimes.Add(commSum[0] / comm.Size); }
                }
                if (comm.Rank == 0)
                {
                    double Median(List<double> v) { var o = v.Order().ToList(); return o.Count % 2 == 1 ? o[o.Count / 2] : (o[o.Count / 2 - 1] + o[o.Count / 2]) / 2; }
                    var result = new Dictionary<string, object>
                    {
                        ["ranks"] = comm.Size, ["threads"] = threads, ["batch_per_rank"] = batch, ["model"] = s.Model, ["size"] = s.Size,
                        ["precision"] = s.Precision, ["channels_last"] = s.ChannelsLast, ["step_s"] = stepTimes, ["allreduce_s"] = commTimes,
                        ["step_s_median"] = Median(stepTimes), ["allreduce_s_median"] = Median(commTimes),
                        ["phase_s_median"] = phases.ToDictionary(p => p.Key, p => Median(p.Value)), // rank 0's
                    };
                    var tmp = output + ".tmp";
                    File.WriteAllText(tmp, JsonSerializer.Serialize(result));
                    File.Move(tmp, output, overwrite: true);
                }
                return ExitCodes.Ok;
            });
        }
    }
}
