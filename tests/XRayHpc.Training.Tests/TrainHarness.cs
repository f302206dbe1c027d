using System.Diagnostics;
using System.Text;

namespace XRayHpc.Training.Tests;

/// <summary>
/// Runs `xrayhpc` (the CLI built into this test's output folder) directly or under `mpirun -np N`, with the
/// OpenMPI variables a root, 2-core CI machine needs set here (never relying on the caller's environment).
/// </summary>
public sealed class CliProcess : IDisposable
{
    readonly Process _p;
    readonly StringBuilder _out = new(), _err = new();
    public string Stdout { get { lock (_out) return _out.ToString(); } }
    public string Stderr { get { lock (_err) return _err.ToString(); } }
    public int Pid => _p.Id;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "xrayhpc.dll");

    public static CliProcess Start(int ranks, IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var psi = ranks > 0
            ? new ProcessStartInfo(ExternalTool.Resolve("mpirun")) { ArgumentList = { "-np", ranks.ToString(), "dotnet", Dll } }
            : new ProcessStartInfo("dotnet") { ArgumentList = { Dll } };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        psi.Environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment.Remove("XRAYHPC_FAULT_NAN");
        psi.Environment.Remove("XRAYHPC_FAULT_INF_GRAD");
        psi.Environment.Remove("XRAYHPC_FAULT_CHECKPOINT");
        psi.Environment.Remove("XRAYHPC_FAULT_SIGNAL_EXPLOIT");
        psi.Environment.Remove("SLURM_JOB_ID");
        psi.Environment.Remove("SLURM_CPUS_PER_TASK");
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return new CliProcess(psi);
    }

    CliProcess(ProcessStartInfo psi)
    {
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_out) _out.AppendLine(e.Data); };
        _p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_err) _err.AppendLine(e.Data); };
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public int Wait(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"xrayhpc did not finish within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _p.WaitForExit();
        return _p.ExitCode;
    }

    public bool Exited => _p.HasExited;

    /// <summary>SIGKILL to mpirun and every process under it (no chance to clean up, like a node loss).</summary>
    public void Kill()
    {
        try { _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _p.WaitForExit();
    }

    public void Signal(int signal) => Syscall.kill(_p.Id, signal);

    public void Dispose()
    {
        if (!_p.HasExited) Kill();
        _p.Dispose();
    }

    public string Describe() => $"exit {(_p.HasExited ? _p.ExitCode : -1)}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

static partial class Syscall
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    public static partial int kill(int pid, int sig);
}

public static class Poll
{
    /// <summary>Polls a condition (no fixed sleeps): returns when it holds, throws with <paramref name="what"/> on timeout or if <paramref name="alive"/> turns false first.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what, Func<bool>? alive = null, Func<string>? describe = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (alive != null && !alive()) throw new Xunit.Sdk.XunitException($"process ended before: {what}\n{describe?.Invoke()}");
            if (sw.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout} waiting for: {what}\n{describe?.Invoke()}");
            Thread.Sleep(50); // polling interval, not a wait-for-result
        }
    }

    public static string ReadShared(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(fs);
            return r.ReadToEnd();
        }
        catch (IOException) { return ""; }
    }
}

/// <summary>Synthetic ChestXRay2017-layout caches (32 and 64 px), built once for the whole training test collection.</summary>
public sealed class SynthCaches : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("xrayhpc-train-").FullName;
    public string Cache32 { get; }
    public string Cache64 { get; }

    public SynthCaches()
    {
        Cache32 = Build(32, 240);
        Cache64 = Build(64, 600);
    }

    string Build(int size, int count)
    {
        var raw = Path.Combine(Root, $"raw{size}");
        var cache = Path.Combine(Root, $"cache{size}");
        Run(["synth", "--layout", "chestxray2017", "--out", raw, "--count", count.ToString(), "--size", size.ToString(), "--seed", "3"]);
        Run(["preprocess", "--layout", "chestxray2017", "--input", raw, "--output", cache, "--size", size.ToString(),
             "--target-ranks", "2", "--threads", "2", "--salt-file", Path.Combine(Root, "salt")]);
        return cache;
    }

    static void Run(string[] args)
    {
        using var p = CliProcess.Start(0, args);
        int rc = p.Wait(TimeSpan.FromMinutes(3));
        if (rc != 0) throw new InvalidOperationException($"xrayhpc {string.Join(' ', args)} failed: {p.Describe()}");
    }

    public void Dispose() { try { Directory.Delete(Root, true); } catch (IOException) { } }
}

[CollectionDefinition("train-mpi")]
public sealed class TrainCollection : ICollectionFixture<SynthCaches>;
