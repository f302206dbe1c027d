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

    /// <summary>Writes inputs, runs `engine_oracle.py cmd`, returns its outputs (registered in the current scope).</summary>
    public static (Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) Run(
        string cmd, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var dir = TempDir();
        try
        {
            var src = Path.Combine(dir, "in.safetensors");
            var dst = Path.Combine(dir, "out.safetensors");
            Safetensors.Save(src, inputs, metadata);
            var psi = new ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { Path.Combine(ScriptDir, "engine_oracle.py"), cmd, src, dst }) psi.ArgumentList.Add(a);
            psi.Environment["OMP_NUM_THREADS"] = "1";
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"oracle {cmd} ran over 120 s"); }
            Assert.True(p.ExitCode == 0, $"oracle {cmd} failed ({p.ExitCode}): {err.Result}");
            return Safetensors.Load(dst);
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
