using System.Diagnostics;
using System.Text;

namespace XRayHpc.Hpc.Tests;

/// <summary>Result of a child process: exit code and stdout+stderr interleaved as received.</summary>
public sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs `xrayhpc` (the build's xrayhpc.dll next to the test assembly) and other programs as child processes.</summary>
public static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "xrayhpc.dll");

    /// <summary>The repository root (holds jobs/ and env/), found upwards from the test assembly.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, "jobs")) && Directory.Exists(Path.Combine(d.FullName, "env")))
                    return d.FullName;
            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Environment every child gets: Debian's OpenMPI refuses root and oversubscription unless told.</summary>
    public static readonly IReadOnlyDictionary<string, string> MpiEnv = new Dictionary<string, string>
    {
        ["OMPI_ALLOW_RUN_AS_ROOT"] = "1", ["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1", ["OMPI_MCA_rmaps_base_oversubscribe"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>An environment value that removes the variable from the child's environment.</summary>
    public const string Unset = "\0unset";

    public static ProcessResult Run(params string[] args) => Exec("dotnet", [Dll, .. args], TimeSpan.FromMinutes(5));

    public static ProcessResult Exec(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? env = null, string? cwd = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in MpiEnv) psi.Environment[k] = v;
        if (env != null)
            foreach (var (k, v) in env)
                if (v == Unset) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
        if (cwd != null) psi.WorkingDirectory = cwd;
        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            lock (output) return new ProcessResult(-1, $"timed out after {timeout.TotalSeconds} s: {file} {string.Join(' ', args)}\n{output}");
        }
        p.WaitForExit();
        lock (output) return new ProcessResult(p.ExitCode, output.ToString());
    }
}
