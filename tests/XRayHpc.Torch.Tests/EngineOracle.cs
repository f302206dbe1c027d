using System.Diagnostics;
using XRayHpc.Torch;
using Xunit;

namespace XRayHpc.Torch.Tests;

/// <summary>Runs oracle/engine_oracle.py (Debian's /usr/bin/python3 + torch) on safetensors files.</summary>
internal static class EngineOracle
{
    private static readonly string ScriptDir = FindScriptDir();

    private static string FindScriptDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "XRayHpc.Torch.Tests", "oracle");
            if (File.Exists(Path.Combine(candidate, "engine_oracle.py"))) return candidate;
        }
        throw new DirectoryNotFoundException($"engine_oracle.py not found above {AppContext.BaseDirectory}");
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"xrayhpc-engine-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public sealed record Job(string Command, IReadOnlyDictionary<string, Tensor> Inputs, IReadOnlyDictionary<string, string>? Metadata = null);

    /// <summary>
    /// Writes each job's inputs, runs all jobs in ONE python process (importing torch takes seconds),
    /// and returns each job's outputs (tensors registered in the caller's dispose scope, if any).
    /// </summary>
    public static List<(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata)> RunAll(params Job[] jobs)
    {
        var dir = TempDir();
        try
        {
            var psi = new ProcessStartInfo(ExternalTool.Resolve("python3")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(ScriptDir, "engine_oracle.py"));
            var outputs = new List<string>();
            for (int i = 0; i < jobs.Length; i++)
            {
                var src = Path.Combine(dir, $"in{i}.safetensors");
                var dst = Path.Combine(dir, $"out{i}.safetensors");
                Safetensors.Save(src, jobs[i].Inputs, jobs[i].Metadata);
                psi.ArgumentList.Add(jobs[i].Command);
                psi.ArgumentList.Add(src);
                psi.ArgumentList.Add(dst);
                outputs.Add(dst);
            }
            psi.Environment["OMP_NUM_THREADS"] = "1";
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException("engine oracle ran over 180 s"); }
            Assert.True(p.ExitCode == 0, $"engine oracle failed ({p.ExitCode}): {err.Result}");
            return outputs.Select(Safetensors.Load).ToList();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Asserts |a-b| <= atol + rtol*|b| elementwise, reporting the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double excess = Math.Abs(a[i] - e[i]) - (atol + rtol * Math.Abs(e[i]));
            if (excess > worst) { worst = excess; at = i; }
        }
        Assert.True(at < 0, at < 0 ? "" : $"{what}: element {at} is {a[at]}, torch gives {e[at]}");
    }
}
