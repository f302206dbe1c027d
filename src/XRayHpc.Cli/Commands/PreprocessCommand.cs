using System.CommandLine;
using NLog;
using NLog.Config;
using NLog.Targets;
using Spectre.Console;
using XRayHpc.Cache;
using XRayHpc.Data;
using XRayHpc.Mpi;
using XRayHpc.Parquet;

namespace XRayHpc.Cli.Commands;

/// <summary>`xrayhpc preprocess`: raw dataset -> Parquet cache (see XRayHpc.Cache.Preprocessor).</summary>
public sealed class PreprocessCommand : ICliCommand
{
    public int Order => 20;

    public Command Build()
    {
        var layout = new Option<string>("--layout") { Description = "chestxray2017 | nih | chexpert | rsna | auto", Required = true };
        var input = new Option<string>("--input") { Description = "Raw dataset root", Required = true };
        var output = new Option<string>("--output") { Description = "Cache directory to write", Required = true };
        var size = new Option<int>("--size") { Description = "Output side in pixels (images are stretched to size×size)", DefaultValueFactory = _ => 224 };
        var ranks = new Option<int>("--target-ranks") { Description = "Rank count the row groups are balanced for", DefaultValueFactory = _ => 1 };
        var val = new Option<double>("--val-fraction") { Description = "Fraction of patients for validation (carved from train)", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test-fraction") { Description = "Fraction of patients for test when the dataset has no test set", DefaultValueFactory = _ => 0.1 };
        var seed = new Option<long>("--seed") { Description = "Split seed", DefaultValueFactory = _ => 0 };
        var uncertainty = new Option<string>("--uncertainty") { Description = "CheXpert uncertain labels: uzeros | uones | ignore", DefaultValueFactory = _ => "uzeros" };
        var frontal = new Option<bool>("--frontal-only") { Description = "Keep only frontal (PA/AP) views" };
        var classes = new Option<string?>("--classes") { Description = "Comma-separated class subset, or 'competition' (the 5 CheXpert competition observations)" };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Write bad inputs to <output>/rejects.csv and keep going" };
        var threads = new Option<int>("--threads") { Description = "Decode threads (default: SLURM_CPUS_PER_TASK or all cores)", DefaultValueFactory = _ => DefaultThreads() };
        var codec = new Option<string>("--codec") { Description = "zstd | snappy | none", DefaultValueFactory = _ => "zstd" };
        var salt = new Option<string?>("--salt-file") { Description = "Secret patient-id salt (default $XRAYHPC_SALT_FILE or ~/.xrayhpc/patient-salt; created if absent; never stored in the cache)" };
        var rowsPerGroup = new Option<int>("--rows-per-group") { Description = "Upper bound on rows per row group", DefaultValueFactory = _ => 256 };
        var groupsPerShard = new Option<int>("--row-groups-per-shard") { Description = "Row groups per shard file", DefaultValueFactory = _ => 8 };

        var cmd = new Command("preprocess", "Decode, resize, de-identify and split a raw chest X-ray dataset into a Parquet cache.");
        foreach (var o in new Option[] { layout, input, output, size, ranks, val, test, seed, uncertainty, frontal, classes, skipBad, threads, codec, salt, rowsPerGroup, groupsPerShard })
            cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            int rank = LauncherRank();
            if (rank > 0) return ExitCodes.Ok; // one writer: launched under mpirun, only rank 0 preprocesses
            PreprocessOptions opts;
            try
            {
                opts = new PreprocessOptions
                {
                    Layout = r.GetValue(layout)!, InputDir = r.GetValue(input)!, OutputDir = r.GetValue(output)!,
                    ImageSize = r.GetValue(size), TargetRanks = r.GetValue(ranks), ValFraction = r.GetValue(val),
                    TestFraction = r.GetValue(test), Seed = r.GetValue(seed), Uncertainty = ParseUncertainty(r.GetValue(uncertainty)!),
                    FrontalOnly = r.GetValue(frontal), Classes = ParseClasses(r.GetValue(classes)), SkipBad = r.GetValue(skipBad),
                    Threads = r.GetValue(threads), Codec = ParseCodec(r.GetValue(codec)!), SaltFile = r.GetValue(salt),
                    MaxRowsPerGroup = r.GetValue(rowsPerGroup), RowGroupsPerShard = r.GetValue(groupsPerShard),
                };
            }
            catch (ArgumentException e) { Console.Error.WriteLine($"preprocess: {e.Message}"); return ExitCodes.BadInput; }
            return Run(opts);
        });
        return cmd;
    }

    static int Run(PreprocessOptions opts)
    {
        Directory.CreateDirectory(opts.OutputDir);
        ConfigureLogging(Path.Combine(opts.OutputDir, "logs", "preprocess.log"));
        var log = LogManager.GetLogger("XRayHpc.Cli.Preprocess");
        try
        {
            PreprocessResult result;
            if (XRayHpc.Cli.Terminal.TerminalOutput.StderrInteractive)
            {
                var console = XRayHpc.Cli.Terminal.TerminalOutput.Stderr();
                result = console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("preprocess");
                        return Preprocessor.Run(opts, new SpectreProgress(task));
                    });
            }
            else result = Preprocessor.Run(opts, new PlainProgress());
            var m = result.Manifest;
            Console.Error.WriteLine($"preprocess: {m.Dataset}: train {m.Splits["train"].Rows}, val {m.Splits["val"].Rows}, test {m.Splits["test"].Rows} rows; " +
                $"{result.ShardsWritten} shards written, {result.ShardsKept} kept; {result.Rejected} rejected; mean {m.PixelMean:F4} std {m.PixelStd:F4}");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is BadInputException or DataFormatException or ArgumentException)
        {
            // DataFormatException here is whole-dataset (missing CSV/column): it names the file, no patient row.
            log.Error(e.Message);
            Console.Error.WriteLine($"preprocess: bad input: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            log.Error(e, "preprocess failed");
            Console.Error.WriteLine($"preprocess: failed: {e.Message}");
            return ExitCodes.Failure;
        }
        finally { LogManager.Flush(); }
    }

    sealed class SpectreProgress(ProgressTask task) : IProgress<PreprocessProgress>
    {
        public void Report(PreprocessProgress p)
        {
            if (p.Total > 0) task.MaxValue = p.Total;
            task.Value = p.Done;
            task.Description = p.Rejected > 0 ? $"{p.Stage} ({p.Rejected} rejected)" : p.Stage;
        }
    }

    /// <summary>Non-interactive stderr (batch jobs): one line every few seconds instead of a bar.</summary>
    sealed class PlainProgress : IProgress<PreprocessProgress>
    {
        long _lastTicks;
        public void Report(PreprocessProgress p)
        {
            long now = Environment.TickCount64, last = Interlocked.Read(ref _lastTicks);
            if (p.Stage != "done" && now - last < 5000) return;
            if (Interlocked.CompareExchange(ref _lastTicks, now, last) != last) return;
            Console.Error.WriteLine($"preprocess: {p.Done}/{p.Total} images{(p.Total > 0 ? $" ({100.0 * p.Done / p.Total:F0}%)" : "")}, {p.Rejected} rejected, {p.Stage}");
        }
    }

    static void ConfigureLogging(string path)
    {
        var config = LogManager.Configuration ?? new LoggingConfiguration();
        var file = new FileTarget("preprocess-file")
        {
            FileName = path,
            Layout = "${longdate} ${level:uppercase=true} ${logger:shortName=true} ${message}${onexception:${newline}${exception:format=tostring}}",
        };
        config.AddRule(LogLevel.Info, LogLevel.Fatal, file);
        LogManager.Configuration = config;
    }

    static int LauncherRank() => LaunchEnvironment.Current.Rank ?? 0;

    static int DefaultThreads() => LaunchEnvironment.Current.CpusPerTask ?? Environment.ProcessorCount;

    static UncertaintyPolicy ParseUncertainty(string s) => s.ToLowerInvariant() switch
    {
        "uzeros" or "u-zeros" or "zeros" => UncertaintyPolicy.UZeros,
        "uones" or "u-ones" or "ones" => UncertaintyPolicy.UOnes,
        "ignore" or "uignore" or "u-ignore" => UncertaintyPolicy.Ignore,
        _ => throw new ArgumentException($"--uncertainty '{s}': expected uzeros, uones or ignore"),
    };

    static ParquetCodec ParseCodec(string s) => s.ToLowerInvariant() switch
    {
        "zstd" => ParquetCodec.Zstd,
        "snappy" => ParquetCodec.Snappy,
        "none" or "uncompressed" => ParquetCodec.Uncompressed,
        _ => throw new ArgumentException($"--codec '{s}': expected zstd, snappy or none"),
    };

    static IReadOnlyList<string>? ParseClasses(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        if (s.Trim().Equals("competition", StringComparison.OrdinalIgnoreCase)) return AdapterOptions.CheXpertCompetitionClasses;
        return s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
