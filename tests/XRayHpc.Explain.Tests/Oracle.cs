using System.Diagnostics;

namespace XRayHpc.Explain.Tests;

/// <summary>Runs a test-only oracle (Debian's /usr/bin/python3 with torch/torchvision, or ImageMagick) and returns stdout.</summary>
internal static class Oracle
{
    public static string Dir { get; } = Find("oracle", "gradcam_oracle.py");

    public static string Find(string sub, string file)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "XRayHpc.Explain.Tests", sub);
            if (File.Exists(Path.Combine(candidate, file))) return candidate;
        }
        throw new DirectoryNotFoundException($"{sub}/{file} not found above {AppContext.BaseDirectory}");
    }

    public static string Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(ExternalTool.Resolve(exe)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        // An oracle that hangs must not stall the suite (DenseNet-121's oracle takes seconds, not minutes).
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"{exe} {string.Join(' ', args)}: no exit within 5 minutes"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {err.Result}");
        return output.Result;
    }

    public static string TempDir(string tag)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"xrayhpc-explain-{tag}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
