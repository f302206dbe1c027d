using System.Diagnostics;
using System.Text.Json;

namespace XRayHpc.Parquet.Tests;

/// <summary>Runs tests/interop/oracle.mjs (DuckDB and hyparquet under node). Missing oracles fail loudly.</summary>
public static class Oracle
{
    public static string InteropDir { get; } = FindInteropDir();

    static string FindInteropDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "tests", "interop", "oracle.mjs");
            if (File.Exists(p)) return Path.GetDirectoryName(p)!;
        }
        throw new InvalidOperationException($"tests/interop/oracle.mjs not found above {AppContext.BaseDirectory}");
    }

    public static JsonElement Run(params string[] args)
    {
        var modules = Path.Combine(InteropDir, "node_modules", "@duckdb", "node-api");
        if (!Directory.Exists(modules))
            throw new InvalidOperationException($"the Parquet oracle is not installed ({modules} is missing): run tests/interop/prepare.sh (tests/run.sh does)");
        var psi = new ProcessStartInfo(ExternalTool.Resolve("node")) { WorkingDirectory = InteropDir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(InteropDir, "oracle.mjs"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdoutTask = p.StandardOutput.ReadToEndAsync(); // read asynchronously, so the time limit below holds
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"oracle {string.Join(' ', args)} did not finish in 120 s"); }
        var stdout = stdoutTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"oracle {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
