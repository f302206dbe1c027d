using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace XRayHpc.Serving.Tests;

/// <summary>
/// A real run to serve, made once per test run through the CLI: a synthetic pneumonia set (ChestXRay2017 layout),
/// a 32 px cache, four training steps of ResNet-18, and `predict` on the test split (the reference scores).
/// Trained in fp32 (NCHW); <see cref="TinyBf16Run"/> trains in bf16 autocast + channels_last, the precision our
/// users train in, which `serve` and `predict` both take from the run.
/// </summary>
public class TinyRun : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"xrayhpc-serve-{Environment.ProcessId}-{Guid.NewGuid():N}");
    public string Cache => Path.Combine(Root, "cache");
    public string RunDir => Path.Combine(Root, "run");
    /// <summary>(test row, class) → probability written by `xrayhpc predict`.</summary>
    public Dictionary<(long Row, string Class), double> Predicted { get; } = [];

    public TinyRun() : this(bf16ChannelsLast: false) { }

    protected TinyRun(bool bf16ChannelsLast)
    {
        Directory.CreateDirectory(Root);
        Cli("synth", "--layout", "chestxray2017", "--out", Path.Combine(Root, "raw"), "--count", "60", "--size", "64", "--seed", "5");
        Cli("preprocess", "--layout", "chestxray2017", "--input", Path.Combine(Root, "raw"), "--output", Cache, "--size", "32");
        var yaml = Path.Combine(Root, "tiny.yaml");
        File.WriteAllText(yaml, $"""
            run:
              name: tiny
              dir: {RunDir}
              seed: 1
              threads: 1
            data:
              cache: {Cache}
              batch_size: 8
              eval_batch_size: 16
              augment: false
            model:
              name: resnet18
              in_channels: 1
            precision:
              dtype: {(bf16ChannelsLast ? "bf16" : "fp32")}
              channels_last: {(bf16ChannelsLast ? "true" : "false")}
            optimizer:
              name: adam
              lr: 0.001
            schedule:
              epochs: 1
              max_steps: 4
            tuner:
              kind: none
              population: 1
              ready_steps: 4
            logging:
              progress: plain
            """);
        Cli("train", yaml);
        var csv = Path.Combine(Root, "scores.csv");
        Cli("predict", RunDir, "--split", "test", "--out", csv);
        // The predictions CSV (member,row,class,score,label), read by column name.
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        int row = Array.IndexOf(header, "row"), cls = Array.IndexOf(header, "class"), score = Array.IndexOf(header, "score");
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            Predicted[(long.Parse(f[row], CultureInfo.InvariantCulture), f[cls])] = double.Parse(f[score], CultureInfo.InvariantCulture);
        }
    }

    static string Dll => Path.Combine(AppContext.BaseDirectory, "xrayhpc.dll");

    public static string Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"xrayhpc {string.Join(' ', args)} timed out:\n{output}"); }
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"xrayhpc {string.Join(' ', args)} failed ({p.ExitCode}):\n{output}");
        return output.ToString();
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { /* best effort cleanup of a temp dir */ }
    }
}

/// <summary>One <see cref="TinyRun"/> shared by every test class that serves it (training it is the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class TinyRunCollection : ICollectionFixture<TinyRun>
{
    public const string Name = "tiny run";
}

/// <summary>The same tiny run trained in bf16 autocast + channels_last.</summary>
public sealed class TinyBf16Run() : TinyRun(bf16ChannelsLast: true);
